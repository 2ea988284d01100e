import { readObjects } from '../cluster-read.js';
import { at, condition, list, nameOf, str } from '../k8s-object.js';
import type { PodInfo } from '../tool-data.js';
import type { Rule } from './verdict.js';

/** How long past its grace period a deletion may take before it counts as stuck. */
const SLACK_MS = 2 * 60_000;
/** Kubernetes' default `terminationGracePeriodSeconds`. */
const DEFAULT_GRACE_SECONDS = 30;

/**
 * A pod whose deletion never completes because finalizers still hold it: its containers have
 * stopped (exit 143 is the SIGTERM it was sent, not a crash), but the object stays, so a
 * StatefulSet cannot create the replacement of the same name and a Deployment's replacement
 * doubles the count. What should remove the finalizer (a controller, a webhook) is not doing so.
 */
export const stuckTerminatingRule: Rule = async (ctx, facts) => {
  const now = ctx.now.getTime();
  const stuck = facts.listing.pods.filter(
    (pod): pod is PodInfo & { terminating: NonNullable<PodInfo['terminating']> } => {
      const t = pod.terminating;
      if (!t || !t.finalizers.length) return false;
      const grace = (t.gracePeriodSeconds ?? DEFAULT_GRACE_SECONDS) * 1000;
      return now - Date.parse(t.since) > grace + SLACK_MS;
    },
  );
  const first = stuck[0];
  if (!first) return null;
  const minutes = Math.round((now - Date.parse(first.terminating.since)) / 60_000);
  const finalizers = [...new Set(stuck.flatMap((p) => p.terminating.finalizers))];
  const names = stuck.map((p) => p.name);
  const owner = first.ownerKind && first.ownerName ? `${first.ownerKind} ${first.ownerName}` : undefined;
  // Other pods carrying the same finalizers are not visible in a pod summary; the ones being
  // deleted are the ones it blocks now.
  for (const pod of stuck)
    ctx.casebook.evidence.unshift({
      source: 'kubernetes',
      detail:
        `Pod ${pod.name} has been Terminating since ${pod.terminating.since} (deletionTimestamp), ` +
        `held by finalizer(s) ${pod.terminating.finalizers.join(', ')}`,
      ref: `pod/${pod.name}`,
    });
  const blocked =
    first.ownerKind === 'StatefulSet'
      ? ` ${owner} cannot create its replacement under the same name until the old object is gone, so it runs a replica short.`
      : owner
        ? ` ${owner} counts it until it is gone.`
        : '';
  const patch = `kubectl patch pod ${first.name} -n ${facts.namespace} --type=json -p '[{"op":"remove","path":"/metadata/finalizers"}]'`;
  return {
    status: 'diagnosed',
    summary:
      `Pod ${names.join(', ')} has been stuck Terminating, ${minutes} min past its deletion deadline: finalizer ${finalizers.join(', ')} ` +
      `was never removed, so the deletion cannot complete.${blocked}`,
    statement:
      `Pod ${first.name} was deleted (its grace period ended at ${first.terminating.since}, the deletionTimestamp) and its containers stopped, but the pod object ` +
      `still carries the finalizer(s) ${finalizers.join(', ')}; the API server keeps an object until every finalizer ` +
      `is removed, and whatever owns ${finalizers.length === 1 ? 'this finalizer' : 'these finalizers'} has not removed it ` +
      `after ${minutes} min.${blocked}`,
    confidence: 'high',
    fix:
      `Find the controller or webhook that owns ${finalizers.join(', ')} (its domain names it) and restore it if it was ` +
      `removed or is failing; it will then release the pod. If it is gone for good and what the finalizer protects is ` +
      `safe, remove the finalizer by hand: ${patch}. Pods created since then may carry the same finalizer.`,
    clues: finalizers,
    objects:
      owner && first.ownerKind && first.ownerName ? [{ kind: first.ownerKind, name: first.ownerName }] : [],
  };
};

/**
 * A pod deleted while its node is unreachable: only the kubelet can confirm that the containers
 * stopped, so the object stays Terminating for as long as the node is gone (the node lifecycle
 * controller's taint eviction deleted it). A StatefulSet never creates a second pod of the same
 * identity while the first may still run, so that replica stays missing until someone confirms
 * the node is down (deleting the Node object, or `kubectl delete pod --force`).
 */
export const lostNodeRule: Rule = (ctx, facts) => lostNode(ctx, facts, false);

/**
 * The same, for a StatefulSet's pod only: its missing identity says more than the node's events
 * (which the node rule reads), so this runs first; other pods are left to the node rule.
 */
export const lostStatefulPodRule: Rule = (ctx, facts) => lostNode(ctx, facts, true);

async function lostNode(
  ctx: Parameters<Rule>[0],
  facts: Parameters<Rule>[1],
  statefulOnly: boolean,
): ReturnType<Rule> {
  const now = ctx.now.getTime();
  const deleted = facts.listing.pods.filter(
    (pod) =>
      pod.terminating &&
      pod.node &&
      now - Date.parse(pod.terminating.since) >
        (pod.terminating.gracePeriodSeconds ?? DEFAULT_GRACE_SECONDS) * 1000 + SLACK_MS,
  );
  // A ReplicaSet replaces a deleted pod at once: only a StatefulSet's pod (one per identity), or
  // one with no ready pod of the service left, keeps the service short.
  const readyElsewhere = facts.listing.pods.some(
    (p) => !p.terminating && p.phase === 'Running' && p.containers.every((c) => c.init || c.ready !== false),
  );
  const holding = deleted.filter(
    (pod) => pod.ownerKind === 'StatefulSet' || (!statefulOnly && !readyElsewhere),
  );
  if (!holding.length) return null;
  const nodes = (await readObjects(ctx, 'Node', { clusterScoped: true })) ?? [];
  const lost = holding
    .map((pod) => {
      const node = nodes.find((n) => nameOf(n) === pod.node);
      const ready = condition(node, 'Ready');
      const taints = list(at(node, 'spec', 'taints')).map((t) => str(t.key) ?? '');
      const gone =
        node === undefined || ready?.status !== 'True' || taints.some((t) => /unreachable|not-ready/.test(t));
      return gone ? { pod, ready, taints, exists: node !== undefined } : null;
    })
    .filter((x): x is NonNullable<typeof x> => x !== null);
  const first = lost[0];
  if (!first) return null;
  const { pod } = first;
  const minutes = Math.round((now - Date.parse(pod.terminating?.since ?? '')) / 60_000);
  const nodeState = first.exists
    ? `Ready ${first.ready?.status ?? '?'}${first.ready?.reason ? ` (${first.ready.reason}${first.ready.message ? `: ${first.ready.message}` : ''})` : ''}${first.taints.length ? `, taints ${first.taints.join(', ')}` : ''}`
    : 'no longer in the cluster';
  ctx.casebook.evidence.unshift({
    source: 'kubernetes',
    detail: `Pod ${pod.name} has been Terminating since ${pod.terminating?.since} (deletionTimestamp) on node ${pod.node}, which is ${nodeState}`,
    ref: `pod/${pod.name}`,
  });
  const statefulSet = pod.ownerKind === 'StatefulSet';
  const owner = pod.ownerKind && pod.ownerName ? `${pod.ownerKind} ${pod.ownerName}` : undefined;
  return {
    status: 'diagnosed',
    summary: `Pod ${pod.name} is stuck Terminating for ${minutes} min because its node ${pod.node} is unreachable (${first.exists ? `NotReady/Unknown` : 'gone'}): the kubelet cannot confirm the deletion${statefulSet ? `, so ${owner} cannot start its replacement and runs a replica short` : ''}.`,
    statement: `Node ${pod.node} stopped reporting (${nodeState}); the node controller evicted its pods, and pod ${pod.name} was deleted at ${pod.terminating?.since} but stays Terminating, since only that node's kubelet can confirm its containers stopped.${statefulSet ? ` ${owner} guarantees at most one pod per identity, so it will not create a new ${pod.name} while the old one may still be running.` : owner ? ` ${owner} has started a replacement elsewhere if it could.` : ''}`,
    confidence: 'high',
    fix: `Recover or replace node ${pod.node}. If it is gone for good, confirm it: delete the Node object (kubectl delete node ${pod.node}), or, once you are sure the pod's containers no longer run (its volumes must not be written twice), kubectl delete pod ${pod.name} -n ${facts.namespace} --force --grace-period=0; the ${pod.ownerKind ?? 'controller'} then recreates it on a healthy node.`,
    notFromChange: true,
    objects: [],
  };
}
