import { readObjects } from '../cluster-read.js';
import type { EngineContext } from '../../engine.js';
import type { ServiceFacts } from '../facts.js';
import { at, condition, list, nameOf, num, selectorMatches, str, type KubeObject } from '../k8s-object.js';
import { quote } from '../quote.js';
import type { EventInfo } from '../tool-data.js';
import { times, type Rule } from './verdict.js';

/** What an eviction refused by a budget leaves in events, whoever drains (kubectl, Karpenter, autoscaler). */
const BLOCKED_EVICTION =
  /disruption budget|violates? (?:a |the )?PDB|pdb .{0,80}prevents? pod evictions?|Cannot evict pod|waiting to be evicted|failed to (?:drain|evict)/i;

/** `minAvailable: 2 with 2 pods expected`, `maxUnavailable: 0`: why the budget can never allow an eviction. */
export function budgetTooTight(pdb: KubeObject): string | null {
  const expected = num(at(pdb, 'status', 'expectedPods'));
  const minAvailable = at(pdb, 'spec', 'minAvailable');
  const maxUnavailable = at(pdb, 'spec', 'maxUnavailable');
  if (maxUnavailable === 0 || maxUnavailable === '0' || maxUnavailable === '0%')
    return `maxUnavailable: ${String(maxUnavailable)}`;
  if (minAvailable === '100%') return 'minAvailable: 100%';
  if (typeof minAvailable === 'number' && expected !== undefined && minAvailable >= expected)
    return `minAvailable: ${minAvailable} with ${expected} pod(s) expected`;
  return null;
}

/** Taints that drainers put on a node they are emptying (besides `spec.unschedulable`). */
const DRAIN_TAINT =
  /^(node\.kubernetes\.io\/unschedulable|karpenter\.sh\/disrupted|karpenter\.sh\/disruption|ToBeDeletedByClusterAutoscaler|DeletionCandidateOfClusterAutoscaler|node\.cloudprovider\.kubernetes\.io\/shutdown)$/;
/** Alert words that say a drain, an upgrade or a node replacement is what is stuck. */
const DRAIN_ALERT =
  /\bdrain|\bevict|\bcordon|disruption budget|\bPDB\b|NodeNotSchedulable|unschedulable|node (?:pool )?upgrade|upgrade .{0,40}stuck/i;

/**
 * With no eviction event to go on (node events live elsewhere, or none were kept), an alert about a
 * drain is checked against the nodes themselves: a pod of the service on a cordoned or
 * drain-tainted node is the pod the drain waits for. The answer reads like an event.
 */
async function drainingNodeOfPods(ctx: EngineContext, facts: ServiceFacts): Promise<EventInfo | undefined> {
  if (!DRAIN_ALERT.test(ctx.incident.text ?? '')) return undefined;
  const onNodes = new Set(facts.listing.pods.map((p) => p.node).filter(Boolean));
  if (!onNodes.size) return undefined;
  const nodes = (await readObjects(ctx, 'Node', { clusterScoped: true })) ?? [];
  for (const node of nodes) {
    const name = nameOf(node);
    if (!onNodes.has(name)) continue;
    const taint = list(at(node, 'spec', 'taints'))
      .map((t) => str(t.key) ?? '')
      .find((k) => DRAIN_TAINT.test(k));
    if (at(node, 'spec', 'unschedulable') !== true && !taint) continue;
    const pod = facts.listing.pods.find((p) => p.node === name);
    return {
      type: 'Warning',
      reason: 'Draining',
      object: `Pod/${pod?.name ?? '?'}`,
      message: `pod ${pod?.name ?? '?'} is still on node ${name}, which is being drained (${taint ? `taint ${taint}` : 'cordoned: spec.unschedulable'})`,
    };
  }
  return undefined;
}

/**
 * A node drain (an upgrade, Karpenter drift or consolidation, the autoscaler, `kubectl drain`)
 * stuck on this service's pods because its PodDisruptionBudget allows no disruption: the events
 * say the eviction was refused; the budget's status says why (disruptionsAllowed 0), and its spec
 * whether that will ever change (minAvailable equal to the replicas, maxUnavailable 0).
 */
export const disruptionBudgetRule: Rule = async (ctx, facts) => {
  const own = new Set(facts.listing.pods.map((p) => `Pod/${p.name}`));
  const refused = facts.related.filter(
    (e) => own.has(e.object ?? '') && BLOCKED_EVICTION.test(`${e.reason ?? ''} ${e.message ?? ''}`),
  );
  const nodeDrains = facts.events.filter(
    (e) =>
      e.object?.startsWith('Node/') &&
      facts.listing.pods.some((p) => p.node && e.object === `Node/${p.node}`) &&
      BLOCKED_EVICTION.test(`${e.reason ?? ''} ${e.message ?? ''}`),
  );
  const first: EventInfo | undefined = refused[0] ?? nodeDrains[0] ?? (await drainingNodeOfPods(ctx, facts));
  if (!first) return null;
  const budgets = await readObjects(ctx, 'PodDisruptionBudget', { namespace: facts.namespace });
  if (!budgets) return null;
  const labels = facts.listing.pods[0]?.labels ?? {};
  const pdb = budgets
    .filter((b) => selectorMatches(at(b, 'spec', 'selector'), labels))
    .sort(
      (a, b) =>
        (num(at(a, 'status', 'disruptionsAllowed')) ?? 1) - (num(at(b, 'status', 'disruptionsAllowed')) ?? 1),
    )[0];
  if (!pdb) return null;
  const allowed = num(at(pdb, 'status', 'disruptionsAllowed'));
  if (allowed !== 0) return null;
  const name = nameOf(pdb);
  const tight = budgetTooTight(pdb);
  const healthy = num(at(pdb, 'status', 'currentHealthy'));
  const desired = num(at(pdb, 'status', 'desiredHealthy'));
  const expected = num(at(pdb, 'status', 'expectedPods'));
  const blockedPod = first.object?.startsWith('Pod/') ? first.object.slice(4) : undefined;
  const node = facts.listing.pods.find((p) => p.name === blockedPod)?.node ?? nodeDrains[0]?.object?.slice(5);
  const spec = [
    at(pdb, 'spec', 'minAvailable') !== undefined
      ? `minAvailable ${String(at(pdb, 'spec', 'minAvailable'))}`
      : '',
    at(pdb, 'spec', 'maxUnavailable') !== undefined
      ? `maxUnavailable ${String(at(pdb, 'spec', 'maxUnavailable'))}`
      : '',
  ]
    .filter(Boolean)
    .join(', ');
  const count = first.count ?? 1;
  ctx.casebook.evidence.unshift(
    {
      source: 'kubernetes',
      detail: `${first.reason ?? 'Warning'} on ${first.object ?? '?'}: ${quote(first.message ?? '', 220)} (${times(count)})`,
      ref: first.object,
    },
    {
      source: 'kubernetes',
      detail: `PodDisruptionBudget ${name}: ${spec || 'no spec read'}; status disruptionsAllowed 0, currentHealthy ${healthy ?? '?'}, desiredHealthy ${desired ?? '?'}, expectedPods ${expected ?? '?'}${condition(pdb, 'DisruptionAllowed')?.reason ? ` (${condition(pdb, 'DisruptionAllowed')?.reason})` : ''}`,
      ref: `poddisruptionbudget/${name}`,
    },
  );
  const why = tight
    ? `its ${tight}, so it can never allow a voluntary eviction`
    : `only ${healthy ?? '?'} of the ${desired ?? '?'} pods it requires are healthy, so it allows no eviction until the others are ready`;
  const workload = facts.listing.workload;
  const scale = workload
    ? `kubectl scale ${workload.kind.toLowerCase()}/${workload.name} -n ${facts.namespace} --replicas=${(expected ?? 1) + 1}`
    : '';
  const minValue = str(String(at(pdb, 'spec', 'minAvailable') ?? ''));
  return {
    status: 'diagnosed',
    summary: `A node drain is stuck on ${facts.service}: PodDisruptionBudget ${name} allows 0 disruptions (${tight ?? `${healthy ?? '?'}/${desired ?? '?'} healthy`}), so ${blockedPod ? `pod ${blockedPod}` : 'its pods'}${node ? ` cannot leave node ${node}` : ' cannot be evicted'}.`,
    statement: `PodDisruptionBudget ${name} (${spec}) has disruptionsAllowed 0: ${why}. The eviction API refuses every eviction of ${blockedPod ? `pod ${blockedPod}` : `${facts.service}'s pods`} ("${quote(first.message ?? '', 160)}"), so the drain of ${node ? `node ${node}` : 'the node'} cannot finish. ${facts.service} itself is serving.`,
    confidence: tight ? 'high' : 'medium',
    fix: tight
      ? `Let the budget allow one disruption: set maxUnavailable: 1 on PodDisruptionBudget ${name} (or minAvailable below the replica count)${scale ? `, or run one more replica first (${scale})` : ''}; the drain then proceeds on its own. Do not delete the budget for good: it is what keeps ${facts.service} up during maintenance.`
      : `Get the unready pods of ${facts.service} healthy (or give it one more replica) so PodDisruptionBudget ${name} allows an eviction; the drain then proceeds.`,
    clues: [...(minValue ? [`minAvailable: ${minValue}`] : []), 'maxUnavailable: 0'],
    objects: [{ kind: 'PodDisruptionBudget', name }],
  };
};
