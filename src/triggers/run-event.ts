import { readFile } from 'node:fs/promises';
import type { DiagnoseFlags, Env } from '../config/load.js';
import { ExitCode, UsageError, errorMessage } from '../errors/errors.js';
import type { Report } from '../report/schema.js';
import { renderJson } from '../report/render-json.js';
import { renderMarkdown } from '../report/render-markdown.js';
import { renderText } from '../report/render-text.js';
import type { Logger } from '../util/log.js';
import type { Output } from './output.js';
import { handleTriggerEvent } from './run-event-core.js';

export interface RunEventOptions extends Omit<Partial<DiagnoseFlags>, 'service' | 'namespace'> {
  file?: string;
}

export interface RunEventDeps {
  env: Env;
  output: Output;
  logger: Logger;
  /** Reads standard input to its end; absent or a TTY means there is none. */
  readStdin?: () => Promise<string | undefined>;
  signal?: AbortSignal;
}

/** The event from `--file`, else `SRE_TRIGGER_JSON`, else standard input. */
async function readEventText(
  options: RunEventOptions,
  deps: RunEventDeps,
): Promise<{ text: string; from: string }> {
  if (options.file) {
    try {
      return { text: await readFile(options.file, 'utf8'), from: options.file };
    } catch (error) {
      throw new UsageError(`--file ${options.file}: cannot be read (${errorMessage(error)})`);
    }
  }
  if (deps.env.SRE_TRIGGER_JSON?.trim()) return { text: deps.env.SRE_TRIGGER_JSON, from: 'SRE_TRIGGER_JSON' };
  const stdin = await deps.readStdin?.();
  if (stdin?.trim()) return { text: stdin, from: 'standard input' };
  throw new UsageError(
    'run-event: no event; give --file <event.json>, pipe it on standard input, or set SRE_TRIGGER_JSON',
  );
}

function render(report: Report, format: string | undefined, output: Output): string {
  if (format === 'json') return renderJson(report);
  if (format === 'markdown') return renderMarkdown(report);
  return renderText(report, { color: output.stdoutIsTty });
}

/**
 * `sre-agent run-event`: one trigger event (a CloudWatch alarm in any of its shapes, a Logs batch,
 * or `{service}`) through the same normaliser and core as the Lambda handler. Exit codes: 0 a
 * report, or an event that asks for nothing (`OK`, a duplicate); 2 an unreadable or unknown event
 * or bad configuration; 1 a failure; 3 the deadline.
 */
export async function runEvent(options: RunEventOptions, deps: RunEventDeps): Promise<number> {
  const { text, from } = await readEventText(options, deps);
  let event: unknown;
  try {
    event = JSON.parse(text);
  } catch (error) {
    deps.logger.warn(`event ignored: ${from} is not JSON (${errorMessage(error)})`, { kind: 'malformed' });
    return ExitCode.usage;
  }
  const { file: _file, ...flags } = options;
  const outcome = await handleTriggerEvent(event, {
    env: deps.env,
    logger: deps.logger,
    source: 'job',
    flags,
    holder: deps.env.HOSTNAME ?? 'sre-agent-run-event',
    signal: deps.signal,
  });
  switch (outcome.status) {
    case 'ignored':
      return outcome.kind === 'not-actionable' ? ExitCode.ok : ExitCode.usage;
    case 'duplicate':
      return ExitCode.ok;
    case 'failed':
      if (outcome.usage) deps.output.stderr(`sre-agent: ${outcome.error}`);
      return outcome.usage ? ExitCode.usage : ExitCode.unexpected;
    case 'reported':
      deps.output.stdout(render(outcome.report, options.output, deps.output));
      if (outcome.report.status === 'failed') return ExitCode.unexpected;
      return outcome.deadlineHit ? ExitCode.deadline : ExitCode.ok;
  }
}
