import { AUTH_REFUSED, describeRefusal, pullCredentials, registryOf } from './pull-credentials.js';
import type { Rule } from './verdict.js';

/** Images that cannot be pulled: a bad tag or registry after a rollout. */
export const imagePullRule: Rule = async (ctx, facts) => {
  const stuck = facts.listing.pods.flatMap((p) =>
    p.containers
      .filter(
        (c) => c.state === 'waiting' && /ImagePullBackOff|ErrImagePull|InvalidImageName/.test(c.reason ?? ''),
      )
      .map((c) => ({ pod: p.name, c })),
  );
  const first = stuck[0];
  if (!first) return null;
  // The event that says why the pull failed (not found, denied) beats the one that repeats the back-off.
  const failed =
    facts.related.find(
      (e) =>
        e.reason === 'Failed' &&
        /Failed to pull|not found|manifest unknown|denied|unauthorized|no such host/i.test(e.message ?? ''),
    ) ?? facts.related.find((e) => e.reason === 'Failed' && /pull/i.test(e.message ?? ''));
  ctx.casebook.evidence.push({
    source: 'kubernetes',
    detail: `container ${first.c.name} waiting: ${first.c.reason} for image ${first.c.image ?? '?'}`,
    ref: `pod/${first.pod}`,
  });
  if (failed)
    ctx.casebook.evidence.push({
      source: 'kubernetes',
      detail: `Failed: ${failed.message ?? ''}`,
      ref: failed.object,
    });
  const running = facts.listing.pods.filter((p) => p.containers.every((c) => c.state === 'running'));
  const still = running.length
    ? ` ${running.length} pod(s) of the previous version still run (${running[0]?.containers[0]?.image ?? ''}).`
    : '';
  const image = first.c.image ?? '?';
  const missingSecret = facts.related.some((e) => e.reason === 'FailedToRetrieveImagePullSecret');
  // "pull access denied, repository does not exist or may require authorization" is Docker Hub's
  // answer for a name that does not exist as much as for missing credentials: the name comes first.
  const refused =
    AUTH_REFUSED.test(failed?.message ?? '') &&
    !/not found|manifest unknown|does not exist|no such host/i.test(failed?.message ?? '');
  if (missingSecret || refused) {
    const credentials = await pullCredentials(ctx, facts.namespace, first.pod, facts.related);
    const refusal = describeRefusal(credentials, registryOf(image));
    return {
      status: 'diagnosed',
      summary: `${facts.service}'s pods cannot start: the registry refuses to let them pull ${image} (${first.c.reason})${credentials.secrets[0] ? ` with imagePullSecret ${credentials.secrets[0]}` : ''}.${running.length ? ` ${running.length} pod(s) still run from the image their node pulled before.` : ''}`,
      statement: `The image ${image} cannot be pulled (${first.c.reason})${failed?.message ? `: ${failed.message}` : ''}. ${refusal.statement}`,
      confidence: 'high',
      fix: refusal.fix,
      notFromChange: true,
      objects: facts.listing.workload ? [facts.listing.workload] : [],
    };
  }
  return {
    status: 'diagnosed',
    summary: `${facts.service}'s new pods cannot start: image ${first.c.image ?? '?'} cannot be pulled (${first.c.reason}).${still}`,
    statement: `The image ${first.c.image ?? '?'} cannot be pulled (${first.c.reason})${failed?.message ? `: ${failed.message}` : ''}. The latest rollout points the deployment at an image that does not exist or cannot be fetched.`,
    confidence: 'high',
    fix: `Fix the image reference (${first.c.image ?? 'the tag'}: does the tag exist in the registry?) or the registry credentials (imagePullSecrets), then roll out again.`,
    rollback: true,
    objects: facts.listing.workload ? [facts.listing.workload] : [],
  };
};
