import type { EngineContext } from '../../engine.js';
import { readObject, readObjects } from '../cluster-read.js';
import { supersededRuns, type ServiceFacts } from '../facts.js';
import { at, condition, list, nameOf, num, str, type KubeObject } from '../k8s-object.js';
import { quote } from '../quote.js';
import { exitCodeMeaning } from './command.js';
import { hungCronJob } from './hung-job.js';
import { correlateChange, previousValue, valueTokens } from './recent-change.js';
import type { Rule, Verdict } from './verdict.js';
import type { LogSignature } from '../log-analysis.js';
import { normaliseMessage } from '../../../util/log-lines.js';

/** Why a Job failed, as its status and events say. */
export interface JobFailure {
  job: string;
  cronJob?: string;
  /** `BackoffLimitExceeded`, `DeadlineExceeded`, `PodFailurePolicy`, or `Failed` for failed pods alone. */
  reason: string;
  message?: string;
  failedPods: number;
  backoffLimit?: number;
  activeDeadlineSeconds?: number;
}

function ownedBy(o: KubeObject, kind: string, name: string): boolean {
  return list(at(o, 'metadata', 'ownerReferences')).some((r) => r.kind === kind && r.name === name);
}

/** The Jobs behind the target: the Job itself, the newest Jobs of a CronJob, or the owners of its pods. */
async function jobsOf(
  ctx: EngineContext,
  facts: ServiceFacts,
): Promise<{ names: string[]; cronJob?: string }> {
  const workload = facts.listing.workload;
  if (workload?.kind === 'CronJob') {
    const jobs = (await readObjects(ctx, 'Job', { namespace: facts.namespace })) ?? [];
    const owned = jobs
      .filter((j) => ownedBy(j, 'CronJob', workload.name))
      .sort((a, b) =>
        String(at(b, 'metadata', 'creationTimestamp') ?? '').localeCompare(
          String(at(a, 'metadata', 'creationTimestamp') ?? ''),
        ),
      );
    const fromPods = facts.listing.pods.filter((p) => p.ownerKind === 'Job').map((p) => p.ownerName ?? '');
    return {
      names: [...new Set([...owned.map(nameOf), ...fromPods].filter(Boolean))],
      cronJob: workload.name,
    };
  }
  if (workload?.kind === 'Job') return { names: [workload.name] };
  const owners = facts.listing.pods.filter((p) => p.ownerKind === 'Job').map((p) => p.ownerName ?? '');
  return { names: [...new Set(owners.filter(Boolean))] };
}

/** The failure of the target's Job (the newest failed one of a CronJob), or null when its Jobs did not fail. */
export async function jobFailure(ctx: EngineContext, facts: ServiceFacts): Promise<JobFailure | null> {
  const { names, cronJob } = await jobsOf(ctx, facts);
  const stale = supersededRuns(facts.listing.pods);
  // A run whose every pod a later success superseded is history, not the failure.
  const current = names.filter((job) => {
    const pods = facts.listing.pods.filter((p) => p.ownerName === job);
    return !pods.length || !pods.every((p) => stale.has(p.name));
  });
  for (const job of current.slice(0, 3)) {
    const object = await readObject(ctx, 'Job', job, facts.namespace);
    const failed = object ? condition(object, 'Failed') : undefined;
    const event = facts.events.find(
      (e) =>
        e.object === `Job/${job}` &&
        /BackoffLimitExceeded|DeadlineExceeded|PodFailurePolicy/.test(e.reason ?? ''),
    );
    const failedPods =
      (object ? num(at(object, 'status', 'failed')) : undefined) ??
      facts.listing.pods.filter((p) => p.ownerName === job && p.phase === 'Failed').length;
    // A newer run that completed means the failure before it is over.
    if (object && condition(object, 'Complete')?.status === 'True') return null;
    if (failed?.status === 'True' || event) {
      return {
        job,
        ...(cronJob ? { cronJob } : {}),
        reason: failed?.reason ?? event?.reason ?? 'Failed',
        message: failed?.message ?? event?.message,
        failedPods,
        backoffLimit: object ? (num(at(object, 'spec', 'backoffLimit')) ?? 6) : undefined,
        activeDeadlineSeconds: object ? num(at(object, 'spec', 'activeDeadlineSeconds')) : undefined,
      };
    }
  }
  return null;
}

/** `Job db-migrate (of CronJob nightly) failed: BackoffLimitExceeded — 7 failed pods, backoffLimit 6` */
export function describeJobFailure(f: JobFailure): string {
  const owner = f.cronJob ? ` (run by CronJob ${f.cronJob})` : '';
  const limit =
    f.reason === 'DeadlineExceeded' && f.activeDeadlineSeconds !== undefined
      ? `activeDeadlineSeconds ${f.activeDeadlineSeconds}`
      : f.backoffLimit !== undefined
        ? `backoffLimit ${f.backoffLimit}`
        : '';
  return `Job ${f.job}${owner} failed: ${f.reason}${f.message ? ` ("${quote(f.message, 120)}")` : ''} — ${f.failedPods} failed pod(s)${limit ? `, ${limit}` : ''}`;
}

/** Put a Job's failure in front of whatever explained its pods' failure. */
export function withJobContext(verdict: Verdict, failure: JobFailure): Verdict {
  if (verdict.summary.includes(`Job ${failure.job}`)) return verdict;
  return {
    ...verdict,
    summary: `Job ${failure.job} failed (${failure.reason}). ${verdict.summary}`,
    statement: `${describeJobFailure(failure)}. ${verdict.statement}`,
  };
}

/** A Job (or a CronJob's Job) that failed, explained by its last failed pod: exit code and last words. */
export const jobRule: Rule = async (ctx, facts) => {
  const failure = await jobFailure(ctx, facts);
  if (!failure) return (await suspendedCronJob(ctx, facts)) ?? hungCronJob(ctx, facts);
  const pods = facts.listing.pods
    .filter((p) => p.ownerName === failure.job)
    .map((p) => ({
      p,
      c:
        p.containers.find((c) => c.state === 'terminated' && c.exitCode !== 0) ??
        p.containers.find((c) => c.lastTermination),
    }))
    .filter((x) => x.c)
    .sort((a, b) =>
      String(b.c?.finishedAt ?? b.c?.lastTermination?.finishedAt ?? '').localeCompare(
        String(a.c?.finishedAt ?? a.c?.lastTermination?.finishedAt ?? ''),
      ),
    );
  const last = pods[0];
  const exitCode = last?.c?.exitCode ?? last?.c?.lastTermination?.exitCode;
  const lastWords = last ? podWords(facts, last.p.name) : undefined;
  // Retries that fail differently from the first attempt usually fail on what it left behind (a
  // migration recorded as failed, a lock, a half-written file): the first attempt's error is the cause.
  const first = pods.length > 1 ? pods[pods.length - 1] : undefined;
  const firstWords = first ? podWords(facts, first.p.name) : undefined;
  const origin =
    first &&
    firstWords &&
    lastWords &&
    normaliseMessage(firstWords.message) !== normaliseMessage(lastWords.message)
      ? { pod: first.p.name, words: firstWords }
      : undefined;
  ctx.casebook.evidence.unshift({
    source: 'kubernetes',
    detail: describeJobFailure(failure),
    ref: `job/${failure.job}`,
  });
  if (last && lastWords)
    ctx.casebook.evidence.splice(1, 0, {
      source: 'logs',
      detail: quote(lastWords.sample, 300),
      ref: `pod/${last.p.name}`,
    });
  if (origin)
    ctx.casebook.evidence.splice(1, 0, {
      source: 'logs',
      detail: `first attempt: ${quote(origin.words.sample, 300)}`,
      ref: `pod/${origin.pod}`,
    });
  const firstNote = origin
    ? ` The first attempt, pod ${origin.pod}, failed on "${quote(origin.words.sample, 240)}"; the retries then failed on what it left behind, so that first error is the cause.`
    : '';
  const meaning = exitCodeMeaning(exitCode);
  const deadline = failure.reason === 'DeadlineExceeded';
  const seconds = failure.activeDeadlineSeconds;
  const change =
    deadline && seconds !== undefined
      ? await correlateChange(ctx, {
          text: `activeDeadlineSeconds ${seconds}`,
          files: [],
          focus: [`activeDeadlineSeconds: ${seconds}`],
        })
      : null;
  const before =
    change && seconds !== undefined
      ? previousValue(change, String(seconds), /activeDeadlineSeconds/)
      : undefined;
  const lowered = before && Number(before) > (seconds ?? 0) ? before : undefined;
  return {
    status: 'diagnosed',
    summary: `${describeJobFailure(failure)}.${last ? ` Its last pod ${last.p.name} exited${exitCode !== undefined ? ` with code ${exitCode}` : ''}${lastWords ? `: "${quote(lastWords.sample, 160)}"` : ''}.` : ''}`,
    statement: deadline
      ? `Job ${failure.job} ran longer than its activeDeadlineSeconds${seconds !== undefined ? ` (${seconds}s, ${Math.round(seconds / 60)} min)` : ''} and was stopped${lastWords ? `; its pod last logged "${quote(lastWords.sample, 200)}"` : ''}.${lowered ? ` It was ${lowered}s before the change below.` : ''}${change ? ` ${change.note}` : ''}`
      : `${describeJobFailure(failure)}. ${last ? `The last failed pod ${last.p.name} exited${exitCode !== undefined ? ` with code ${exitCode}${meaning ? ` (${meaning})` : ''}` : ''}${lastWords ? ` after logging "${quote(lastWords.sample, 200)}"` : ', logging no error'}.` : 'Its pods are gone; their logs could not be read.'}${firstNote}`,
    confidence: lastWords ? 'medium' : 'low',
    // What the pods failed on (a migration id, a quoted name) is what a change wrote.
    clues: deadline
      ? ['activeDeadlineSeconds']
      : [
          ...(origin ? valueTokens(origin.words.sample) : []),
          ...(lastWords ? valueTokens(lastWords.sample) : []),
        ],
    objects: facts.listing.workload ? [facts.listing.workload] : [],
    fix: deadline
      ? `${lowered ? `Restore activeDeadlineSeconds to ${lowered} (it was lowered to ${seconds})` : 'Raise activeDeadlineSeconds if the work legitimately takes longer, or find what makes the run slow'}, then re-run the missed work (${failure.cronJob ? `kubectl create job ${failure.cronJob}-manual --from=cronjob/${failure.cronJob} -n ${facts.namespace}` : 'recreate the Job'}).`
      : `Fix what the last pod failed on${lastWords ? ' (the error above)' : ''}, then re-run the Job (delete and recreate it${failure.cronJob ? `, or kubectl create job ${failure.job}-retry --from=cronjob/${failure.cronJob}` : ''}).`,
  };
};

/**
 * What a pod failed on: of its errors, the one that names what failed (a quoted object, an id) in
 * words of failure, over a bare code (`Error: P3018`) or a tool's advice (`Read more at https://…`);
 * among equals the latest, and in a log without times the first printed.
 */
function podWords(facts: ServiceFacts, pod: string): LogSignature | undefined {
  const errors = facts.logs
    .filter((l) => l.pod === pod)
    .flatMap((l) => l.analysis.signatures.filter((s) => s.kind !== 'warning'))
    .sort((a, b) => (b.lastAt ?? '').localeCompare(a.lastAt ?? ''));
  const score = (s: LogSignature) =>
    (valueTokens(s.sample).length ? 2 : 0) +
    (FAILURE_WORDS.test(s.message) ? 1 : 0) -
    (/\bread more\b|\bfor more information\b|\bsee https?:\/\//i.test(s.message) ? 2 : 0) -
    (/\S+\s+\S+\s+\S+/.test(s.message) ? 0 : 2);
  let best: LogSignature | undefined;
  for (const s of errors) if (!best || score(s) > score(best)) best = s;
  return best;
}

const FAILURE_WORDS =
  /\b(could not|cannot|can't|failed|refused|denied|duplicate|violat|not found|no such|invalid|unknown|missing|exceeded)/i;

/** A CronJob that runs nothing because it is suspended. */
async function suspendedCronJob(ctx: EngineContext, facts: ServiceFacts): Promise<Verdict | null> {
  const workload = facts.listing.workload;
  if (workload?.kind !== 'CronJob') return null;
  const object = await readObject(ctx, 'CronJob', workload.name, facts.namespace);
  if (!object || at(object, 'spec', 'suspend') !== true) return null;
  const last = str(at(object, 'status', 'lastScheduleTime'));
  ctx.casebook.evidence.unshift({
    source: 'kubernetes',
    detail: `CronJob ${workload.name} has spec.suspend: true${last ? `; last scheduled ${last}` : ''}`,
    ref: `cronjob/${workload.name}`,
  });
  return {
    status: 'diagnosed',
    summary: `CronJob ${workload.name} is suspended, so it creates no Jobs${last ? ` (last run scheduled ${last})` : ''}.`,
    statement: `CronJob ${workload.name} has spec.suspend set to true: the controller skips every schedule (${str(at(object, 'spec', 'schedule')) ?? '?'}).`,
    confidence: 'high',
    clues: ['suspend: true'],
    objects: [workload],
    fix: `Resume it: kubectl patch cronjob ${workload.name} -n ${facts.namespace} -p '{"spec":{"suspend":false}}', and run a missed job by hand if needed (kubectl create job --from=cronjob/${workload.name} ${workload.name}-manual).`,
  };
}
