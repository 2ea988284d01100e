import type { ServiceFacts } from '../facts.js';
import type { ChangeLink } from './recent-change.js';
import type { Verdict } from './verdict.js';

/** `KEY: value`, `KEY=value`, `"KEY": "value"` on one changed line of a patch. */
const SETTING = /^[+-]\s*["']?([A-Za-z_][\w.-]*)["']?\s*[:=]\s*["']?([^"'\s#]+)/;

/** What a change replaced: the key, the value before and the value after. */
function replacements(patch: string): { key: string; before: string; after: string }[] {
  const removed = new Map<string, string>();
  const added = new Map<string, string>();
  for (const line of patch.split('\n')) {
    if (/^(\+\+\+|---)/.test(line)) continue;
    const m = SETTING.exec(line);
    if (!m?.[1] || !m[2]) continue;
    (line.startsWith('-') ? removed : added).set(m[1], m[2]);
  }
  return [...removed].flatMap(([key, before]) => {
    const after = added.get(key);
    return after && after !== before ? [{ key, before, after }] : [];
  });
}

/**
 * The application still runs with the value a change replaced: the error names the old value,
 * the change that replaced it came after the pods started, and nothing restarted them. Values
 * read from a ConfigMap or Secret as environment variables (`env`, `envFrom`) are fixed when the
 * container starts, so a change to the object reaches only pods started after it.
 */
export function staleConfiguration(
  verdict: Verdict,
  facts: ServiceFacts,
  change: ChangeLink,
): Verdict | null {
  const changedAt = Date.parse(change.commit.date ?? '');
  if (!change.patch || Number.isNaN(changedAt)) return null;
  // A workload manifest changed after its pods started was never applied: restarting would not help.
  const file = change.culpritFile ?? change.dataFile ?? change.files[0] ?? '';
  if (/deployment|statefulset|daemonset|cronjob|\bjob\b/i.test(file)) return null;
  const text = `${verdict.statement} ${verdict.summary}`;
  const replaced = replacements(change.patch).find(
    (r) => r.before.length >= 4 && text.includes(r.before) && !text.includes(r.after),
  );
  if (!replaced) return null;
  const starts = facts.listing.pods.map((p) => Date.parse(p.startTime ?? '')).filter((t) => !Number.isNaN(t));
  if (!starts.length || Math.max(...starts) >= changedAt) return null;
  const started = new Date(Math.max(...starts)).toISOString();
  const sha = change.commit.sha.slice(0, 7);
  const workload = facts.listing.workload;
  const restart = workload
    ? `kubectl rollout restart ${workload.kind.toLowerCase()}/${workload.name} -n ${facts.namespace}`
    : `delete the pods so that their controller recreates them`;
  return {
    ...verdict,
    summary:
      `${facts.service} still uses the old ${replaced.key} (${replaced.before}): commit ${sha} changed it to ` +
      `${replaced.after}, but the pods were never restarted since (newest started ${started}), so they run with the stale value. ` +
      verdict.summary,
    statement:
      `${verdict.statement} The pods still hold the value ${replaced.key}=${replaced.before} that commit ${sha} replaced with ` +
      `${replaced.after} at ${change.commit.date}: every pod started before that (the newest at ${started}) and none was ` +
      `restarted, and configuration read as environment variables is fixed when a container starts.`,
    fix:
      `Restart the pods so that they read the new ${replaced.key}: ${restart}. To make later changes roll out by ` +
      `themselves, put a hash of the configuration in the pod template (an annotation, or a generated ConfigMap name).`,
    rollback: false,
  };
}
