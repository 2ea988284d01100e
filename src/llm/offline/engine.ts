import type { Evidence, Findings } from '../../report/schema.js';
import type { Engine, EngineContext } from '../engine.js';
import { alertNamedWorkloads, alertTargets } from './alert-targets.js';
import { readObject } from './cluster-read.js';
import { at, list, str } from './k8s-object.js';
import { recoveredBlip } from './recovery.js';
import { healthyVerdict, recoveredVerdict } from './healthy-verdict.js';
import { benignDisruption, disruptionVerdict, jobCompletion } from './disruption.js';
import { factsFor, gatherFacts, type ServiceFacts } from './facts.js';
import { noteGap } from './gaps.js';
import { healthIssues } from './health.js';
import { noteManifests } from './manifests.js';
import { rollbackFor, withMitigation } from './mitigation.js';

import { sweepCallers } from './rules/callers.js';

import { dependencyRule, type DependencyOutcome } from './rules/dependency.js';

import { jobFailure, withJobContext } from './rules/jobs.js';

import { staleConfiguration } from './rules/stale-config.js';

import { correlateChange } from './rules/recent-change.js';
import { withOverwrittenTag } from './rules/overwritten-tag.js';

import { preferRevisionCommit, revisionVerdict, withRevisionChanges } from './revisions.js';
import { withEnvTie } from './env-tie.js';
import { withNeighbour } from './neighbours.js';
import { withCredentialRefresher } from './pull-secret-refresh.js';

import type { Rule, Verdict } from './rules/verdict.js';
import type { PodListing } from './tool-data.js';
import { CURRENT_STATE_RULES, LATE_RULES, LOCAL_RULES, WIRING_RULES } from './rule-order.js';

/** Kinds an alert may name that have no pods of their own to list. */
const PODLESS_TARGETS = ['CronJob', 'Job', 'Ingress'];
const MAX_DEPTH = 2;

/**
 * The rule-based engine: the investigation an engineer would run, without a model. It keys on
 * Kubernetes semantics and log structure, never on names; it stands alone when Claude is
 * unavailable and finishes a Claude run that could not.
 */
export class OfflineEngine implements Engine {
  readonly id = 'offline';

  async diagnose(ctx: EngineContext): Promise<Findings> {
    return findings(await new Investigation(ctx).run());
  }
}

interface Mark {
  evidence: Evidence[];
  suspectFiles: EngineContext['casebook']['suspectFiles'];
  suspectCommits: EngineContext['casebook']['suspectCommits'];
  gaps: EngineContext['casebook']['gaps'];
  overviews: Evidence[];
}

/** One run's investigation: the services followed so far, and the overview lines it collected. */
class Investigation {
  private readonly followed = new Set<string>();
  private readonly overviews: Evidence[] = [];

  constructor(private readonly ctx: EngineContext) {}

  async run(): Promise<Verdict> {
    const { ctx } = this;
    const service = ctx.incident.service;
    const namespace = ctx.settings.namespace;
    this.followed.add(`${namespace}/${service}`);
    let facts = await this.factsOf(service, namespace);
    if ('missing' in facts) facts = (await this.fromAlert(facts.missing)) ?? facts;
    if ('error' in facts) return inconclusive(`${service} could not be inspected: ${facts.error}.`);
    if ('missing' in facts) return this.missing(service, facts.missing);
    facts = await this.widenToCronJob(facts);
    const before = this.mark();
    let verdict = await this.diagnose(facts, 0, true);
    if (verdict.status !== 'diagnosed') verdict = (await this.alertNamedFault(facts, before)) ?? verdict;
    this.placeOverviews(verdict);
    return verdict;
  }

  /**
   * An alert fired, so a healthy (or unexplained) service is the answer only when the other object the alert names
   * (a failed Job of the service's release, one pod, a CronJob) is fine too. Its diagnosis replaces
   * the healthy verdict when it finds a fault; otherwise the healthy one stands as it was.
   */
  private async alertNamedFault(facts: ServiceFacts, before: Mark): Promise<Verdict | null> {
    const { ctx } = this;
    // What the verdict already judged: the workload, its pods and their owners (a CronJob's runs).
    const own = new Set([
      facts.service,
      facts.listing.workload?.name,
      ...facts.listing.pods.flatMap((p) => [p.name, p.ownerName]),
    ]);
    for (const target of alertTargets(ctx.incident.text).slice(0, 3)) {
      const namespace = target.namespace ?? ctx.settings.namespace;
      if (own.has(target.name) || !ctx.settings.namespaces.includes(namespace)) continue;
      if (this.followed.has(`${namespace}/${target.name}`)) continue;
      this.followed.add(`${namespace}/${target.name}`);
      const healthy = this.mark();
      this.restore(before);
      const named = await this.factsOf(target.name, namespace);
      const verdict = 'missing' in named || 'error' in named ? null : await this.diagnose(named, 0, true);
      if (verdict?.status === 'diagnosed') return verdict;
      this.restore(healthy);
    }
    return null;
  }

  /** The casebook and overviews as they are now, to return to when a line of inquiry is dropped. */
  private mark(): Mark {
    const { evidence, suspectFiles, suspectCommits, gaps } = this.ctx.casebook;
    return {
      evidence: [...evidence],
      suspectFiles: [...suspectFiles],
      suspectCommits: [...suspectCommits],
      gaps: [...gaps],
      overviews: [...this.overviews],
    };
  }

  private restore(mark: Mark): void {
    const book = this.ctx.casebook;
    book.evidence.splice(0, book.evidence.length, ...mark.evidence);
    book.suspectFiles.splice(0, book.suspectFiles.length, ...mark.suspectFiles);
    book.suspectCommits.splice(0, book.suspectCommits.length, ...mark.suspectCommits);
    book.gaps.splice(0, book.gaps.length, ...mark.gaps);
    this.overviews.splice(0, this.overviews.length, ...mark.overviews);
  }

  /** The facts of a service, or of a CronJob, Job or Ingress of that name when no pods answer to it. */
  private async factsOf(
    service: string,
    namespace: string,
  ): Promise<ServiceFacts | { missing: PodListing } | { error: string }> {
    const facts = await gatherFacts(this.ctx, service, namespace);
    if (!('missing' in facts)) return facts;
    for (const kind of PODLESS_TARGETS) {
      const object = await readObject(this.ctx, kind, service, namespace);
      if (object)
        return factsFor(this.ctx, service, namespace, {
          ...facts.missing,
          workload: { kind, name: service },
          pods: [],
        });
      if (object === undefined) break;
    }
    return facts;
  }

  /**
   * A Job a CronJob runs is one run of many: judge the CronJob, whose later runs say whether the
   * failure is still going on (an alert names the failed Job long after the next run succeeded).
   */
  private async widenToCronJob(facts: ServiceFacts): Promise<ServiceFacts> {
    const workload = facts.listing.workload;
    if (workload?.kind !== 'Job') return facts;
    const job = await readObject(this.ctx, 'Job', workload.name, facts.namespace);
    const owner = list(at(job, 'metadata', 'ownerReferences')).find((r) => r.kind === 'CronJob');
    const cronJob = str(owner?.name);
    if (!cronJob) return facts;
    const wider = await this.factsOf(cronJob, facts.namespace);
    if ('missing' in wider || 'error' in wider) return facts;
    // Only when the CronJob's pods include this run's: otherwise the listing answered something else.
    const own = new Set(facts.listing.pods.map((p) => p.name));
    return wider.listing.pods.some((p) => own.has(p.name)) ? wider : facts;
  }

  /**
   * The object the alert's text names, when the service name itself matches nothing: by kind and
   * name, or a workload of the namespace (one of the closest names) that the text spells out.
   */
  private async fromAlert(missing: PodListing): Promise<ServiceFacts | null> {
    const { ctx } = this;
    const named = alertNamedWorkloads(ctx.incident.text, missing.closestServices).map((name) => ({
      kind: 'Service',
      name,
      namespace: undefined,
    }));
    for (const target of [...alertTargets(ctx.incident.text).slice(0, 3), ...named.slice(0, 2)]) {
      const namespace = target.namespace ?? ctx.settings.namespace;
      if (target.name === ctx.incident.service) continue;
      if (!ctx.settings.namespaces.includes(namespace)) {
        noteGap(
          ctx,
          `${target.kind} ${namespace}/${target.name}, which the alert names`,
          `namespace ${namespace} is outside the run's scope`,
        );
        continue;
      }
      this.followed.add(`${namespace}/${target.name}`);
      const facts = await this.factsOf(target.name, namespace);
      if (!('missing' in facts) && !('error' in facts)) return facts;
    }
    return null;
  }

  private missing(service: string, listing: PodListing): Verdict {
    const { ctx } = this;
    const closest = listing.closestServices;
    const hint = closest.length ? ` Closest existing services: ${closest.join(', ')}.` : '';
    ctx.casebook.evidence.push({
      source: 'kubernetes',
      detail: `No pods or workload match '${service}' in namespace ${ctx.settings.namespace}.${hint}`,
    });
    return {
      ...inconclusive(
        `No workload named '${service}' was found in namespace ${ctx.settings.namespace}.${hint}`,
      ),
      fix: closest[0]
        ? `Check the service name: did you mean ${closest[0]}? Run again with --service ${closest[0]}.`
        : 'Check the service name and the namespace (--namespace).',
    };
  }

  /** Run the rules on one service's facts; the target also gets the caller sweep and a health verdict. */
  private async diagnose(facts: ServiceFacts, depth: number, target: boolean): Promise<Verdict> {
    const { ctx } = this;
    this.noteOverview(facts);
    const recovery = target && !ctx.casebook.gaps.length ? recoveredBlip(facts, ctx.now) : null;
    if (recovery) {
      // The trouble is history: only what stands now (its Service, Ingress, autoscaler) can still be a fault.
      const standing = await firstVerdict(CURRENT_STATE_RULES, ctx, facts);
      if (standing) return standing.status === 'diagnosed' ? this.finish(standing, facts) : standing;
      if (!ctx.casebook.gaps.length) return recoveredVerdict(ctx, facts, recovery);
    }
    const disruption =
      target && !ctx.casebook.gaps.length
        ? benignDisruption(facts, ctx.now, await jobCompletion(ctx, facts))
        : null;
    if (disruption) {
      // Node trouble the pods have moved away from: only what stands now can still be a fault.
      const standing = await firstVerdict(CURRENT_STATE_RULES, ctx, facts);
      if (standing) return standing.status === 'diagnosed' ? this.finish(standing, facts) : standing;
      if (!ctx.casebook.gaps.length) return disruptionVerdict(ctx, facts, disruption);
    }
    const dependency = dependencyRule((_ctx, ref) => this.follow(ref, depth + 1));
    let verdict =
      (await firstVerdict([...LOCAL_RULES, dependency, ...WIRING_RULES, ...LATE_RULES], ctx, facts)) ??
      (target ? await sweepCallers(ctx, facts) : null);
    if (!verdict) {
      const issues = healthIssues(facts, ctx.now);
      verdict = issues.length
        ? ((await revisionVerdict(ctx, facts, issues)) ??
          inconclusive(`${facts.service} shows trouble the rules do not recognise: ${issues.join('; ')}.`))
        : healthyVerdict(ctx, facts);
    }
    // Failing and working pods on one tag but two digests: the tag itself changed under them.
    verdict = await withOverwrittenTag(ctx, facts, verdict);
    return verdict.status === 'diagnosed' ? this.finish(verdict, facts) : verdict;
  }

  /** Follow a dependency named in a caller's errors and diagnose it the same way. */
  private async follow(
    ref: { service: string; namespace: string },
    depth: number,
  ): Promise<DependencyOutcome> {
    const key = `${ref.namespace}/${ref.service}`;
    if (this.followed.has(key) || depth > MAX_DEPTH) return { verdict: null, found: true };
    this.followed.add(key);
    const facts = await this.factsOf(ref.service, ref.namespace);
    if ('error' in facts) return { verdict: null, found: true };
    if ('missing' in facts) return { verdict: null, found: false };
    return { verdict: await this.diagnose(facts, depth, false), found: true };
  }

  /** What a diagnosed verdict gains from context: its Job, the change behind it, how to mitigate now. */
  private async finish(verdict: Verdict, facts: ServiceFacts): Promise<Verdict> {
    const { ctx } = this;
    let result = withNeighbour(
      ctx,
      facts,
      await withEnvTie(
        ctx,
        facts,
        await withRevisionChanges(ctx, facts, await withCredentialRefresher(ctx, facts, verdict)),
      ),
    );
    const jobTarget =
      facts.listing.workload?.kind === 'Job' ||
      facts.listing.workload?.kind === 'CronJob' ||
      facts.listing.pods.some((p) => p.ownerKind === 'Job');
    if (jobTarget) {
      const failure = await jobFailure(ctx, facts);
      if (failure) result = withJobContext(result, failure);
    }
    result = await preferRevisionCommit(ctx, result);
    if (ctx.casebook.suspectCommits.length === 0 && !result.notFromChange) {
      // Platform faults usually come from a change too: a manifest, an image tag, a limit, a key.
      // The image tags only when the image is the fault: a file that merely mentions the running tag is no culprit.
      const imageFault = /\bimage\b|ImagePull|ErrImage|manifest unknown/i.test(result.statement);
      const images = imageFault
        ? facts.listing.pods.flatMap((p) => p.containers.map((c) => c.image ?? '')).join(' ')
        : '';
      const change = await correlateChange(ctx, {
        text: result.changeText ?? `${result.statement} ${result.summary} ${images}`,
        files: [],
        focus: result.clues ?? [],
      });
      if (change) {
        const stale = staleConfiguration(result, facts, change);
        if (stale) result = stale;
        result = { ...result, statement: `${result.statement} ${change.note}` };
        // A probe that broke with a change: the change's other files (the renamed route, the
        // template that defines the probe) are where the fix may go too.
        if (/\bprobe\b/i.test(result.statement))
          for (const path of change.files.slice(0, 4))
            if (!ctx.casebook.suspectFiles.some((f) => f.path === path))
              ctx.casebook.suspectFiles.push({ path });
        if (change.dataFile && !stale)
          result.fix = `${result.fix} The change to ${change.dataFile} in ${change.commit.sha.slice(0, 7)} is where to fix or revert it.`;
      }
    }
    if (result.objects?.length) await noteManifests(ctx, result.objects);
    if (result.rollback) {
      const commitDate = ctx.casebook.suspectCommits[0]?.date;
      const rollback = await rollbackFor(ctx, facts.listing.workload, facts.namespace, commitDate);
      result = { ...result, fix: withMitigation(result.fix, rollback), rollback: false };
    }
    return result;
  }

  private noteOverview(facts: ServiceFacts): void {
    const { workload, pods } = facts.listing;
    const detail = pods.length
      ? pods
          .slice(0, 4)
          .map(
            (p) =>
              `${p.name} ${p.phase ?? '?'}${p.reason ? `/${p.reason}` : ''} ready ${p.ready ?? '?'} restarts ${p.restarts ?? 0}`,
          )
          .join('; ') + (pods.length > 4 ? `; +${pods.length - 4} more` : '')
      : 'no pods';
    this.overviews.push({
      source: 'kubernetes',
      detail: `${workload ? `${workload.kind} ${workload.name}` : facts.service}: ${detail}`,
      ref: workload ? `${workload.kind.toLowerCase()}/${workload.name}` : undefined,
    });
  }

  /**
   * The pod overview lines: first when they are the evidence (a healthy verdict), after the
   * evidence of the fault otherwise, so the report opens on what is wrong.
   */
  private placeOverviews(verdict: Verdict): void {
    const evidence = this.ctx.casebook.evidence;
    if (verdict.status === 'healthy' || evidence.length === 0) evidence.unshift(...this.overviews);
    else evidence.push(...this.overviews);
  }
}

async function firstVerdict(rules: Rule[], ctx: EngineContext, facts: ServiceFacts): Promise<Verdict | null> {
  for (const rule of rules) {
    const verdict = await rule(ctx, facts);
    if (verdict) return verdict;
  }
  return null;
}

function inconclusive(summary: string): Verdict {
  return { status: 'inconclusive', summary, statement: summary, confidence: 'low', fix: '' };
}

function findings(v: Verdict): Findings {
  return {
    status: v.status,
    summary: v.summary,
    rootCause: { statement: v.statement, confidence: v.confidence },
    evidence: [],
    suspectFiles: [],
    suspectCommits: [],
    suggestedFix: v.fix,
  };
}
