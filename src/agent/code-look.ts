import type { EngineContext } from '../llm/engine.js';
import { toolFor } from '../llm/offline/capabilities.js';
import type { ServiceFacts } from '../llm/offline/facts.js';
import { quote } from '../llm/offline/quote.js';
import { topException } from '../llm/offline/rules/application.js';
import { correlateChange } from '../llm/offline/rules/recent-change.js';
import { lookUpSource } from '../llm/offline/source-lookup.js';

/**
 * The code behind the service's most frequent application exception, as the host can find it
 * without the model: the repository file of the exception's own frame, the failing line (and the
 * condition guarding it), and the recent commit whose change explains it. These are the reads
 * every code investigation starts with (search by file name, read the lines, list and read the
 * commits); done by the host in the same memoising invoker, so neither engine pays for them twice.
 * Null when there is no such exception or no repository to read.
 */
export async function codeLook(ctx: EngineContext, facts: ServiceFacts): Promise<string | null> {
  const top = topException(facts);
  const frame = top?.signature.appFrame;
  if (!top || !frame || !toolFor('fileContents', ctx.tools.toolNames())) return null;
  const source = await lookUpSource(ctx.tools, frame.file, frame.line);
  if (!source) return null;
  const change = await correlateChange(ctx, {
    text: `${top.signature.type ?? ''} ${top.signature.message}`,
    files: [source.path],
    focus: [source.code, ...(source.condition ? [source.condition] : [])],
  });
  return [
    `Code at the exception's frame ${frame.file}:${frame.line} → ${source.path} line ${source.line}:`,
    ...(source.condition ? [`  guarded by: ${quote(source.condition, 200)}`] : []),
    `  ${source.line}: ${quote(source.code, 240)}`,
    change
      ? `Recent change: ${change.note}`
      : 'Recent change: no commit in the last two weeks changed this file or what the error names.',
  ].join('\n');
}
