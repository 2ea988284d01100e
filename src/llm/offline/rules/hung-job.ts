import type { EngineContext } from '../../engine.js';
import { readObject, readObjects } from '../cluster-read.js';
import type { ServiceFacts } from '../facts.js';
import { at, condition, list, nameOf, str, type KubeObject } from '../k8s-object.js';
import { quote } from '../quote.js';
import type { Verdict } from './verdict.js';

/** A run this many times longer than the usual one is hung, not slow. */
const OVERRUN = 3;
/** Without finished runs to compare with, a run this long that blocks the schedule is hung. */
const LONG_RUN_MS = 2 * 3600_000;

function ms(value: unknown): number {
  const t = typeof value === 'string' ? Date.parse(value) : Number.NaN;
  return t;
}

function duration(msSpan: number): string {
  const minutes = Math.round(msSpan / 60_000);
  return minutes < 90 ? `${minutes} min` : `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** The CronJob behind the target: the target itself, or the owner of its Job's pods. */
async function cronJobOf(ctx: EngineContext, facts: ServiceFacts): Promise<KubeObject | null> {
  const workload = facts.listing.workload;
  let name = workload?.kind === 'CronJob' ? workload.name : undefined;
  if (!name) {
    const job =
      workload?.kind === 'Job'
        ? workload.name
        : facts.listing.pods.find((p) => p.ownerKind === 'Job')?.ownerName;
    const object = job ? await readObject(ctx, 'Job', job, facts.namespace) : null;
    name = str(list(at(object, 'metadata', 'ownerReferences')).find((r) => r.kind === 'CronJob')?.name);
  }
  return name ? ((await readObject(ctx, 'CronJob', name, facts.namespace)) ?? null) : null;
}

/**
 * A CronJob whose run hangs: its active Job has run far longer than its finished runs took, and
 * the controller skips new runs for it (JobAlreadyActive under concurrencyPolicy Forbid). The hung
 * run is the cause, though every pod is "Running" and no event is a Warning.
 */
export async function hungCronJob(ctx: EngineContext, facts: ServiceFacts): Promise<Verdict | null> {
  const cron = await cronJobOf(ctx, facts);
  if (!cron) return null;
  const name = nameOf(cron);
  const policy = str(at(cron, 'spec', 'concurrencyPolicy')) ?? 'Allow';
  const skipped = facts.events.filter(
    (e) =>
      e.object === `CronJob/${name}` &&
      (e.reason === 'JobAlreadyActive' || /prior execution is (?:still )?running/i.test(e.message ?? '')),
  );
  const activeNames = list(at(cron, 'status', 'active')).map((r) => str(r.name) ?? '');
  if (policy !== 'Forbid' || (!skipped.length && !activeNames.length)) return null;
  const jobs = (await readObjects(ctx, 'Job', { namespace: facts.namespace })) ?? [];
  const owned = jobs.filter((j) =>
    list(at(j, 'metadata', 'ownerReferences')).some((r) => r.kind === 'CronJob' && r.name === name),
  );
  const running = owned.find(
    (j) =>
      (activeNames.includes(nameOf(j)) || Number(at(j, 'status', 'active') ?? 0) > 0) &&
      !condition(j, 'Complete') &&
      condition(j, 'Failed')?.status !== 'True',
  );
  const started = ms(at(running, 'status', 'startTime'));
  if (!running || Number.isNaN(started)) return null;
  const runFor = ctx.now.getTime() - started;
  const usual = owned
    .map((j) => ms(at(j, 'status', 'completionTime')) - ms(at(j, 'status', 'startTime')))
    .filter((d) => Number.isFinite(d) && d > 0)
    .sort((a, b) => a - b);
  const median = usual[Math.floor(usual.length / 2)];
  const hung =
    median !== undefined ? runFor > OVERRUN * median && runFor > 10 * 60_000 : runFor > LONG_RUN_MS;
  if (!hung) return null;
  const job = nameOf(running);
  const skips = skipped.reduce((n, e) => n + (e.count ?? 1), 0);
  const pod = facts.listing.pods.find((p) => p.ownerName === job);
  const log = facts.logs.find((l) => l.pod === pod?.name && !l.previous);
  const lastLine = log?.text.trim().split('\n').at(-1);
  ctx.casebook.evidence.unshift({
    source: 'kubernetes',
    detail: `Job ${job} (CronJob ${name}) started ${new Date(started).toISOString()} and has run ${duration(runFor)}${median !== undefined ? `; its finished runs took about ${duration(median)}` : ''}`,
    ref: `job/${job}`,
  });
  if (skips)
    ctx.casebook.evidence.splice(1, 0, {
      source: 'kubernetes',
      detail: `CronJob ${name} (concurrencyPolicy Forbid): JobAlreadyActive ×${skips} — "${quote(skipped[0]?.message ?? '', 160)}"`,
      ref: `cronjob/${name}`,
    });
  if (lastLine && pod)
    ctx.casebook.evidence.push({
      source: 'logs',
      detail: `last log line: ${quote(lastLine, 200)}`,
      ref: `pod/${pod.name}`,
    });
  return {
    status: 'diagnosed',
    summary: `CronJob ${name}'s run ${job} hangs: it has run ${duration(runFor)}${median !== undefined ? ` against a usual ${duration(median)}` : ''}, and with concurrencyPolicy Forbid every schedule since is skipped${skips ? ` (JobAlreadyActive ×${skips})` : ''}.`,
    statement: `Job ${job} of CronJob ${name} is stuck: running for ${duration(runFor)}${median !== undefined ? ` where its runs usually take ${duration(median)}` : ''}. concurrencyPolicy Forbid makes the controller skip every new run while it is active${skips ? ` (JobAlreadyActive ×${skips})` : ''}, so no work gets done.${lastLine ? ` Its pod last logged "${quote(lastLine, 160)}".` : ''}`,
    confidence: 'high',
    fix: `Delete the hung run (kubectl delete job ${job} -n ${facts.namespace}) so the next schedule starts, or start one by hand (kubectl create job ${name}-manual --from=cronjob/${name} -n ${facts.namespace}); then find where it blocks (a lock, a call without a timeout) and set spec.jobTemplate.spec.activeDeadlineSeconds so a hung run is stopped.`,
    clues: ['concurrencyPolicy', 'activeDeadlineSeconds'],
    objects: [{ kind: 'CronJob', name }],
  };
}
