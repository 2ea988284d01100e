import type { Findings } from '../../report/schema.js';
import type { Engine, EngineContext } from '../engine.js';
import { gatherFacts, type ServiceFacts } from './facts.js';
import { crashRule, dependencyRule, exceptionRule, logErrorRule } from './rules/application.js';
import { badDataRule } from './rules/bad-data.js';
import { configRule, imagePullRule, nodeRule, oomRule, probeRule, schedulingRule } from './rules/platform.js';
import { sweepCallers } from './rules/callers.js';
import { correlateChange } from './rules/recent-change.js';
import type { Rule, Verdict } from './rules/verdict.js';

/** Platform failures first (they explain application symptoms), then the application's own. */
const LOCAL_RULES: Rule[] = [
  nodeRule,
  schedulingRule,
  imagePullRule,
  configRule,
  oomRule,
  exceptionRule,
  probeRule,
];
const LATE_RULES: Rule[] = [badDataRule, crashRule, logErrorRule];

function healthy(facts: ServiceFacts): boolean {
  const warnings = facts.related.filter((e) => e.type === 'Warning');
  const errors = facts.logs.flatMap((l) => l.analysis.signatures.filter((s) => s.kind !== 'warning'));
  return facts.problems.length === 0 && warnings.length === 0 && errors.length === 0;
}

/**
 * The rule-based engine: the investigation an engineer would run, without a model. It keys on
 * Kubernetes semantics and log structure, never on names; it stands alone when Claude is
 * unavailable and finishes a Claude run that could not.
 */
export class OfflineEngine implements Engine {
  readonly id = 'offline';

  async diagnose(ctx: EngineContext): Promise<Findings> {
    const service = ctx.incident.service;
    const facts = await gatherFacts(ctx, service);
    if ('error' in facts) return findings(inconclusive(`${service} could not be inspected: ${facts.error}.`));
    if ('missing' in facts) {
      const closest = facts.missing.closestServices;
      const hint = closest.length ? ` Closest existing services: ${closest.join(', ')}.` : '';
      ctx.casebook.evidence.push({
        source: 'kubernetes',
        detail: `No pods or workload match '${service}' in namespace ${ctx.settings.namespace}.${hint}`,
      });
      return findings({
        ...inconclusive(
          `No workload named '${service}' was found in namespace ${ctx.settings.namespace}.${hint}`,
        ),
        fix: closest[0]
          ? `Check the service name: did you mean ${closest[0]}? Run again with --service ${closest[0]}.`
          : 'Check the service name and the namespace (--namespace).',
      });
    }
    this.noteOverview(ctx, facts);
    const followed = new Set([service]);
    const dependency = dependencyRule(async (c, host) => {
      if (followed.has(host)) return null;
      followed.add(host);
      const theirs = await gatherFacts(c, host);
      if ('error' in theirs || 'missing' in theirs) return null;
      this.noteOverview(c, theirs);
      return (
        (await firstVerdict([...LOCAL_RULES, ...LATE_RULES], c, theirs)) ??
        (healthy(theirs) ? healthyVerdict(theirs) : null)
      );
    });
    const verdict =
      (await firstVerdict([...LOCAL_RULES, dependency, ...LATE_RULES], ctx, facts)) ??
      (await sweepCallers(ctx, facts)) ??
      (healthy(facts)
        ? healthyVerdict(facts)
        : inconclusive(`${service} shows warnings but no failure the rules recognise.`));
    if (verdict.status === 'diagnosed' && ctx.casebook.suspectCommits.length === 0) {
      // Platform faults usually come from a change too: a manifest, an image tag, a limit, a key.
      const images = facts.listing.pods.flatMap((p) => p.containers.map((c) => c.image ?? '')).join(' ');
      const change = await correlateChange(ctx, {
        text: `${verdict.statement} ${verdict.summary} ${images}`,
        files: [],
      });
      if (change) {
        verdict.statement = `${verdict.statement} ${change.note}`;
        if (change.dataFile)
          verdict.fix = `${verdict.fix} The change to ${change.dataFile} in ${change.commit.sha.slice(0, 7)} is where to fix or revert it.`;
      }
    }
    return findings(verdict);
  }

  private noteOverview(ctx: EngineContext, facts: ServiceFacts): void {
    const { workload, pods } = facts.listing;
    ctx.casebook.evidence.push({
      source: 'kubernetes',
      detail: `${workload ? `${workload.kind} ${workload.name}` : facts.service}: ${pods
        .slice(0, 4)
        .map(
          (p) =>
            `${p.name} ${p.phase ?? '?'}${p.reason ? `/${p.reason}` : ''} ready ${p.ready ?? '?'} restarts ${p.restarts ?? 0}`,
        )
        .join('; ')}${pods.length > 4 ? `; +${pods.length - 4} more` : ''}`,
      ref: workload ? `${workload.kind.toLowerCase()}/${workload.name}` : undefined,
    });
  }
}

async function firstVerdict(rules: Rule[], ctx: EngineContext, facts: ServiceFacts): Promise<Verdict | null> {
  for (const rule of rules) {
    const verdict = await rule(ctx, facts);
    if (verdict) return verdict;
  }
  return null;
}

function healthyVerdict(facts: ServiceFacts): Verdict {
  return {
    status: 'healthy',
    summary: `${facts.service} looks healthy: ${facts.listing.pods.length} pod(s) running and ready, no restarts, no warning events, no errors in recent logs.`,
    statement: 'No fault found.',
    confidence: 'medium',
    fix: 'Nothing to fix in this service; if the alert persists, check its upstream dependencies and the alert itself.',
  };
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
