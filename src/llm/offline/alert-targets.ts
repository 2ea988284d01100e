/** A Kubernetes object an alert's text names: `deployment billing/invoice-api`, `pod="orders-db-0"`. */
export interface AlertTarget {
  kind: string;
  name: string;
  namespace?: string;
}

const KINDS: Record<string, string> = {
  deployment: 'Deployment',
  statefulset: 'StatefulSet',
  daemonset: 'DaemonSet',
  replicaset: 'ReplicaSet',
  job: 'Job',
  job_name: 'Job',
  cronjob: 'CronJob',
  pod: 'Pod',
  service: 'Service',
  ingress: 'Ingress',
  persistentvolumeclaim: 'PersistentVolumeClaim',
  pvc: 'PersistentVolumeClaim',
  horizontalpodautoscaler: 'HorizontalPodAutoscaler',
};

const NAME = String.raw`[a-z0-9](?:[a-z0-9.-]{0,251}[a-z0-9])?`;
const WORD = `(${Object.keys(KINDS).join('|')})`;
// `Deployment billing/invoice-api`, `pod default/x-7d9 (container server)`, `deployment/frontend`
const PROSE = new RegExp(String.raw`\b${WORD}(?:\s+|/)(?:(${NAME})/)?(${NAME})\b`, 'gi');
// Prometheus labels: `deployment="invoice-api"`, `namespace="billing"`
const LABEL = new RegExp(String.raw`\b${WORD}="(${NAME})"`, 'gi');

/** The objects an alert names, in the order it names them. */
export function alertTargets(text: string | undefined): AlertTarget[] {
  if (!text) return [];
  const namespace = text.match(/\bnamespace="([a-z0-9-]+)"/)?.[1];
  const found: AlertTarget[] = [];
  const add = (kind: string, name: string, ns?: string) => {
    const k = KINDS[kind.toLowerCase()];
    if (!k || found.some((t) => t.kind === k && t.name === name)) return;
    // "service is", "pod has": words after a kind are names only when they look like names.
    if (!/[-\d]/.test(name) && !ns) return;
    found.push({ kind: k, name, ...((ns ?? namespace) ? { namespace: ns ?? namespace } : {}) });
  };
  for (const m of text.matchAll(LABEL)) add(m[1] as string, m[2] as string);
  for (const m of text.matchAll(PROSE)) add(m[1] as string, m[3] as string, m[2]);
  return found;
}

/**
 * The names among `known` (the namespace's workloads and Services) that the alert's text spells
 * out as whole words: `5xx ratio 94% on scoreboard-web` names scoreboard-web even without a kind.
 */
export function alertNamedWorkloads(text: string | undefined, known: readonly string[]): string[] {
  if (!text) return [];
  const words = new Set(
    text
      .toLowerCase()
      .split(/[^a-z0-9.-]+/)
      .map((w) => w.replace(/^[.-]+|[.-]+$/g, '')),
  );
  return known.filter((name) => words.has(name.toLowerCase()));
}
