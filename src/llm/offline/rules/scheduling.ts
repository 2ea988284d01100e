import type { EngineContext } from '../../engine.js';
import { readObject, readObjects } from '../cluster-read.js';
import { at, list, nameOf, str, strings, stringMap, type KubeObject } from '../k8s-object.js';
import { placementTerms, untoleratedTaints } from '../node-fit.js';
import { quote } from '../quote.js';
import { scaleUpBlock } from '../scale-up.js';
import { scaleUpVerdict } from './scale-up-verdict.js';
import type { EventInfo } from '../tool-data.js';
import type { Rule } from './verdict.js';

function firstEvent(events: EventInfo[], test: (e: EventInfo) => boolean): EventInfo | undefined {
  return events.find(test);
}

/** What a FailedScheduling message says stops the pods, in the scheduler's own predicates. */
function schedulingObstacles(message: string): {
  selector: boolean;
  /** A taint that keeps the pods off every node they could otherwise use. */
  taint?: string;
  /** A taint on some nodes while the rest fail a later filter: those nodes are reserved for others. */
  reservedTaint?: string;
  resources: string[];
  other: boolean;
  /** Nodes that matched the selector but already run a pod the required anti-affinity excludes. */
  antiAffinity: number;
} {
  const resources = [...message.matchAll(/Insufficient ([\w./-]+)/g)].map((m) =>
    (m[1] as string).replace(/\.$/, ''),
  );
  const taint = message
    .match(/had untolerated taint \{([^}]+)\}|had taint \{([^}]+)\}/)
    ?.slice(1)
    .find(Boolean);
  const other = /anti-affinity|topology spread|volume node affinity|didn't have free ports/i.test(message);
  // Taints are checked before resources and inter-pod affinity: nodes reported as full passed the
  // taint filter, so they are the ones the pods may use, and the tainted rest is reserved for others.
  const taintOnly = taint && !resources.length && !other ? taint : undefined;
  // The scheduler reports each node under the first filter it fails, and node affinity filters
  // first: nodes reported for anything else did match the selector, so that other reason is what
  // keeps the pods off the nodes they may use.
  const selectorOnly =
    /didn't match Pod's node affinity\/selector|node\(s\) didn't match node selector/i.test(message) &&
    !taintOnly &&
    !resources.length &&
    !other;
  return {
    selector: selectorOnly,
    ...(taintOnly ? { taint: taintOnly } : taint ? { reservedTaint: taint } : {}),
    resources: [...new Set(resources)],
    other,
    antiAffinity: Number(message.match(/(\d+) node\(s\) didn't match pod anti-affinity rules/)?.[1] ?? 0),
  };
}

/** The nodeSelector and required node affinity of a pod, when its spec can be read. */
async function placementOf(ctx: EngineContext, namespace: string, pod: string): Promise<string[]> {
  const object = await readObject(ctx, 'Pod', pod, namespace);
  return object ? placementTerms(at(object, 'spec')) : [];
}

/** A volume the pod needs that only some nodes can reach, and where the schedulable nodes are. */
export interface VolumePinning {
  claim: string;
  volume: string;
  /** `topology.kubernetes.io/zone In (us-east-1c)` */
  requirement: string;
  key: string;
  values: string[];
  /** The values of that key on the nodes the scheduler may use. */
  nodeValues: string[];
}

/** The node-affinity terms of a PersistentVolume, as `key op values`. */
function volumeRequirements(pv: KubeObject): { key: string; operator: string; values: string[] }[] {
  return list(at(pv, 'spec', 'nodeAffinity', 'required', 'nodeSelectorTerms'))
    .flatMap((t) => list(t.matchExpressions))
    .map((e) => ({ key: str(e.key) ?? '', operator: str(e.operator) ?? '', values: strings(e.values) }))
    .filter((e) => e.key);
}

/**
 * "volume node affinity conflict": follow the pod's claims to their PersistentVolumes and compare
 * each volume's node affinity (a zone, a node) with the labels of the nodes that take pods.
 */
export async function volumePinning(
  ctx: EngineContext,
  namespace: string,
  podName: string,
): Promise<VolumePinning | null> {
  const pod = await readObject(ctx, 'Pod', podName, namespace);
  const claims = list(at(pod, 'spec', 'volumes'))
    .map((v) => str(at(v, 'persistentVolumeClaim', 'claimName')))
    .filter((c): c is string => Boolean(c));
  if (!claims.length) return null;
  const tolerations = list(at(pod, 'spec', 'tolerations'));
  // The nodes this pod could use apart from its volume: schedulable, ready, no taint it does not tolerate.
  const nodes = ((await readObjects(ctx, 'Node', { clusterScoped: true })) ?? []).filter(
    (n) =>
      at(n, 'spec', 'unschedulable') !== true &&
      list(at(n, 'status', 'conditions')).some((c) => c.type === 'Ready' && c.status === 'True') &&
      !untoleratedTaints(tolerations, n).length,
  );
  for (const claim of claims) {
    const pvc = await readObject(ctx, 'PersistentVolumeClaim', claim, namespace);
    const volume = str(at(pvc, 'spec', 'volumeName'));
    if (!volume) continue;
    const pv = await readObject(ctx, 'PersistentVolume', volume, undefined, true);
    if (!pv) continue;
    for (const term of volumeRequirements(pv)) {
      const nodeValues = [
        ...new Set(nodes.map((n) => stringMap(at(n, 'metadata', 'labels'))[term.key]).filter(Boolean)),
      ] as string[];
      const reachable =
        term.operator === 'In'
          ? nodeValues.some((v) => term.values.includes(v))
          : term.operator === 'NotIn'
            ? nodeValues.some((v) => !term.values.includes(v))
            : true;
      if (reachable) continue;
      return {
        claim,
        volume: nameOf(pv),
        requirement: `${term.key} ${term.operator} (${term.values.join(',')})`,
        key: term.key,
        values: term.values,
        nodeValues: nodeValues.sort(),
      };
    }
  }
  return null;
}

/** Pods that cannot be scheduled: FailedScheduling says why. */
export const schedulingRule: Rule = async (ctx, facts) => {
  const pending = facts.listing.pods.filter(
    (p) => p.phase === 'Pending' && !p.containers.some((c) => c.state === 'running'),
  );
  const failed = firstEvent(facts.related, (e) => e.reason === 'FailedScheduling');
  if (!pending.length || !failed) return null;
  const message = failed.message ?? '';
  const obstacles = schedulingObstacles(message);
  const requests = pending[0]?.containers.map((c) => c.resources?.requests).filter(Boolean)[0];
  const asked = requests
    ? Object.entries(requests)
        .map(([k, v]) => `${k}=${v}`)
        .join(', ')
    : undefined;
  ctx.casebook.evidence.push({
    source: 'kubernetes',
    detail: `FailedScheduling: ${quote(message, 300)}${failed.count && failed.count > 1 ? ` (×${failed.count})` : ''}`,
    ref: failed.object,
  });
  if (/volume node affinity conflict/i.test(message)) {
    const pinned = await volumePinning(ctx, facts.namespace, pending[0]?.name ?? '');
    if (pinned) {
      const where = pinned.values.join(', ');
      const nodesAt = pinned.nodeValues.length ? pinned.nodeValues.join(', ') : 'nowhere';
      ctx.casebook.evidence.push({
        source: 'kubernetes',
        detail: `PersistentVolume ${pinned.volume} (claim ${pinned.claim}) has node affinity ${pinned.requirement}; the schedulable nodes have ${pinned.key} ${nodesAt}`,
        ref: `persistentvolume/${pinned.volume}`,
      });
      return {
        status: 'diagnosed',
        summary: `${pending.length} pod(s) of ${facts.service} are Pending: their volume ${pinned.volume} (claim ${pinned.claim}) can only attach in ${where}, and no schedulable node is there (volume node affinity conflict).`,
        statement: `FailedScheduling — ${quote(message, 200)}: PersistentVolume ${pinned.volume}, bound to claim ${pinned.claim}, is pinned by its node affinity to ${pinned.requirement}, but every node the scheduler may use has ${pinned.key} ${nodesAt}. The pod cannot run anywhere its data is reachable.`,
        confidence: 'high',
        fix: `Bring schedulable capacity back to ${where} (the node group or Karpenter NodePool must allow ${pinned.key} ${where}) so ${pending[0]?.name ?? 'the pod'} can attach its volume; or move the data: snapshot ${pinned.volume}, restore it in a zone that has nodes and bind the claim to the new volume. Do not delete claim ${pinned.claim}: the data lives on it. Rolling the workload back does not help.`,
        clues: [...pinned.values, pinned.key],
      };
    }
  }
  const placement = obstacles.selector ? await placementOf(ctx, facts.namespace, pending[0]?.name ?? '') : [];
  if (placement.length)
    ctx.casebook.evidence.push({
      source: 'kubernetes',
      detail: `the pods require nodes with ${placement.join(', ')}`,
      ref: `pod/${pending[0]?.name}`,
    });
  else if (asked && obstacles.resources.length)
    ctx.casebook.evidence.push({
      source: 'kubernetes',
      detail: `each pod requests ${asked}`,
      ref: `pod/${pending[0]?.name}`,
    });
  const why = obstacles.selector
    ? `no node has the labels the pods require${placement.length ? ` (${placement.join(', ')})` : ' (nodeSelector or node affinity)'}`
    : obstacles.taint
      ? `the nodes carry the taint ${obstacles.taint}, which the pods do not tolerate`
      : obstacles.resources.length
        ? `no node${obstacles.reservedTaint ? ' the pods may use' : ''} has enough free ${obstacles.resources.join(' and ')}${asked ? ` for a pod requesting ${asked}` : ''}${obstacles.reservedTaint ? ` (the nodes with taint ${obstacles.reservedTaint} are reserved for other workloads)` : ''}`
        : obstacles.antiAffinity
          ? `each of the ${obstacles.antiAffinity} node(s) the pods may use already runs one of them, and their required pod anti-affinity allows only one per node (more replicas than eligible nodes)`
          : 'no node fits the pods';
  // More nodes of the kind the pods may use would place them: unless the autoscaler cannot add one.
  const block =
    obstacles.resources.length || obstacles.antiAffinity
      ? await scaleUpBlock(
          ctx,
          facts,
          pending.map((p) => p.name),
        )
      : null;
  if (block) return await scaleUpVerdict(ctx, { facts, pending: pending.length, message, why, block });
  const fix = obstacles.selector
    ? `Make the pods' nodeSelector/affinity${placement.length ? ` (${placement.join(', ')})` : ''} match labels existing nodes carry, or create the node group it names first; roll back the change that set it if the nodes are not coming.`
    : obstacles.taint
      ? // Which side is wrong depends on intent: a taint new on nodes that ran these pods before
        // is the mistake more often than the pods, so both ways are offered.
        `If the taint is new on nodes these pods should run on (a node-group change), remove ${obstacles.taint} from that node group and let the change that added it be reverted; if the pods belong on those nodes, add a toleration for ${obstacles.taint} to them, or schedule them elsewhere.`
      : obstacles.antiAffinity && !obstacles.resources.length
        ? `Give the pods as many eligible nodes as replicas (raise the node group's maximum size), or keep replicas at or below ${obstacles.antiAffinity}, or make the anti-affinity preferredDuringSchedulingIgnoredDuringExecution so extra replicas may share a node.`
        : `Lower the pods' resource requests${asked ? ` (${asked})` : ''} to what they need, or add capacity (a larger node pool or the cluster autoscaler).`;
  return {
    status: 'diagnosed',
    summary: `${pending.length} pod(s) of ${facts.service} are Pending: the scheduler cannot place them — ${why}.`,
    statement: `FailedScheduling — ${quote(message, 300) || 'no node fits the pods'}: ${why}.`,
    confidence: 'high',
    fix,
    objects: facts.listing.workload ? [facts.listing.workload] : [],
    // A taint is set on the nodes, mostly by whoever manages them: rolling the workload back
    // does not remove it.
    rollback: !obstacles.taint,
    clues: [
      // `dedicated: general` / `dedicated=general:NoSchedule`: the key and value a node-pool change wrote.
      ...(obstacles.taint ?? '')
        .split(/[\s:=,]+/)
        .filter((x) => x.length >= 4 && !/^(NoSchedule|NoExecute|PreferNoSchedule)$/.test(x)),
      ...placement.flatMap((p) => p.split(/[=\s(),]+/)).filter((x) => x.length >= 4),
      ...obstacles.resources.flatMap((r) =>
        requests?.[r] ? [`${r}: ${requests[r]}`, `${r}: "${requests[r]}"`] : [],
      ),
    ],
  };
};
