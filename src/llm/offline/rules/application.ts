import type { EngineContext } from '../../engine.js';
import { toolFor } from '../capabilities.js';
import { composeException } from '../compose.js';
import type { ServiceFacts } from '../facts.js';
import type { LogSignature } from '../log-analysis.js';
import { lookUpSource } from '../source-lookup.js';
import { correlateChange } from './recent-change.js';
import { UNREACHABLE } from './signals.js';
import { times, type Rule, type Verdict } from './verdict.js';

/** The most frequent exception with an application frame, from current or previous logs. */
function topException(
  facts: ServiceFacts,
): { signature: LogSignature; pod: string; previous: boolean } | undefined {
  return facts.logs
    .flatMap((l) =>
      l.analysis.signatures
        .filter((s) => s.kind === 'exception' && s.appFrame)
        .map((signature) => ({ signature, pod: l.pod, previous: l.previous })),
    )
    .sort((a, b) => b.signature.count - a.signature.count)[0];
}

/** An application exception followed to its source line, the file's history and the change that caused it. */
export const exceptionRule: Rule = async (ctx, facts) => {
  const top = topException(facts);
  if (!top) return null;
  const { signature, pod, previous } = top;
  const frame = signature.appFrame;
  ctx.casebook.evidence.push({
    source: 'logs',
    detail: `${signature.type}${signature.message ? `: ${signature.message}` : ''} — ${times(signature.count)}${signature.lastAt ? `, last at ${signature.lastAt}` : ''}${previous ? ' (previous container, before the crash)' : ''}`,
    ref: `pod/${pod}${frame ? ` ${frame.file}:${frame.line}` : ''}`,
  });
  const source = frame ? await lookUpSource(ctx.tools, frame.file, frame.line) : null;
  if (source) {
    ctx.casebook.suspectFiles.push({
      path: source.path,
      line: source.line,
      url: source.url ? `${source.url}#L${source.line}` : undefined,
    });
    ctx.casebook.evidence.push({
      source: 'github',
      detail: `line ${source.line} of ${source.path}: ${source.code}`,
      ref: `${source.path}:${source.line}`,
    });
  }
  const change = await correlateChange(ctx, {
    text: `${signature.type ?? ''} ${signature.message}`,
    files: source ? [source.path] : [],
  });
  // The statement tells the commit story once, through the change note; the fix names the commit.
  const parts = composeException(facts.service, { signature, pod, source, commit: null });
  const fix = composeException(facts.service, {
    signature,
    pod,
    source,
    commit: change?.commit ?? null,
  }).suggestedFix;
  const crash = facts.problems.find(
    (p) => p.pod === pod && /CrashLoopBackOff|Restarted|Error/.test(p.reason),
  );
  return {
    status: 'diagnosed',
    summary: crash ? `${parts.summary} The container crashes on it (${crash.reason}).` : parts.summary,
    statement: `${parts.rootCause.statement}${change?.note ? ` ${change.note}` : ''}`,
    confidence: parts.rootCause.confidence,
    fix: change?.dataFile
      ? `${fix} The change to ${change.dataFile} is the likely fault: restore the data it removed or altered.`
      : fix,
  };
};

const HOST =
  /(?:dial tcp (?:lookup )?|connect(?:ing)? to |https?:\/\/|address |target=|host[ =:]+)?\b([a-z][a-z0-9-]{2,62}|\d{1,3}(?:\.\d{1,3}){3})(?:\.[a-z0-9-]+)*(?::(\d{2,5}))\b/g;

interface Target {
  host: string;
  port: string;
  line: string;
  count: number;
}

/** Hosts (names or IPs, with their port) that the errors of a log say could not be reached. */
function unreachableTargets(facts: ServiceFacts): Target[] {
  const found = new Map<string, Target>();
  for (const log of facts.logs) {
    for (const s of log.analysis.signatures) {
      if (!UNREACHABLE.test(`${s.message} ${s.sample}`)) continue;
      for (const m of `${s.message} ${s.sample}`.matchAll(HOST)) {
        const host = m[1] as string;
        if (!m[2] || /^(localhost|tcp|http|https|dns|127\.0\.0\.1)$/.test(host)) continue;
        const entry = found.get(host) ?? { host, port: m[2], line: s.sample, count: 0 };
        entry.count += s.count;
        found.set(host, entry);
      }
    }
  }
  return [...found.values()].sort((a, b) => b.count - a.count);
}

/** An IP in a log is a Service's cluster IP more often than not: name it. */
async function serviceNameOf(ctx: EngineContext, target: Target): Promise<string> {
  if (!/^\d/.test(target.host)) return target.host;
  const tool = toolFor('services', ctx.tools.toolNames());
  if (!tool) return target.host;
  const outcome = await ctx.tools.call(tool, { namespace: ctx.settings.namespace });
  const services =
    (outcome.ok
      ? (outcome.structured?.services as { name: string; clusterIP?: string }[] | undefined)
      : undefined) ?? [];
  return services.find((s) => s.clusterIP === target.host)?.name ?? target.host;
}

/** The service fails because something it calls fails: follow it there and diagnose that. */
export function dependencyRule(
  diagnoseDependency: (ctx: EngineContext, service: string) => Promise<Verdict | null>,
): Rule {
  return async (ctx, facts) => {
    const self = [facts.service, facts.listing.workload?.name ?? ''].map((n) =>
      n.replace(/[-_.]/g, '').toLowerCase(),
    );
    for (const found of unreachableTargets(facts).slice(0, 2)) {
      const host = await serviceNameOf(ctx, found);
      const target = {
        ...found,
        host,
        address: host === found.host ? `${host}:${found.port}` : `${host} (${found.host}:${found.port})`,
      };
      if (self.includes(target.host.replace(/[-_.]/g, '').toLowerCase())) continue;
      const verdict = await diagnoseDependency(ctx, target.host);
      if (!verdict) continue;
      ctx.casebook.evidence.unshift({
        source: 'logs',
        detail: `${facts.service} cannot reach ${target.address}: ${target.line.slice(0, 240)} (${times(target.count)})`,
        ref: `service/${target.host}`,
      });
      if (verdict.status === 'diagnosed') {
        return {
          status: 'diagnosed',
          summary: `${facts.service} fails because its dependency ${target.host} is failing: ${verdict.summary}`,
          statement: `${facts.service}'s errors come from calls to ${target.host} ("${target.line.slice(0, 160)}"). Root cause in ${target.host}: ${verdict.statement}`,
          confidence: verdict.confidence,
          fix: verdict.fix,
        };
      }
      return {
        status: 'diagnosed',
        summary: `${facts.service} cannot reach ${target.host} (${times(target.count)}), although ${target.host}'s pods look healthy.`,
        statement: `Calls from ${facts.service} to ${target.host} fail: "${target.line.slice(0, 200)}"; ${target.host}'s pods look healthy, so check its Service, endpoints, ports and network policy.`,
        confidence: 'medium',
        fix: `Check kubectl get endpoints ${target.host} and that the port ${facts.service} dials matches the Service's port; look for a NetworkPolicy or DNS change.`,
      };
    }
    return null;
  };
}

/** A container that keeps crashing with no recognised cause: say what it last logged. */
export const crashRule: Rule = async (ctx, facts) => {
  const crash = facts.problems.find((p) =>
    /CrashLoopBackOff|Restarted|Error|RunContainerError/.test(p.reason),
  );
  if (!crash) return null;
  const last = facts.logs
    .filter((l) => l.pod === crash.pod)
    .sort((a, b) => Number(b.previous) - Number(a.previous))
    .flatMap((l) => l.analysis.signatures.filter((s) => s.kind !== 'warning'))[0];
  if (last)
    ctx.casebook.evidence.push({
      source: 'logs',
      detail: `${last.sample.slice(0, 280)} (${times(last.count)})`,
      ref: `pod/${crash.pod}`,
    });
  return {
    status: 'diagnosed',
    summary: `${facts.service} is crash-looping: ${crash.detail}.`,
    statement: `Pod ${crash.pod}: ${crash.detail}.${last ? ` Its last error: "${last.sample.slice(0, 200)}".` : ' It logged no error before exiting.'}`,
    confidence: last ? 'medium' : 'low',
    fix: `Read kubectl logs ${crash.pod} --previous and the container's exit code; fix the start-up failure${last ? ' named above' : ''}.`,
  };
};

/** Errors in the logs with no stack trace to follow. */
export const logErrorRule: Rule = async (ctx, facts) => {
  const errors = facts.logs.flatMap((l) =>
    l.analysis.signatures
      .filter((s) => s.kind === 'error' || s.kind === 'exception')
      .map((s) => ({ s, pod: l.pod })),
  );
  const top = errors.sort((a, b) => b.s.count - a.s.count)[0];
  if (!top) return null;
  ctx.casebook.evidence.push({
    source: 'logs',
    detail: `${top.s.sample.slice(0, 280)} (${times(top.s.count)})`,
    ref: `pod/${top.pod}`,
  });
  const change = await correlateChange(ctx, { text: top.s.message, files: [] });
  return {
    status: 'diagnosed',
    summary: `${facts.service} is logging errors: "${top.s.sample.slice(0, 160)}" (${times(top.s.count)}).`,
    statement: `Repeated error in ${top.pod}: "${top.s.sample.slice(0, 300)}" (${times(top.s.count)} in recent logs).${change?.note ? ` ${change.note}` : ' No stack trace points at the code.'}`,
    confidence: change ? 'medium' : 'low',
    fix: change?.dataFile
      ? `Correct ${change.dataFile} (see the commit above) and redeploy.`
      : `Follow the error "${top.s.message.slice(0, 120)}" to the component that emits it.`,
  };
};
