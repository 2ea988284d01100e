import { readObject, readObjects } from '../cluster-read.js';
import { at, list, nameOf, num, type KubeObject } from '../k8s-object.js';
import {
  DAEMONSET_TOLERATIONS,
  formatTaint,
  labelsFit,
  placementTerms,
  unmatchedSelector,
  untoleratedTaints,
} from '../node-fit.js';
import { quote } from '../quote.js';
import type { Rule } from './verdict.js';

const sentence = (text: string): string => text.charAt(0).toUpperCase() + text.slice(1);

/** Why each node is left out: the placement terms no node label answers, the taints not tolerated. */
function exclusions(
  spec: unknown,
  nodes: KubeObject[],
): { byLabels: KubeObject[]; taints: Map<string, number> } {
  const tolerations = [...list(at(spec, 'tolerations')), ...DAEMONSET_TOLERATIONS];
  const byLabels = nodes.filter((n) => !labelsFit(spec, n));
  const taints = new Map<string, number>();
  for (const node of nodes.filter((n) => labelsFit(spec, n)))
    for (const t of untoleratedTaints(tolerations, node))
      taints.set(formatTaint(t), (taints.get(formatTaint(t)) ?? 0) + 1);
  return { byLabels, taints };
}

/**
 * A DaemonSet that runs on no node, or on fewer than it did, because its nodeSelector, node affinity
 * or tolerations leave the nodes out: `status.desiredNumberScheduled` says how many nodes it wants,
 * the nodes' labels and taints say why not the others. Nothing fails or waits; the pods are gone.
 */
export const daemonSetPlacementRule: Rule = async (ctx, facts) => {
  const workload = facts.listing.workload;
  if (workload?.kind !== 'DaemonSet') return null;
  const daemonSet = await readObject(ctx, 'DaemonSet', workload.name, facts.namespace);
  const desired = num(at(daemonSet, 'status', 'desiredNumberScheduled'));
  if (!daemonSet || desired === undefined) return null;
  const nodes = (await readObjects(ctx, 'Node', { clusterScoped: true })) ?? [];
  if (!nodes.length || desired >= nodes.length) return null;
  // Fewer nodes than the cluster has is often by design (a GPU plugin): a fault only when it runs
  // nowhere, or when the controller has just removed pods it does not replace (a rollout replaces each).
  const own = facts.related.filter((e) => e.object === `DaemonSet/${workload.name}`);
  const tally = (reason: string) =>
    own.filter((e) => e.reason === reason).reduce((n, e) => n + (e.count ?? 1), 0);
  const deleted = own.filter((e) => e.reason === 'SuccessfulDelete');
  const removed = tally('SuccessfulDelete') - tally('SuccessfulCreate');
  if (desired > 0 && removed <= 0) return null;
  const spec = at(daemonSet, 'spec', 'template', 'spec');
  const { byLabels, taints } = exclusions(spec, nodes);
  if (!byLabels.length && !taints.size) return null;
  const terms = placementTerms(spec);
  const missing = unmatchedSelector(spec, nodes);
  const labelReason = missing.length
    ? `its nodeSelector ${missing.join(', ')} matches no node: no node carries ${missing.length > 1 ? 'those labels' : 'that label'}`
    : byLabels.length
      ? `its node placement (${terms.join(', ')}) leaves out ${byLabels.length} of ${nodes.length} node(s)`
      : '';
  const taintReason = [...taints].map(
    ([t, n]) => `${n} node(s) carry the taint ${t}, which it does not tolerate`,
  );
  const reasons = [labelReason, ...taintReason].filter(Boolean);
  const scheduled = `status.desiredNumberScheduled ${desired} of ${nodes.length} node(s)`;
  ctx.casebook.evidence.push({
    source: 'kubernetes',
    detail: `DaemonSet ${workload.name}: ${scheduled}; pod template requires ${terms.join(', ') || 'no labels'}`,
    ref: `daemonset/${workload.name}`,
  });
  if (missing.length)
    ctx.casebook.evidence.push({
      source: 'kubernetes',
      detail: `none of the ${nodes.length} nodes (${nodes
        .slice(0, 4)
        .map(nameOf)
        .join(', ')}${nodes.length > 4 ? ', …' : ''}) has the label ${missing.join(', ')}`,
      ref: 'nodes',
    });
  const deletes = deleted.reduce((n, e) => n + (e.count ?? 1), 0);
  if (deleted[0])
    ctx.casebook.evidence.push({
      source: 'kubernetes',
      detail: `daemonset-controller: ${quote(deleted[0].message ?? '', 120)}${deletes > 1 ? ` and more (${deletes} deletions in all)` : ''}${deleted[0].lastTimestamp ? ` at ${deleted[0].lastTimestamp}` : ''}`,
      ref: `daemonset/${workload.name}`,
    });
  const keys = missing.flatMap((m) => {
    const [key = '', value = ''] = m.split('=');
    return [m, `${key}: ${value}`, key];
  });
  const runs = desired === 0 ? 'runs no pods' : `runs on only ${desired} of ${nodes.length} nodes`;
  return {
    status: 'diagnosed',
    summary: `DaemonSet ${workload.name} ${runs} (${scheduled}): ${reasons.join('; ')}.`,
    statement: `DaemonSet ${workload.name} ${runs}: ${scheduled}${deletes ? `, and the controller deleted ${deletes} of its pods` : ''}. ${sentence(reasons.join('; '))}. Nothing fails or waits: the controller simply ${desired === 0 ? 'has no node to place the pods on' : 'places no pod on the other nodes'}.`,
    confidence: 'high',
    fix: missing.length
      ? `Select on a label the nodes carry, or label the intended nodes first: change the nodeSelector ${missing.join(', ')} in the DaemonSet's manifest (or revert the change that set it); the controller recreates the pods at once.`
      : `Add tolerations for ${[...taints.keys()].join(', ') || 'the nodes’ taints'}, or widen the node affinity, in the DaemonSet's pod template (or revert the change that narrowed it).`,
    objects: [workload],
    clues: [...keys, ...[...taints.keys()].flatMap((t) => t.split(/[=:]/))].filter((c) => c.length >= 4),
  };
};
