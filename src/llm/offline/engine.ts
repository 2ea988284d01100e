import type { Findings } from '../../report/schema.js';
import type { Engine, EngineContext } from '../engine.js';
import { toolFor } from './capabilities.js';
import { composeException, composeLogError, composePodProblem, type ExceptionCase } from './compose.js';
import { analyzeLog, type LogSignature } from './log-analysis.js';
import { podProblems, warningEvidence, type PodProblem } from './pod-findings.js';
import { lookUpSource } from './source-lookup.js';
import { readCommits, readEvents, readLog, readPodListing, type PodInfo } from './tool-data.js';

const MAX_PODS_READ = 3;
const LOG_TAIL = 500;

interface PodLogs {
  pod: PodInfo;
  signatures: LogSignature[];
}

/**
 * The rule-based engine: the same investigation an engineer would run, without a model. It stands
 * alone when Claude is unavailable and finishes a Claude run that could not.
 */
export class OfflineEngine implements Engine {
  readonly id = 'offline';

  async diagnose(ctx: EngineContext): Promise<Findings> {
    const { tools, casebook, settings } = ctx;
    const names = tools.toolNames();
    const service = ctx.incident.service;
    const namespace = settings.namespace;

    const listPods = toolFor('listPods', names);
    if (!listPods)
      return inconclusive(`No tool to list pods is available, so ${service} could not be inspected.`);
    const listing = await tools.call(listPods, { service, namespace });
    if (!listing.ok)
      return inconclusive(`Listing the pods of ${service} failed: ${listing.error ?? listing.text}`);
    const { pods, workload, closestServices } = readPodListing(listing.structured);
    if (pods.length === 0) {
      const closest = closestServices.length
        ? ` Closest existing services: ${closestServices.join(', ')}.`
        : '';
      casebook.evidence.push({
        source: 'kubernetes',
        detail: `No pods or workload match '${service}' in namespace ${namespace}.${closest}`,
      });
      return {
        ...inconclusive(`No workload named '${service}' was found in namespace ${namespace}.${closest}`),
        suggestedFix: closestServices.length
          ? `Check the service name: did you mean ${closestServices[0]}? Run again with --service ${closestServices[0]}.`
          : `Check the service name and namespace (--namespace).`,
      };
    }
    casebook.evidence.push({
      source: 'kubernetes',
      detail: `${workload ? `${workload.kind} ${workload.name}` : service} has ${pods.length} pod(s): ${pods
        .map((p) => `${p.name} ${p.phase ?? '?'} ready ${p.ready ?? '?'} restarts ${p.restarts ?? 0}`)
        .join('; ')}`,
      ref: workload ? `${workload.kind.toLowerCase()}/${workload.name}` : undefined,
    });

    const problems: PodProblem[] = pods.flatMap(podProblems).sort((a, b) => a.rank - b.rank);
    for (const p of problems.slice(0, 5))
      casebook.evidence.push({ source: 'kubernetes', detail: p.detail, ref: `pod/${p.pod}` });

    const eventsTool = toolFor('events', names);
    if (eventsTool) {
      const events = await tools.call(eventsTool, { namespace, limit: 50 });
      if (events.ok) {
        const related = [...pods.map((p) => p.name), ...(workload ? [workload.name] : [])];
        casebook.evidence.push(...warningEvidence(readEvents(events.structured), related));
      }
    }

    const logs = await this.readLogs(ctx, pods, problems);
    const exception = logs
      .flatMap((l) =>
        l.signatures
          .filter((s) => s.kind === 'exception' && s.appFrame)
          .map((signature) => ({ signature, pod: l.pod.name })),
      )
      .sort((a, b) => b.signature.count - a.signature.count)[0];
    if (exception) return this.followException(ctx, exception.signature, exception.pod);

    const firstError = (pod: string) =>
      logs.find((l) => l.pod.name === pod)?.signatures.find((s) => s.kind !== 'warning');
    const problem = problems[0];
    if (problem)
      return {
        status: 'diagnosed',
        evidence: [],
        suspectFiles: [],
        suspectCommits: [],
        ...composePodProblem(service, problem, firstError(problem.pod)),
      };

    const error = logs.flatMap((l) =>
      l.signatures.filter((s) => s.kind !== 'warning').map((s) => ({ s, pod: l.pod.name })),
    )[0];
    if (error)
      return {
        status: 'diagnosed',
        evidence: [],
        suspectFiles: [],
        suspectCommits: [],
        ...composeLogError(service, error.s, error.pod),
      };

    return {
      status: 'healthy',
      summary: `${service} looks healthy: ${pods.length} pod(s) running and ready, no restarts, no warning events and no errors in recent logs.`,
      rootCause: { statement: 'No fault found.', confidence: 'medium' },
      evidence: [],
      suspectFiles: [],
      suspectCommits: [],
      suggestedFix:
        'Nothing to fix in this service; if the alert persists, check its upstream dependencies and the alert itself.',
    };
  }

  /** Read the logs of the most telling pods (problem pods first), current and, after restarts, previous. */
  private async readLogs(ctx: EngineContext, pods: PodInfo[], problems: PodProblem[]): Promise<PodLogs[]> {
    const logTool = toolFor('podLogs', ctx.tools.toolNames());
    if (!logTool) return [];
    const problemPods = new Set(problems.map((p) => p.pod));
    const chosen = [...pods]
      .sort((a, b) => Number(problemPods.has(b.name)) - Number(problemPods.has(a.name)))
      .slice(0, MAX_PODS_READ);
    const reads = chosen.flatMap((pod) => {
      const calls = [{ pod, previous: false }];
      if ((pod.restarts ?? 0) > 0) calls.push({ pod, previous: true });
      return calls;
    });
    const results = await Promise.all(
      reads.map(async ({ pod, previous }) => {
        const outcome = await ctx.tools.call(logTool, {
          pod: pod.name,
          namespace: ctx.settings.namespace,
          tailLines: LOG_TAIL,
          previous,
        });
        return { pod, previous, outcome };
      }),
    );
    return results
      .filter((r) => r.outcome.ok)
      .map(({ pod, previous, outcome }) => {
        const analysis = analyzeLog(readLog(outcome.structured, outcome.text));
        for (const s of analysis.signatures.slice(0, 4)) {
          if (s.kind === 'warning' && analysis.signatures.some((x) => x.kind !== 'warning')) continue;
          ctx.casebook.evidence.push({
            source: 'logs',
            detail: `${s.kind === 'exception' ? s.type + (s.message ? ': ' + s.message : '') : s.sample} — ${s.count}× in the last ${analysis.lines} lines${
              s.lastAt ? `, last at ${s.lastAt}` : ''
            }${previous ? ' (previous container)' : ''}`,
            ref: `pod/${pod.name}${s.appFrame ? ` ${s.appFrame.file}:${s.appFrame.line}` : ''}`,
          });
        }
        return { pod, signatures: analysis.signatures };
      });
  }

  /** Follow an exception's innermost application frame into the repository and its history. */
  private async followException(ctx: EngineContext, signature: LogSignature, pod: string): Promise<Findings> {
    const frame = signature.appFrame;
    const source = frame ? await lookUpSource(ctx.tools, frame.file, frame.line) : null;
    const c: ExceptionCase = { signature, pod, source, commit: null };
    if (source) {
      ctx.casebook.suspectFiles.push({
        path: source.path,
        line: source.line,
        url: source.url ? `${source.url}#L${source.line}` : undefined,
      });
      ctx.casebook.evidence.push({
        source: 'github',
        detail: `Line ${source.line} of ${source.path}: ${source.code}`,
        ref: `${source.path}:${source.line}`,
      });
      const commitsTool = toolFor('listCommits', ctx.tools.toolNames());
      if (commitsTool) {
        const commits = await ctx.tools.call(commitsTool, { path: source.path, limit: 5 });
        const latest = commits.ok ? readCommits(commits.structured)[0] : undefined;
        if (latest) {
          c.commit = latest;
          ctx.casebook.suspectCommits.push({
            sha: latest.sha,
            message: latest.message,
            author: latest.author,
            date: latest.date,
          });
          ctx.casebook.evidence.push({
            source: 'github',
            detail: `Last change to ${source.path}: ${latest.sha.slice(0, 7)} "${latest.message ?? ''}" by ${latest.author ?? 'unknown'} at ${latest.date ?? 'unknown time'}`,
            ref: latest.sha,
          });
        }
      }
    }
    return {
      status: 'diagnosed',
      evidence: [],
      suspectFiles: [],
      suspectCommits: [],
      ...composeException(ctx.incident.service, c),
    };
  }
}

function inconclusive(summary: string): Findings {
  return {
    status: 'inconclusive',
    summary,
    rootCause: { statement: summary, confidence: 'low' },
    evidence: [],
    suspectFiles: [],
    suspectCommits: [],
    suggestedFix: '',
  };
}
