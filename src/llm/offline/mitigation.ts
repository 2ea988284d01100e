import type { EngineContext } from '../engine.js';
import { toolFor } from './capabilities.js';
import { at, list, num, str } from './k8s-object.js';

/** A rollback that would restore the last version that worked. */
export interface Rollback {
  /** `kubectl rollout undo deployment/cartservice --to-revision=3 -n default` */
  command: string;
  /** `revision 3 (image …:1.4.2)` */
  target: string;
  /** When the current revision was rolled out. */
  currentSince?: string;
}

interface Revision {
  revision: number | null;
  images: string[];
  createdAt?: string;
  current: boolean;
}

/**
 * The rollback of a Deployment to the revision before the current one, from its rollout history;
 * null when there is no earlier revision, or when the change to undo is older than the rollout
 * (then rolling back would not remove it).
 */
export async function rollbackFor(
  ctx: EngineContext,
  workload: { kind: string; name: string } | null,
  namespace: string,
  changeDate?: string,
): Promise<Rollback | null> {
  if (!workload || workload.kind !== 'Deployment') return null;
  const tool = toolFor('deployment', ctx.tools.toolNames());
  if (!tool) return null;
  const outcome = await ctx.tools.call(tool, { name: workload.name, namespace });
  if (!outcome.ok) return null;
  const history: Revision[] = list(at(outcome.structured, 'rolloutHistory')).map((r) => ({
    revision: num(r.revision) ?? null,
    images: Array.isArray(r.images) ? r.images.filter((i): i is string => typeof i === 'string') : [],
    createdAt: str(r.createdAt),
    current: r.current === true,
  }));
  const currentIndex = history.findIndex((r) => r.current);
  const current = history[currentIndex];
  const previous = currentIndex >= 0 ? history[currentIndex + 1] : undefined;
  if (!current || !previous || previous.revision === null) return null;
  if (changeDate && current.createdAt && Date.parse(current.createdAt) < Date.parse(changeDate)) return null;
  const imageChanged = previous.images.join() !== current.images.join();
  return {
    command: `kubectl rollout undo deployment/${workload.name} --to-revision=${previous.revision} -n ${namespace}`,
    target: `revision ${previous.revision}${imageChanged && previous.images[0] ? ` (image ${previous.images.join(', ')})` : ''}`,
    ...(current.createdAt ? { currentSince: current.createdAt } : {}),
  };
}

/** "Mitigate now: … Permanent fix: …", or the fix alone when there is nothing to roll back to. */
export function withMitigation(fix: string, rollback: Rollback | null): string {
  if (!rollback) return fix;
  const permanent = fix.replace(/^Permanent fix:\s*/i, '');
  return `Mitigate now: roll back to ${rollback.target}, the version before the current rollout${rollback.currentSince ? ` (${rollback.currentSince})` : ''}: \`${rollback.command}\`. Permanent fix: ${permanent}`;
}
