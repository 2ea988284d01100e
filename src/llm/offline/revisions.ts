import type { EngineContext } from '../engine.js';
import { readObjects } from './cluster-read.js';
import type { ServiceFacts } from './facts.js';
import { at, list, nameOf, num, str, type KubeObject } from './k8s-object.js';
import { correlateChange } from './rules/recent-change.js';
import type { Verdict } from './rules/verdict.js';
import { templateChanges, type TemplateChange } from './template-diff.js';

/** The newest revision of a workload against the one before it. */
export interface RevisionDiff {
  /** `ReplicaSet checkout-7d9f` / `ControllerRevision ledger-5c6b`, the object holding each template. */
  current: string;
  previous: string;
  changes: TemplateChange[];
}

/** Labels that name an app on its pods and ReplicaSets alike. */
const APP_LABELS = ['app.kubernetes.io/name', 'app', 'k8s-app', 'name', 'app.kubernetes.io/instance'];

const ownedBy = (o: KubeObject, kind: string, name: string) =>
  list(at(o, 'metadata', 'ownerReferences')).some((r) => r.kind === kind && r.name === name);

const created = (o: KubeObject) => str(at(o, 'metadata', 'creationTimestamp')) ?? '';

/** Newest first: by revision number, then by creation time. */
function byRevision(revision: (o: KubeObject) => number | undefined) {
  return (a: KubeObject, b: KubeObject) =>
    (revision(b) ?? -1) - (revision(a) ?? -1) || created(b).localeCompare(created(a));
}

/**
 * Read the workload's revisions (a Deployment's ReplicaSets, a StatefulSet's ControllerRevisions)
 * and compare the current pod template with the previous one; null when there is no earlier
 * revision or the objects cannot be read. The current revision is the one the troubled pods run.
 */
export async function revisionDiff(ctx: EngineContext, facts: ServiceFacts): Promise<RevisionDiff | null> {
  const workload = facts.listing.workload;
  if (!workload) return null;
  const troubled = new Set(facts.problems.map((p) => p.pod));
  const pods = facts.listing.pods.filter((p) => troubled.has(p.name));
  if (workload.kind === 'Deployment') {
    // A busy namespace holds more ReplicaSets than one answer lists: ask by the app label first.
    const key = APP_LABELS.find((k) => facts.listing.pods.some((p) => p.labels[k]));
    const value = key ? facts.listing.pods.find((p) => p.labels[key])?.labels[key] : undefined;
    const revision = (o: KubeObject) =>
      Number(str(at(o, 'metadata', 'annotations', 'deployment.kubernetes.io/revision')) ?? NaN) || undefined;
    const read = async (labelSelector?: string) =>
      (
        (await readObjects(ctx, 'ReplicaSet', {
          namespace: facts.namespace,
          ...(labelSelector ? { labelSelector } : {}),
        })) ?? []
      )
        .filter((s) => ownedBy(s, 'Deployment', workload.name))
        .sort(byRevision(revision));
    let owned = key && value ? await read(`${key}=${value}`) : [];
    // The label may have changed between revisions: then every ReplicaSet of the namespace.
    if (owned.length < 2) owned = await read();
    const failing = pods.map((p) => p.ownerName).find(Boolean);
    const index = Math.max(0, failing ? owned.findIndex((s) => nameOf(s) === failing) : 0);
    const current = owned[index];
    const previous = owned[index + 1];
    if (!current || !previous) return null;
    return {
      current: `ReplicaSet ${nameOf(current)}`,
      previous: `ReplicaSet ${nameOf(previous)}`,
      changes: templateChanges(at(previous, 'spec', 'template'), at(current, 'spec', 'template')),
    };
  }
  if (workload.kind === 'StatefulSet') {
    const revisions = await readObjects(ctx, 'ControllerRevision', { namespace: facts.namespace });
    if (!revisions) return null;
    const owned = revisions
      .filter((r) => ownedBy(r, 'StatefulSet', workload.name))
      .sort(byRevision((o) => num(o.revision)));
    // A StatefulSet pod carries its revision's name in the controller-revision-hash label.
    const hash = pods.map((p) => p.labels['controller-revision-hash']).find(Boolean);
    const index = Math.max(0, hash ? owned.findIndex((r) => nameOf(r) === hash) : 0);
    const current = owned[index];
    const previous = owned[index + 1];
    if (!current || !previous) return null;
    return {
      current: `ControllerRevision ${nameOf(current)}`,
      previous: `ControllerRevision ${nameOf(previous)}`,
      changes: templateChanges(
        at(previous, 'data', 'spec', 'template'),
        at(current, 'data', 'spec', 'template'),
      ),
    };
  }
  return null;
}

/**
 * The changes that bear on a failure, most telling first: those whose key or new value the
 * failure's words name, then limits cut, probes, env, commands, images, volumes.
 */
export function relevantChanges(changes: readonly TemplateChange[], said: string): TemplateChange[] {
  const named = (c: TemplateChange) =>
    [c.key, c.to ?? ''].some(
      (v) => v.length >= 2 && new RegExp(`(?<![\\w.])${escape(v)}(?![\\w])`).test(said),
    );
  const order = [
    'resources',
    'probe',
    'env',
    'command',
    'args',
    'volume',
    'serviceAccount',
    'image',
    'nodeSelector',
  ];
  const rank = (c: TemplateChange) =>
    (named(c) ? 0 : 100) + (c.lowered ? 0 : 10) + Math.max(0, order.indexOf(c.area));
  return [...changes].sort((a, b) => rank(a) - rank(b));
}

function escape(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** `env RATE_X changed from "300" to "5m"; cpu limit cut from 1 to 300m` — at most `max` of them. */
export function describeChanges(changes: readonly TemplateChange[], max = 3): string {
  const shown = changes.slice(0, max).map((c) => c.text);
  const more = changes.length > max ? ` (and ${changes.length - max} more)` : '';
  return `${shown.join('; ')}${more}`;
}

/**
 * A diagnosis of a failing Deployment or StatefulSet gains what changed between its revisions: the
 * prime suspect, named in the root cause, and the new values become clues for the commit that
 * wrote them. An image bump alone is the ordinary content of a rollout and is said only last.
 */
export async function withRevisionChanges(
  ctx: EngineContext,
  facts: ServiceFacts,
  verdict: Verdict,
): Promise<Verdict> {
  const kind = facts.listing.workload?.kind;
  if (!facts.problems.length || (kind !== 'Deployment' && kind !== 'StatefulSet')) return verdict;
  if (/newest revision/.test(verdict.statement)) return verdict;
  const diff = await revisionDiff(ctx, facts);
  if (!diff?.changes.length) return verdict;
  const logged = facts.logs.flatMap((l) => l.analysis.signatures.map((s) => s.sample)).join('\n');
  const ranked = relevantChanges(diff.changes, `${verdict.statement}\n${verdict.summary}\n${logged}`);
  const said = describeChanges(ranked);
  ctx.casebook.evidence.push({
    source: 'kubernetes',
    detail: `${diff.current} (newest) against ${diff.previous}: ${said}`,
    ref: `${kind.toLowerCase()}/${facts.listing.workload?.name ?? ''}`,
  });
  const values = ranked
    .filter((c) => c.area !== 'image' && c.to)
    .slice(0, 2)
    .map((c) => c.to as string);
  return {
    ...verdict,
    statement: `${verdict.statement} What changed in the newest revision (${diff.current}, against ${diff.previous}): ${said}.`,
    clues: [...(verdict.clues ?? []), ...values],
    revisionValues: values,
  };
}

/**
 * Trouble no rule names, in pods of the newest revision: what changed against the previous
 * revision (beyond the image) is the prime suspect, said as such with medium confidence.
 */
export async function revisionVerdict(
  ctx: EngineContext,
  facts: ServiceFacts,
  issues: readonly string[],
): Promise<Verdict | null> {
  const workload = facts.listing.workload;
  if (!facts.problems.length || (workload?.kind !== 'Deployment' && workload?.kind !== 'StatefulSet'))
    return null;
  const diff = await revisionDiff(ctx, facts);
  const changes = relevantChanges(
    (diff?.changes ?? []).filter((c) => c.area !== 'image'),
    facts.problems.map((p) => p.detail).join('\n'),
  );
  if (!diff || !changes.length) return null;
  const said = describeChanges(changes);
  ctx.casebook.evidence.push(
    {
      source: 'kubernetes',
      detail: facts.problems[0]?.detail ?? issues.join('; '),
      ref: `pod/${facts.problems[0]?.pod ?? ''}`,
    },
    {
      source: 'kubernetes',
      detail: `${diff.current} (newest) against ${diff.previous}: ${said}`,
      ref: `${workload.kind.toLowerCase()}/${workload.name}`,
    },
  );
  return {
    status: 'diagnosed',
    summary: `${facts.service}'s newest revision fails (${issues.join('; ')}) and differs from the previous one: ${said}.`,
    statement: `The pods of the newest revision (${diff.current}) fail (${facts.problems[0]?.detail ?? issues[0]}), and what changed against the previous revision (${diff.previous}) is the prime suspect: ${said}.`,
    confidence: 'medium',
    fix: `Restore the previous value${changes.length > 1 ? 's' : ''} (${changes
      .slice(0, 2)
      .map((c) => `${c.key}${c.from !== undefined ? ` = ${c.from}` : ''}`)
      .join('; ')}) in ${workload.kind} ${workload.name}, or roll back the rollout.`,
    rollback: true,
    objects: [workload],
    clues: changes.flatMap((c) => (c.to ? [c.to] : [])).slice(0, 2),
  };
}

/**
 * When a commit is already suspected from the error alone, the commit whose diff wrote one of the
 * newest revision's values (its file holds the line) is the stronger suspect: put it first.
 */
export async function preferRevisionCommit(ctx: EngineContext, verdict: Verdict): Promise<Verdict> {
  const values = verdict.revisionValues ?? [];
  const { suspectCommits, suspectFiles } = ctx.casebook;
  if (!values.length || !suspectCommits.length) return verdict;
  const known = new Set(suspectCommits.map((c) => c.sha));
  const change = await correlateChange(ctx, { text: '', files: [], focus: values });
  if (!change?.culpritFile || known.has(change.commit.sha)) return verdict;
  const index = suspectCommits.findIndex((c) => c.sha === change.commit.sha);
  if (index > 0) suspectCommits.unshift(...suspectCommits.splice(index, 1));
  const file = suspectFiles.findIndex((f) => f.path === change.culpritFile);
  if (file > 0) suspectFiles.unshift(...suspectFiles.splice(file, 1));
  return { ...verdict, statement: `${verdict.statement} ${change.note}` };
}
