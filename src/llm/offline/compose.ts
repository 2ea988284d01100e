import type { Findings } from '../../report/schema.js';
import type { LogSignature } from './log-analysis.js';
import type { SourceHit } from './source-lookup.js';
import type { CommitInfo } from './tool-data.js';

export interface ExceptionCase {
  signature: LogSignature;
  pod: string;
  source: SourceHit | null;
  commit: CommitInfo | null;
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
  const statement = [
    `\`${exceptionTitle(s)}\` is thrown${fn ? ` in ${fn}` : ''} at ${where}`,
    c.source
      ? ` — the failing line is \`${c.source.code}\`${c.source.condition && c.source.condition !== c.source.code ? `, guarded by \`${c.source.condition}\`` : ''}`
      : '',
    `. It occurred ${times(s.count)} in the recent logs of ${c.pod}`,
    c.commit
      ? `; the file was last changed by ${c.commit.sha.slice(0, 7)} "${c.commit.message ?? ''}"${c.commit.author ? ` (${c.commit.author})` : ''}`
      : '',
    '.',
  ].join('');
  const summary = `${service} is failing requests with ${s.type ?? 'an exception'}${s.message ? ` ("${s.message.slice(0, 160)}")` : ''} from ${
    c.source ? c.source.path.split('/').at(-1) : (frame?.file.split('/').at(-1) ?? 'its code')
  }${fn ? ` (${fn})` : ''}, ${times(s.count)} in recent logs.`;
  const fix = c.source
    ? [
        `Fix the code at ${c.source.path}:${c.source.line}`,
        c.source.condition
          ? `: the condition \`${c.source.condition}\` makes \`${c.source.code}\` reject these requests — correct or remove it`
          : '',
        c.commit
          ? `. It was introduced or last touched by ${c.commit.sha.slice(0, 7)}; reverting that commit is the fastest mitigation`
          : '',
        '. Add a test for the failing input before redeploying.',
      ].join('')
    : `Find where ${s.type} is raised${frame ? ` (${frame.file}:${frame.line} in the container)` : ''} and handle or prevent it; the repository file could not be located automatically.`;
  return {
    summary,
    rootCause: { statement, confidence: c.source ? 'high' : 'medium' },
    suggestedFix: fix,
  };
}
