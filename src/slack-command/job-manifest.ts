import { createHash } from 'node:crypto';
import type { V1Job } from '@kubernetes/client-node';

/** Variables a diagnosis Job gets from the server's own environment: settings, never secrets. */
export const JOB_PASSED_ENV = [
  'SLACK_CHANNEL_ID',
  'SLACK_API_URL',
  'GITHUB_REPOSITORY',
  'GITHUB_API_URL',
  'SRE_AGENT_NAMESPACES',
  'SRE_AGENT_MODEL',
  'SRE_AGENT_CONFIG',
  'ANTHROPIC_BASE_URL',
  'SRE_AGENT_DEDUPE',
  'SRE_AGENT_DEDUPE_NAMESPACE',
  'SRE_AGENT_RESPONSE_URL_PREFIX',
  // A dispatched diagnosis proposes the same button (the key itself comes from the Secret).
  'SRE_AGENT_ACTIONS',
  'SRE_AGENT_APPROVERS',
  'SRE_AGENT_APPROVER_GROUPS',
] as const;

export interface DiagnosisJobOptions {
  namespace: string;
  image: string;
  serviceAccount: string;
  /** The run's deadline; the Job's `activeDeadlineSeconds` adds room to start and to post. */
  timeoutSeconds: number;
  /** The event `run-event` reads from `SRE_TRIGGER_JSON`. */
  trigger: { service: string; namespace: string; dedupeKey: string } & Record<string, unknown>;
  /** Non-secret settings to pass on (see JOB_PASSED_ENV). */
  env: Record<string, string>;
  /** Secret holding the tokens, mounted with `envFrom` so that its values never appear in the Job. */
  secretName?: string;
}

/** Room beyond the run's own deadline: image pull, start, MCP servers, the post. */
export const JOB_DEADLINE_MARGIN_SECONDS = 120;

/** A DNS-label Job name derived from the dedupe key: two replicas asked the same get a 409. */
export function diagnosisJobName(service: string, dedupeKey: string): string {
  const hash = createHash('sha256').update(dedupeKey).digest('hex').slice(0, 10);
  const stem =
    service
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 30) || 'service';
  return `sre-agent-${stem}-${hash}`.replace(/-+/g, '-');
}

/**
 * A batch/v1 Job that runs `sre-agent run-event` once with the trigger in `SRE_TRIGGER_JSON`:
 * no retries (`backoffLimit: 0`: a retry would diagnose twice), a hard deadline, non-root,
 * read-only root filesystem, the agent's read-only service account.
 */
export function diagnosisJob(options: DiagnosisJobOptions): V1Job {
  const name = diagnosisJobName(options.trigger.service, options.trigger.dedupeKey);
  const labels = {
    'app.kubernetes.io/name': 'sre-agent',
    'app.kubernetes.io/component': 'diagnosis',
    'sre-agent/service': options.trigger.service.slice(0, 63).replace(/[^A-Za-z0-9._-]/g, '-'),
  };
  const env = [
    { name: 'SRE_TRIGGER_JSON', value: JSON.stringify(options.trigger) },
    ...Object.entries(options.env).map(([n, value]) => ({ name: n, value })),
  ];
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace: options.namespace, labels },
    spec: {
      backoffLimit: 0,
      activeDeadlineSeconds: options.timeoutSeconds + JOB_DEADLINE_MARGIN_SECONDS,
      ttlSecondsAfterFinished: 86_400,
      template: {
        metadata: { labels },
        spec: {
          serviceAccountName: options.serviceAccount,
          restartPolicy: 'Never',
          securityContext: {
            runAsNonRoot: true,
            runAsUser: 10001,
            seccompProfile: { type: 'RuntimeDefault' },
          },
          containers: [
            {
              name: 'sre-agent',
              image: options.image,
              command: ['sre-agent', 'run-event', '--timeout', `${options.timeoutSeconds}s`],
              env,
              ...(options.secretName
                ? { envFrom: [{ secretRef: { name: options.secretName, optional: true } }] }
                : {}),
              resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { memory: '768Mi' } },
              securityContext: {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                capabilities: { drop: ['ALL'] },
              },
              volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
            },
          ],
          volumes: [{ name: 'tmp', emptyDir: {} }],
        },
      },
    },
  };
}
