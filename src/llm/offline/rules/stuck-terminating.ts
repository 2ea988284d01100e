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
