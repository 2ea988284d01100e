import type { EngineContext } from '../engine.js';
import { readObject, readObjects } from './cluster-read.js';
import { gatherFacts, type ServiceFacts } from './facts.js';
import { at, condition, list, nameOf, str } from './k8s-object.js';
import { quote } from './quote.js';
import { permissionChange } from './rules/permission-change.js';
import { AUTH_REFUSED } from './rules/pull-credentials.js';
import type { Verdict } from './rules/verdict.js';

/** Names of the jobs that renew a registry credential (`ecr-regcred-refresh`, `docker-token-renew`). */
const REFRESHER = /regcred|pull.?secret|registry|ecr|gcr|acr|docker|cred|token/i;

function words(name: string): string[] {
  return name.split(/[-_.]/).filter((w) => w.length >= 3);
}

/**
 * A pull refused for its credentials, when the pod pulls with an imagePullSecret that a Job in the
 * namespace renews (registry tokens such as ECR's expire after 12 hours): the renewing Job's
 * failures are why the credential went stale, and the change to its permissions why it fails.
 */
export async function withCredentialRefresher(
  ctx: EngineContext,
  facts: ServiceFacts,
  verdict: Verdict,
): Promise<Verdict> {
  if (
    !/cannot be pulled|ImagePull|ErrImagePull/i.test(verdict.statement) ||
    !AUTH_REFUSED.test(verdict.statement)
  )
    return verdict;
  const pulling = facts.listing.pods.find((p) =>
    p.containers.some((c) => /ImagePull|ErrImage/.test(c.reason ?? '')),
  );
  if (!pulling) return verdict;
  const pod = await readObject(ctx, 'Pod', pulling.name, facts.namespace);
  const secrets = list(at(pod, 'spec', 'imagePullSecrets'))
    .map((s) => str(s.name) ?? '')
    .filter(Boolean);
  if (!secrets.length) return verdict;
  const secretWords = secrets.flatMap(words);
  const jobs = (await readObjects(ctx, 'Job', { namespace: facts.namespace })) ?? [];
  const failed = jobs
    .filter((j) => condition(j, 'Failed')?.status === 'True' || (Number(at(j, 'status', 'failed')) || 0) > 0)
    .filter((j) => {
      const name = nameOf(j);
      return (
        REFRESHER.test(name) &&
        (secretWords.some((w) => name.includes(w)) || /refresh|renew|rotate/i.test(name))
      );
    })
    .sort((a, b) =>
      (str(at(b, 'status', 'startTime')) ?? '').localeCompare(str(at(a, 'status', 'startTime')) ?? ''),
    );
  const job = failed[0];
  if (!job) return verdict;
  const owner = list(at(job, 'metadata', 'ownerReferences')).find((r) => r.kind === 'CronJob');
  const refresher = str(owner?.name) ?? nameOf(job);
  const theirs = await gatherFacts(ctx, refresher, facts.namespace);
  const error =
    'missing' in theirs || 'error' in theirs
      ? undefined
      : theirs.logs
          .flatMap((l) => l.analysis.signatures.filter((s) => s.kind !== 'warning'))
          .sort((a, b) => b.count - a.count)[0];
  const ecr = /\.ecr\.[\w-]+\.amazonaws\.com/.test(verdict.statement);
  const note = ` The pods pull with imagePullSecret ${secrets.join(', ')}, which ${owner ? `CronJob ${refresher}` : `Job ${refresher}`} renews, and its latest run failed${error ? `: "${quote(error.sample, 240)}"` : ''}. ${ecr ? 'An ECR token in a pull secret expires after 12 hours' : 'A registry token expires'}, so with no successful renewal the secret's credential went stale and the registry refuses the pull.`;
  ctx.casebook.evidence.push({
    source: error ? 'logs' : 'kubernetes',
    detail: `${owner ? 'CronJob' : 'Job'} ${refresher} (renews ${secrets.join(', ')}): latest run ${nameOf(job)} failed${error ? `: ${quote(error.sample, 240)}` : ''}`,
    ref: `job/${nameOf(job)}`,
  });
  const grant = await permissionChange(ctx, [
    ...words(refresher),
    ...(ecr ? ['ecr', 'GetAuthorizationToken'] : []),
    ...(error?.sample
      .match(/user\/([\w-]+)|role\/([\w-]+)/)
      ?.slice(1)
      .filter((x): x is string => Boolean(x)) ?? []),
  ]);
  return {
    ...verdict,
    summary: `${verdict.summary} Its pull secret ${secrets[0]} went stale: ${refresher}, which renews it, keeps failing${error && /AccessDenied|not authorized|403/i.test(error.sample) ? ' (AccessDenied)' : ''}.`,
    statement: `${verdict.statement}${note}${grant ? ` ${grant.note}` : ''}`,
    fix: `Make ${refresher} succeed again${error && /AccessDenied|not authorized/i.test(error.sample) ? ' (give its identity back the permission it is denied' + (grant ? ', reverting the policy change named above' : '') + ')' : ''}, then run it once by hand (kubectl create job --from=cronjob/${refresher} ${refresher}-manual -n ${facts.namespace}) so the secret is renewed; the pods pull on their next retry. ${verdict.fix}`,
    rollback: false,
    notFromChange: true,
  };
}
