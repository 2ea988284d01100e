/** Names a person would confuse: the closest of `candidates` to `name`, for "did you mean". */
export function closestNames(name: string, candidates: readonly string[], limit = 3): string[] {
  const norm = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, '');
  const target = norm(name);
  return [...new Set(candidates)]
    .filter((c) => c !== name)
    .map((c) => {
      const other = norm(c);
      const contains =
        target.length >= 3 && other.length >= 3 && (other.includes(target) || target.includes(other));
      return { c, score: contains ? 0 : distance(target, other) };
    })
    .filter((x) => x.score <= Math.max(3, Math.floor(target.length / 2)))
    .sort((a, b) => a.score - b.score || a.c.localeCompare(b.c))
    .slice(0, limit)
    .map((x) => x.c);
}

/** Levenshtein distance, two rows. */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/** `the workload` → the kubectl resource word for a kind: `deployment/x`, `statefulset/x`. */
export function kubectlRef(kind: string | undefined, name: string): string {
  return `${(kind ?? 'deployment').toLowerCase()}/${name}`;
}

/** Kinds whose previous version `kubectl rollout undo` restores. */
const ROLLABLE = new Set(['Deployment', 'StatefulSet', 'DaemonSet']);

/**
 * How to put the previous version of a workload back: `kubectl rollout undo` where the kind keeps
 * a history, re-applying the previous manifest elsewhere (a Pod, a Job, a CronJob keep none).
 */
export function undoAdvice(workload: { kind: string; name: string } | null, namespace: string): string {
  if (workload && ROLLABLE.has(workload.kind))
    return `kubectl rollout undo ${kubectlRef(workload.kind, workload.name)} -n ${namespace}`;
  if (workload?.kind === 'Pod')
    return `delete and recreate pod ${workload.name} from its corrected manifest (a Pod's containers cannot be changed in place)`;
  if (workload?.kind === 'Job')
    return `delete Job ${workload.name} and recreate it from the corrected manifest (a Job's pod template cannot be changed)`;
  if (workload?.kind === 'CronJob')
    return `kubectl apply the corrected CronJob ${workload.name}; the next scheduled run uses it`;
  return 'apply the corrected manifest';
}
