import { toolFor } from '../capabilities.js';
import { composeException, isDeliberateRejection } from '../compose.js';
import type { ServiceFacts } from '../facts.js';
import { noteGap } from '../gaps.js';
import { significantError } from '../health.js';
import type { LogSignature } from '../log-analysis.js';
import { quote } from '../quote.js';
import { lookUpSource } from '../source-lookup.js';
import { exitCodeMeaning } from './command.js';
import { correlateChange } from './recent-change.js';
import { libraryUpgradeFor, noteLibraryUpgrade, upgradeFix } from './library-upgrade.js';
import { POOL_EXHAUSTED, UNREACHABLE } from './signals.js';
import { poolLeakNote } from './connection-pool.js';
import { staleConfiguration } from './stale-config.js';
import { times, type Rule } from './verdict.js';

/** A client library's exception for a connection that is gone, whatever the reason. */
const CONNECTION_LOST =
  /\bConnection(?:Error|Exception|ClosedError|Closed)\b|\bconnection (?:to \S+ )?(?:is |was |has been )?(?:closed|lost)\b/i;

/**
 * The most frequent exception with an application frame, from current or previous logs. An
 * exception that only says a call failed (connection refused, no such host) is the dependency's
 * story, not a bug at this frame: the dependency rule follows it.
 */
export function topException(
  facts: ServiceFacts,
): { signature: LogSignature; pod: string; previous: boolean } | undefined {
  // A client's "connection closed" exception is the dependency's story too when the same logs say
  // the connection to it was refused or timed out (Redix, Lettuce, pika, …).
  const unreachable = facts.logs.some((l) =>
    l.analysis.signatures.some((s) => UNREACHABLE.test(`${s.type ?? ''} ${s.message} ${s.sample}`)),
  );
  return facts.logs
    .flatMap((l) =>
      l.analysis.signatures
        .filter(
          (s) =>
            s.kind === 'exception' &&
            s.appFrame &&
            (!UNREACHABLE.test(`${s.type} ${s.message}`) || POOL_EXHAUSTED.test(`${s.type} ${s.message}`)) &&
            !(unreachable && CONNECTION_LOST.test(`${s.type} ${s.message}`)),
        )
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
    detail: `${quote(`${signature.type}${signature.message ? `: ${signature.message}` : ''}`, 300)} — ${times(signature.count)}${signature.lastAt ? `, last at ${signature.lastAt}` : ''}${previous ? ' (previous container, before the crash)' : ''}`,
    ref: `pod/${pod}${frame ? ` ${frame.file}:${frame.line}` : ''}`,
  });
  if (frame && !toolFor('fileContents', ctx.tools.toolNames()))
    noteGap(
      ctx,
      `the source of ${frame.file}:${frame.line}`,
      'no GitHub tools in this run: no repository configured (GITHUB_REPOSITORY) or the GitHub server is down',
    );
  const source = frame ? await lookUpSource(ctx.tools, frame.file, frame.line) : null;
  if (source) {
    ctx.casebook.suspectFiles.push({
      path: source.path,
      line: source.line,
      url: source.url ? `${source.url}#L${source.line}` : undefined,
    });
    ctx.casebook.evidence.push({
      source: 'github',
      detail: `line ${source.line} of ${source.path}: ${quote(source.code, 240)}`,
      ref: `${source.path}:${source.line}`,
    });
  }
  // Raised inside a library that a recent commit upgraded: the upgrade, not the last edit of the
  // calling file, is what changed (the calling code ran fine against the old version).
  const upgrade = await libraryUpgradeFor(ctx, signature);
  if (upgrade) noteLibraryUpgrade(ctx, upgrade);
  const change =
    upgrade ??
    (await correlateChange(ctx, {
      text: `${signature.type ?? ''} ${signature.message}`,
      files: source ? [source.path] : [],
      // The guard counts only when the failing line rejects on purpose; otherwise it is just nearby code.
      focus: source
        ? [source.code, ...(source.condition && isDeliberateRejection(source.code) ? [source.condition] : [])]
        : [],
    }));
  const parts = composeException(facts.service, { signature, pod, source, change });
  const pool = POOL_EXHAUSTED.test(`${signature.type ?? ''} ${signature.message}`)
    ? poolLeakNote(signature.message, change, source?.path)
    : null;
  if (pool) {
    parts.rootCause.statement = `${pool.statement} ${parts.rootCause.statement}`;
    parts.suggestedFix = pool.fix;
  }
  const crash = facts.problems.find(
    (p) => p.pod === pod && /CrashLoopBackOff|Restarted|Error/.test(p.reason),
  );
  return {
    status: 'diagnosed',
    summary: crash ? `${parts.summary} The container crashes on it (${crash.reason}).` : parts.summary,
    statement: `${parts.rootCause.statement}${change?.note ? ` ${change.note}` : ''}`,
    confidence: parts.rootCause.confidence,
    fix: upgrade
      ? upgradeFix(
          upgrade,
          source ? `${source.path}:${source.line}` : frame ? `${frame.file}:${frame.line}` : undefined,
        )
      : parts.suggestedFix,
    rollback: true,
  };
};

/** A container that keeps crashing with no recognised cause: say what it last logged. */
export const crashRule: Rule = async (ctx, facts) => {
  const crash = facts.problems.find((p) =>
    /CrashLoopBackOff|Restarted|Error|RunContainerError/.test(p.reason),
  );
  if (!crash) return null;
  const last =
    facts.logs
      .filter((l) => l.pod === crash.pod && (!l.container || l.container === crash.container))
      .sort((a, b) => Number(b.previous) - Number(a.previous))
      .flatMap((l) => l.analysis.signatures.filter((s) => s.kind !== 'warning'))[0] ??
    lastWords(facts, crash);
  ctx.casebook.evidence.push({ source: 'kubernetes', detail: crash.detail, ref: `pod/${crash.pod}` });
  const container = facts.listing.pods
    .find((p) => p.name === crash.pod)
    ?.containers.find((c) => c.name === crash.container);
  const exitCode = container?.lastTermination?.exitCode ?? container?.exitCode;
  const meaning = exitCodeMeaning(exitCode);
  const upgrade = last && 'frames' in last ? await libraryUpgradeFor(ctx, last as LogSignature) : null;
  if (upgrade) noteLibraryUpgrade(ctx, upgrade);
  if (last)
    ctx.casebook.evidence.push({
      source: 'logs',
      detail: `${quote(last.sample, 280)} (${times(last.count)})`,
      ref: `pod/${crash.pod}`,
    });
  return {
    status: 'diagnosed',
    summary: `${facts.service} is crash-looping: ${quote(crash.detail, 200)}.`,
    statement: `Pod ${crash.pod}: ${quote(crash.detail, 240)}.${meaning ? ` Exit code ${exitCode}: ${meaning}.` : ''}${last ? ` Its last error: "${quote(last.sample, 200)}".` : ' It logged no error before exiting.'}${upgrade ? ` ${upgrade.note}` : ''}`,
    confidence: last ? 'medium' : 'low',
    fix: upgrade
      ? upgradeFix(upgrade)
      : `Fix the start-up failure${last ? ' named above' : ''}: read kubectl logs ${crash.pod}${crash.container ? ` -c ${crash.container}` : ''} --previous and the container's exit code.`,
    rollback: true,
  };
};

/**
 * A crashed container's last log line when none reads as an error by its level: a program that
 * exits on a fatal condition usually says why last (Redis prints `# Bad file format reading the
 * append only file` and exits).
 */
function lastWords(
  facts: Parameters<Rule>[1],
  crash: { pod: string; container?: string },
): { sample: string; count: number } | undefined {
  const log = facts.logs.find(
    (l) => l.pod === crash.pod && l.previous && (!l.container || l.container === crash.container),
  );
  const line = log?.text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .at(-1);
  return line ? { sample: line, count: 1 } : undefined;
}

/** Errors in the logs with no stack trace to follow. */
export const logErrorRule: Rule = async (ctx, facts) => {
  const errors = facts.logs.flatMap((l) =>
    l.analysis.signatures.filter((s) => significantError(s, l)).map((s) => ({ s, pod: l.pod })),
  );
  const top = errors.sort((a, b) => b.s.count - a.s.count)[0];
  if (!top) return null;
  ctx.casebook.evidence.push({
    source: 'logs',
    detail: `${quote(top.s.sample, 280)} (${times(top.s.count)})`,
    ref: `pod/${top.pod}`,
  });
  // An error with a stack or class that names a library a recent commit upgraded: the upgrade.
  const upgrade = top.s.frames.length || top.s.type ? await libraryUpgradeFor(ctx, top.s) : null;
  if (upgrade) noteLibraryUpgrade(ctx, upgrade);
  const change = upgrade ?? (await correlateChange(ctx, { text: top.s.message, files: [] }));
  const summary = `${facts.service} is logging errors: "${quote(top.s.sample, 160)}" (${times(top.s.count)}).`;
  const repeated = `Repeated error in ${top.pod}: "${quote(top.s.sample, 300)}" (${times(top.s.count)} in recent logs).`;
  // The error still names the value the linked change replaced: the pods never picked it up, so
  // the answer is a restart, not a rollback. Judged before the note, which quotes the new value.
  const stale = change
    ? staleConfiguration(
        { status: 'diagnosed', summary, statement: repeated, confidence: 'medium', fix: '', rollback: false },
        facts,
        change,
      )
    : null;
  if (stale && change && !upgrade) return { ...stale, statement: `${stale.statement} ${change.note}` };
  return {
    status: 'diagnosed',
    summary,
    statement: `${repeated}${change?.note ? ` ${change.note}` : ' No stack trace points at the code.'}`,
    confidence: change ? 'medium' : 'low',
    fix: upgrade
      ? upgradeFix(upgrade)
      : change?.dataFile
        ? `Correct ${change.dataFile} (see the commit above) and redeploy.`
        : `Follow the error "${quote(top.s.message, 120)}" to the component that emits it.`,
    rollback: Boolean(change),
  };
};
