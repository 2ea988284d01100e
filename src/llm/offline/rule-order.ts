/**
 * Which rules the offline engine tries, in which order: a list's first verdict wins, so a cause
 * comes before the symptoms it produces (platform before application, local before dependencies).
 */
import { crashRule, exceptionRule, logErrorRule } from './rules/application.js';
import { badDataRule, dataParseRule } from './rules/bad-data.js';
import { commandRule } from './rules/command.js';
import { configRule, mountedFileRule, mountRule } from './rules/config.js';
import { expiredCredentialRule } from './rules/credentials.js';
import { peerCertificateRule, servedCertificateRule } from './rules/expired-certificate.js';
import { disruptionBudgetRule } from './rules/disruption-budget.js';
import { sidecarRule } from './rules/sidecar.js';
import { ingressRule } from './rules/ingress.js';
import { privilegedPortRule } from './rules/privileged-port.js';
import { jvmHeapRule } from './rules/jvm-heap.js';
import { jvmHeapOverLimitRule } from './rules/jvm-heap-limit.js';
import { nativeCrashRule } from './rules/native-crash.js';
import { jobRule } from './rules/jobs.js';
import { imagePullRule } from './rules/image-pull.js';
import { nodeRule, oomRule } from './rules/platform.js';
import { probeRule, readinessAnswerRule } from './rules/probes.js';
import { schedulingRule } from './rules/scheduling.js';
import { fileDescriptorRule } from './rules/file-descriptors.js';
import { podSandboxRule } from './rules/pod-sandbox.js';
import { jobSidecarRule } from './rules/job-sidecar.js';
import { migrationRule } from './rules/migration.js';
import { migrationLockRule } from './rules/migration-lock.js';
import { readOnlyFsRule } from './rules/read-only-fs.js';
import { signingKeyRule } from './rules/signing-key.js';
import { springStartupRule } from './rules/spring-startup.js';
import { decryptionRule } from './rules/decryption.js';
import { fleetLivenessRule, livenessDependencyRule, livenessKillRule } from './rules/liveness.js';
import { stuckRevisionRule } from './rules/stuck-revision.js';
import { staleCredentialRule } from './rules/stale-credentials.js';
import { dnsPolicyRule } from './rules/dns-policy.js';
import { oneNodeRule } from './rules/one-node.js';
import { podCreationRule } from './rules/pod-creation.js';
import { rbacRule } from './rules/rbac.js';
import { scaledToZeroRule } from './rules/replicas.js';
import { daemonSetPlacementRule } from './rules/daemonset-placement.js';
import { csiNodeRule } from './rules/csi-node.js';
import { pausedRolloutRule } from './rules/paused-rollout.js';
import { lostNodeRule, lostStatefulPodRule, stuckTerminatingRule } from './rules/stuck-terminating.js';
import { meshSidecarRule } from './rules/mesh-sidecar.js';
import { meshAuthorizationRule } from './rules/mesh-authorization.js';
import { rateLimitRule } from './rules/rate-limit.js';
import { hpaRule } from './rules/scaling.js';
import { diskFullRule, volumeClaimRule } from './rules/storage.js';
import { backingAlarmRule } from './rules/backing-alarm.js';
import { poolUndersizedRule } from './rules/connection-pool.js';
import { connectionLimitRule } from './rules/connection-limit.js';
import { consumerPollRule } from './rules/consumer-poll.js';
import { ingressDenied } from './rules/network.js';
import { cpuStarvationRule } from './rules/starvation.js';
import { ownServiceWiring } from './rules/traffic.js';
import { runtimeMismatchRule } from './rules/runtime-image.js';
import { lostCapabilityRule } from './rules/lost-capability.js';
import { trustStoreRule } from './rules/trust-store.js';
import { workloadIdentityRule } from './rules/workload-identity.js';
import type { Rule } from './rules/verdict.js';

/** Platform failures first (they explain application symptoms), then the application's own. */
export const LOCAL_RULES: Rule[] = [
  stuckTerminatingRule,
  // A StatefulSet pod held Terminating by its lost node says more than the node's events alone.
  lostStatefulPodRule,
  nodeRule,
  lostNodeRule,
  disruptionBudgetRule,
  podCreationRule,
  scaledToZeroRule,
  daemonSetPlacementRule,
  volumeClaimRule,
  schedulingRule,
  imagePullRule,
  csiNodeRule,
  mountRule,
  podSandboxRule,
  jobSidecarRule,
  configRule,
  privilegedPortRule,
  runtimeMismatchRule,
  lostCapabilityRule,
  commandRule,
  jvmHeapOverLimitRule,
  oomRule,
  nativeCrashRule,
  jvmHeapRule,
  cpuStarvationRule,
  backingAlarmRule,
  connectionLimitRule,
  poolUndersizedRule,
  consumerPollRule,
  diskFullRule,
  oneNodeRule,
  workloadIdentityRule,
  rbacRule,
  meshSidecarRule,
  meshAuthorizationRule,
  peerCertificateRule,
  expiredCredentialRule,
  trustStoreRule,
  sidecarRule,
  readinessAnswerRule((ctx, facts) => ownServiceWiring(ctx, facts)),
  fileDescriptorRule,
  readOnlyFsRule,
  signingKeyRule,
  decryptionRule,
  livenessDependencyRule,
  stuckRevisionRule,
  staleCredentialRule,
  dnsPolicyRule,
  springStartupRule,
  dataParseRule,
  mountedFileRule,
  rateLimitRule,
  migrationLockRule,
  migrationRule,
  exceptionRule,
];
/**
 * After the dependencies (a probe usually fails because something the service calls fails): what
 * surrounds running pods — their Service, Ingress and autoscaler — then their probes.
 */
export const WIRING_RULES: Rule[] = [
  pausedRolloutRule,
  (ctx, facts) => ownServiceWiring(ctx, facts),
  (ctx, facts) => ingressDenied(ctx, facts),
  ingressRule,
  servedCertificateRule,
  hpaRule,
  livenessKillRule,
  probeRule,
];
/** Rules that judge what stands now, not what the events remember. */
export const CURRENT_STATE_RULES: Rule[] = [
  fleetLivenessRule,
  stuckTerminatingRule,
  lostNodeRule,
  scaledToZeroRule,
  pausedRolloutRule,
  disruptionBudgetRule,
  (ctx, facts) => ownServiceWiring(ctx, facts),
  (ctx, facts) => ingressDenied(ctx, facts),
  ingressRule,
  servedCertificateRule,
  hpaRule,
];
export const LATE_RULES: Rule[] = [jobRule, badDataRule, crashRule, logErrorRule];
