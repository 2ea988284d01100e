import type { Findings } from '../../report/schema.js';
import type { LogSignature } from './log-analysis.js';
import { quote } from './quote.js';
import type { ChangeLink } from './rules/recent-change.js';
import type { SourceHit } from './source-lookup.js';

export interface ExceptionCase {
  signature: LogSignature;
  pod: string;
  source: SourceHit | null;
  change: ChangeLink | null;
}

function exceptionTitle(s: LogSignature): string {
  return s.message ? `${s.type}: ${s.message}` : (s.type ?? 'exception');
}

function shortFunction(name: string | undefined): string | undefined {
  if (!name) return undefined;
  const parts = name.split('.');
  return parts.slice(-2).join('.');
}

function times(count: number): string {
  return count === 1 ? 'once' : `${count} times`;
}

/** A line that rejects on purpose: a throw, a raise, a panic, an error returned or an abort. */
export function isDeliberateRejection(code: string): boolean {
  return /\b(throw|raise|panic|abort|reject|return\s+(?:nil,\s*)?(?:err|errors\.|fmt\.Errorf|status\.Error|new\s+\w*Error)|log\.Fatal|sys\.exit|process\.exit)\b/.test(
    code,
  );
}

/** Whether the change wrote this line (or its guard): then the check itself is the new behaviour. */
function changeWrote(change: ChangeLink | null, ...code: (string | undefined)[]): boolean {
  const wanted = code.map((c) => c?.trim() ?? '').filter((c) => c.length >= 6);
  return Boolean(change?.lines.some((l) => l.startsWith('+') && wanted.some((c) => l.includes(c))));
}

/** Findings for an application exception followed to its source line. */
export function composeException(
  service: string,
  c: ExceptionCase,
): Pick<Findings, 'summary' | 'rootCause' | 'suggestedFix'> {
  const s = c.signature;
  const frame = s.appFrame;
  const where = c.source
    ? `${c.source.path}:${c.source.line}`
    : frame
      ? `${frame.file}:${frame.line}`
      : 'an unknown location';
  const fn = shortFunction(frame?.function);
  // A condition is the guard of the failing line only when that line rejects deliberately.
  const guard =
    c.source?.condition && c.source.condition !== c.source.code && isDeliberateRejection(c.source.code)
      ? c.source.condition
      : undefined;
  const touched = Boolean(c.source && c.change?.files.includes(c.source.path));
  const statement = [
    `\`${quote(exceptionTitle(s), 240)}\` is thrown${fn ? ` in ${fn}` : ''} at ${where}`,
    c.source?.code.trim()
      ? ` — the failing line is \`${quote(c.source.code, 160)}\`${guard ? `, guarded by \`${quote(guard, 160)}\`` : ''}`
      : '',
    `. It occurred ${times(s.count)} in the recent logs of ${c.pod}`,
    '.',
  ].join('');
  const summary = `${service} is failing requests with ${s.type ?? 'an exception'}${s.message ? ` ("${quote(s.message, 160)}")` : ''} from ${
    c.source ? c.source.path.split('/').at(-1) : (frame?.file.split('/').at(-1) ?? 'its code')
  }${fn ? ` (${fn})` : ''}, ${times(s.count)} in recent logs.`;
  return {
    summary,
    rootCause: { statement, confidence: c.source ? 'high' : 'medium' },
    suggestedFix: permanentFix(c, guard, touched),
  };
}

/** The lasting fix: correct the data, the new check, or the code, whichever the evidence blames. */
function permanentFix(c: ExceptionCase, guard: string | undefined, touched: boolean): string {
  const { source, change } = c;
  const frame = c.signature.appFrame;
  if (!source) {
    return `Find where ${c.signature.type} is raised${frame ? ` (${frame.file}:${frame.line} in the container)` : ''} and handle or prevent it; the repository file could not be located automatically.`;
  }
  const commit = change ? change.commit.sha.slice(0, 7) : undefined;
  if (change?.dataFile && change.dataFile !== source.path) {
    // The bad input comes from the data the change altered: fix the data first.
    const restore = `Restore the data ${commit} changed in ${change.dataFile} (the entry the error names)`;
    return guard || isDeliberateRejection(source.code)
      ? `${restore} and keep the check at ${source.path}:${source.line}${guard ? ` (\`${quote(guard, 120)}\`)` : ''}: it rejects bad input on purpose. Validate ${change.dataFile} in CI so a bad entry cannot ship again.`
      : `${restore}; then make ${source.path}:${source.line} (\`${quote(source.code, 100)}\`) fail clearly on a missing entry instead of crashing, and validate ${change.dataFile} in CI.`;
  }
  if (guard && changeWrote(change, guard, source.code)) {
    return `Correct the new check at ${source.path}:${source.line}: \`${quote(guard, 120)}\` (added in ${commit}) rejects requests that used to succeed — fix its condition, or revert it if the rule was not intended. Add a test with the rejected input.`;
  }
  if (guard) {
    return `The check at ${source.path}:${source.line} (\`${quote(guard, 120)}\`) rejects these requests on purpose: keep it, and find where the bad input comes from (the caller or the data it reads)${touched ? `; ${commit} last changed this file` : ''}.`;
  }
  return [
    `Fix the code at ${source.path}:${source.line} so that \`${quote(source.code, 120)}\` handles the input that fails (guard the missing value or the unknown key)`,
    touched && commit ? `; it was introduced or last touched by ${commit}` : '',
    '. Add a test with the failing input before redeploying.',
  ].join('');
}
