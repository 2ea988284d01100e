import type { CoreV1Api, V1Pod } from '@kubernetes/client-node';
import type { ActionSettings } from '../config/actions.js';
import { rollbackOffered } from '../config/actions.js';
import type { ActionButton } from '../report/render-slack-blocks.js';
import type { ProposedAction, Report } from '../report/schema.js';
import { newProposalId, signRollbackToken } from './action-token.js';
import {
  RollbackError,
  describeTarget,
  planRollback,
  type RollbackApi,
  type RollbackPlan,
} from './rollback.js';

/** The button's `action_id` (DESIGN.md 4.1). */
export const ROLLBACK_ACTION_ID = 'sre_agent_rollback';

/** What the proposal reads: the rollout (rollback.ts) and the pods of its ReplicaSets. */
export interface ProposalDeps {
  apps: RollbackApi;
  core: Pick<CoreV1Api, 'listNamespacedPod'>;
  /** The namespaces the agent may read: a proposal never reaches outside them. */
  namespaces: readonly string[];
  actions: ActionSettings;
  /** The wall clock: tokens expire in real time, whatever time a replay reads the cluster as of. */
  clock: () => Date;
}

// Waiting reasons and phases that mean a pod of the rollout does not work (kubelet's reasons).
const FAILING_WAITING = new Set([
  'CrashLoopBackOff',
  'ImagePullBackOff',
  'ErrImagePull',
  'InvalidImageName',
  'CreateContainerConfigError',
  'CreateContainerError',
  'RunContainerError',
]);

/** Whether a pod of the newest ReplicaSet fails: a failing wait, a crash, or no readiness after restarts. */
function podFails(pod: V1Pod): boolean {
  if (pod.status?.phase === 'Failed') return true;
  return (pod.status?.containerStatuses ?? []).some((c) => {
    const waiting = c.state?.waiting?.reason;
    if (waiting && FAILING_WAITING.has(waiting)) return true;
    const terminated = c.state?.terminated ?? c.lastState?.terminated;
    return (terminated !== undefined && terminated.exitCode !== 0) || (!c.ready && (c.restartCount ?? 0) > 0);
  });
}

/**
 * The Deployments a report names: `deployment/<name>` in refs and text (the offline engine's and
 * kubectl's spelling), and the service itself. Candidates only: each is checked in the cluster.
 */
function namedDeployments(report: Report): string[] {
  const text = [
    report.summary,
    report.rootCause.statement,
    report.suggestedFix,
    ...report.evidence.flatMap((e) => [e.ref ?? '', e.detail]),
  ].join('\n');
  const named = [...text.matchAll(/\bdeployments?(?:\.apps)?\/([a-z0-9][a-z0-9.-]{0,252})/gi)].map((m) =>
    (m[1] ?? '').replace(/[.-]+$/, ''),
  );
  return [...new Set([...named, report.service])].filter(Boolean).slice(0, 5);
}

/**
 * Whether the incident came with the latest rollout: the engine proposes undoing it, or a pod of
 * the newest ReplicaSet fails (so the failure began with that rollout, whatever the old pods do).
 */
async function attributedToRollout(
  deps: ProposalDeps,
  report: Report,
  plan: RollbackPlan,
  currentHash: string | undefined,
): Promise<boolean> {
  const name = plan.deployment.replace(/[.]/g, '\\.');
  const undo = new RegExp(`rollout undo (?:deployments?(?:\\.apps)?/)?${name}\\b`, 'i');
  if (undo.test(report.suggestedFix)) return true;
  if (!currentHash) return false;
  const pods = await deps.core.listNamespacedPod({
    namespace: plan.namespace,
    labelSelector: `pod-template-hash=${currentHash}`,
  });
  return pods.items.some(podFails);
}

/**
 * The rollback the report proposes, read from the cluster by the host (never by the model): only
 * for a diagnosed incident that came with a Deployment's latest rollout, when the previous
 * revision's ReplicaSet exists. With actions on and approvers set, also the signed button.
 */
export async function proposeRollback(
  deps: ProposalDeps,
  report: Report,
): Promise<{ action: ProposedAction; button?: ActionButton } | undefined> {
  if (report.status !== 'diagnosed' || !deps.namespaces.includes(report.namespace)) return undefined;
  for (const deployment of namedDeployments(report)) {
    let plan: RollbackPlan;
    try {
      plan = await planRollback(deps.apps, { namespace: report.namespace, deployment });
    } catch (error) {
      if (error instanceof RollbackError && error.problem !== 'api') continue;
      throw error;
    }
    if (!(await attributedToRollout(deps, report, plan, plan.currentTemplateHash))) continue;
    const action: ProposedAction = {
      kind: 'rollback',
      namespace: plan.namespace,
      deployment: plan.deployment,
      fromRevision: plan.fromRevision,
      toRevision: plan.toRevision,
      image: plan.images[0] ?? '',
    };
    if (!rollbackOffered(deps.actions) || !deps.actions.tokenKey) return { action };
    const token = signRollbackToken(deps.actions.tokenKey, {
      kind: 'rollback',
      id: newProposalId(),
      namespace: plan.namespace,
      deployment: plan.deployment,
      fromRevision: plan.fromRevision,
      toRevision: plan.toRevision,
      resourceVersion: plan.resourceVersion,
      expiresAt: deps.clock().getTime() + deps.actions.tokenTtlMs,
    });
    return {
      action,
      button: {
        actionId: ROLLBACK_ACTION_ID,
        label: `Roll back ${plan.deployment} to revision ${plan.toRevision}${plan.images[0] ? ` (${shortImage(plan.images[0])})` : ''}`,
        value: token,
        confirm: `Roll back deployment ${plan.namespace}/${describeTarget(plan)}, from revision ${plan.fromRevision}? A dry run goes first; nothing else changes.`,
      },
    };
  }
  return undefined;
}

/** `…:v0.10.2` for a button, which has 75 characters: the tag (or digest) says which version. */
function shortImage(image: string): string {
  const at = image.lastIndexOf('@');
  if (at >= 0) return `…@${image.slice(at + 1, at + 20)}`;
  const colon = image.lastIndexOf(':');
  return colon > image.lastIndexOf('/') ? `…${image.slice(colon)}` : image.slice(image.lastIndexOf('/') + 1);
}
