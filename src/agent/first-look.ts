import type { EngineContext } from '../llm/engine.js';
import { toolFor } from '../llm/offline/capabilities.js';
import { gatherFacts, type ServiceFacts } from '../llm/offline/facts.js';
import type { LogSignature } from '../llm/offline/log-analysis.js';
import { codeLook } from './code-look.js';
import { fenceUntrusted } from './untrusted.js';

/** Said before the first look, so that the model does not fetch it again. */
export const FIRST_LOOK_INTRO =
  'First look, gathered by the host: the pods, Warning events and log errors of the service, and ' +
  'for its top exception the source line and the recent change behind it. Do not fetch these again.';

/** The first look's share of the first message: about 2k tokens. */
const MAX_CHARS = 7_000;
const MAX_EVENTS = 12;
const MAX_SIGNATURES = 4;

/**
 * What every diagnosis starts with, gathered by the host in parallel before the first request:
 * the service's workload and pods, the warning events about them, and for failing or restarting
 * containers the reduced log (error signatures with counts, times and the app's stack frame), and
 * for the top application exception its source line and the change behind it (`codeLook`). It
 * is the offline engine's own first look (`gatherFacts`), through the run's memoising tool
 * invoker, so a run that falls back to the offline engine reads nothing twice. Null when there is
 * nothing to show (no pod tool, no such service): the model then starts from the tools.
 */
export async function firstLook(run: EngineContext): Promise<string | null> {
  // The host's own reads: audited as such, answered from the run's memory when asked again.
  const ctx: EngineContext = {
    ...run,
    tools: { ...run.tools, call: (name, args) => run.tools.call(name, args, { caller: 'host' }) },
  };
  const service = ctx.incident.service;
  const facts = await gatherFacts(ctx, service);
  if ('error' in facts || 'missing' in facts) return null;
  const listPods = toolFor('listPods', ctx.tools.toolNames());
  // The same call gatherFacts made: answered from the run's memory.
  const pods = listPods
    ? await ctx.tools.call(listPods, { service, namespace: ctx.settings.namespace })
    : null;
  const code = await codeLook(ctx, facts);
  const sections = [
    pods?.ok ? pods.text.trim() : podLines(facts),
    eventLines(facts),
    ...facts.logs.map((log) => logLines(log.pod, log.previous, log.analysis.lines, log.analysis.signatures)),
  ].filter(Boolean);
  const body = sections.join('\n\n');
  const cut =
    body.length > MAX_CHARS
      ? `${body.slice(0, MAX_CHARS)}\n[first look cut at ${MAX_CHARS} characters]`
      : body;
  // The code look is short (a line, a guard, one commit) and outside the cut: long logs never crowd it out.
  return fenceUntrusted('first-look', code ? `${cut}\n\n${code}` : cut);
}

function podLines(facts: ServiceFacts): string {
  const { workload, pods } = facts.listing;
  return [
    `${workload ? `${workload.kind} ${workload.name}` : facts.service}: ${pods.length} pod(s)`,
    ...pods.map(
      (p) =>
        `pod ${p.name}: ${p.phase ?? '?'}${p.reason ? `/${p.reason}` : ''}, ready ${p.ready ?? '?'}, restarts ${p.restarts ?? 0}`,
    ),
  ].join('\n');
}

function eventLines(facts: ServiceFacts): string {
  const warnings = facts.related.filter((e) => e.type === 'Warning');
  const others = facts.events.filter((e) => e.type === 'Warning' && !facts.related.includes(e));
  if (!warnings.length && !others.length)
    return 'Events: no Warning events about this service or in its namespace.';
  const line = (e: (typeof warnings)[number]) =>
    `${e.lastTimestamp ?? '?'} ${e.reason ?? '?'} ${e.object ?? '?'} x${e.count ?? 1}: ${e.message ?? ''}`;
  return [
    `Warning events about this service (${warnings.length}), newest first:`,
    ...warnings.slice(0, MAX_EVENTS).map(line),
    ...(others.length
      ? [
          `Other Warning events in the namespace (${others.length}):`,
          ...others.slice(0, MAX_EVENTS / 2).map(line),
        ]
      : []),
  ].join('\n');
}

function logLines(pod: string, previous: boolean, lines: number, signatures: LogSignature[]): string {
  const head = `Log of ${pod}${previous ? ' (previous container)' : ''}: ${lines} lines read`;
  if (!signatures.length) return `${head}; no errors or warnings.`;
  return [
    `${head}; distinct errors and warnings, most frequent first:`,
    ...[...signatures]
      .sort((a, b) => b.count - a.count)
      .slice(0, MAX_SIGNATURES)
      .map((s) => {
        const when = s.firstAt
          ? ` (first ${s.firstAt}${s.lastAt && s.lastAt !== s.firstAt ? `, last ${s.lastAt}` : ''})`
          : '';
        const frame = s.appFrame
          ? `\n    at ${s.appFrame.function ? `${s.appFrame.function} ` : ''}${s.appFrame.file}:${s.appFrame.line}`
          : '';
        return `  x${s.count}${when} ${s.sample.trim().slice(0, 400)}${frame}`;
      }),
  ].join('\n');
}
