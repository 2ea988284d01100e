import type { RunEvent, RunEventSink } from '../agent/run-events.js';
import type { Logger } from '../util/log.js';
import type { Output } from './output.js';

const paint = (on: boolean, code: number, s: string) => (on ? `\u001b[${code}m${s}\u001b[0m` : s);

/**
 * Live progress on stderr while a diagnosis runs: each tool call with its duration, each model
 * turn, each refusal. A terminal gets short coloured lines; anything else gets JSON log lines.
 */
export function progressPrinter(output: Output, logger: Logger): RunEventSink {
  const tty = output.stderrIsTty;
  return (event: RunEvent) => {
    if (!tty) {
      logJson(event, logger);
      return;
    }
    if (event.type === 'tool_call') {
      const mark = event.ok ? paint(true, 32, '✓') : paint(true, 31, '✗');
      const cached = event.cached ? paint(true, 2, ' (cached)') : '';
      output.stderr(
        `  ${mark} ${event.server}.${event.tool} ${paint(true, 2, `${event.durationMs}ms`)}${cached}${event.error ? ` ${event.error}` : ''}`,
      );
    } else if (event.type === 'model_request') {
      output.stderr(
        paint(
          true,
          36,
          `  ◆ turn ${event.turn} ${event.stopReason ?? ''} ${event.durationMs}ms · ${event.inputTokens + event.cacheReadTokens + event.cacheWriteTokens} in (${event.cacheReadTokens} cached) · ${event.outputTokens} out`,
        ),
      );
    } else if (event.type === 'model_note') {
      output.stderr(paint(true, 2, `    ${event.text}`));
    } else if (event.type === 'refusal') {
      output.stderr(paint(true, 33, `  ⚠ refused by ${event.guard}: ${event.reason}`));
    } else if (event.type === 'fallback') {
      output.stderr(paint(true, 33, `  ⚠ falling back to ${event.to}: ${event.reason}`));
    } else if (event.type === 'server_failed') {
      output.stderr(paint(true, 31, `  ✗ MCP server ${event.server} failed: ${event.error}`));
    } else if (event.type === 'report_posted') {
      output.stderr(
        event.posted
          ? `  → posted to ${event.channel}`
          : paint(true, 33, `  → not posted: ${event.error ?? ''}`),
      );
    }
  };
}

function logJson(event: RunEvent, logger: Logger): void {
  if (event.type === 'tool_call') {
    logger.info(
      `${event.server}.${event.tool} ${event.ok ? 'ok' : 'failed'} in ${event.durationMs}ms${event.cached ? ' (cached)' : ''}`,
      {
        bytes: event.bytes,
        ...(event.error ? { error: event.error } : {}),
      },
    );
  } else if (event.type === 'refusal') {
    logger.warn(`refused by ${event.guard}: ${event.reason}`, { target: event.target });
  } else if (event.type === 'model_request') {
    logger.info(`model turn ${event.turn}: ${event.stopReason ?? '?'} in ${event.durationMs}ms`, {
      input: event.inputTokens,
      cacheRead: event.cacheReadTokens,
      cacheWrite: event.cacheWriteTokens,
      output: event.outputTokens,
    });
  } else if (event.type === 'model_note') {
    logger.info(`model: ${event.text}`, { turn: event.turn });
  } else if (event.type === 'fallback') {
    logger.warn(`falling back from ${event.from} to ${event.to}: ${event.reason}`);
  } else if (event.type === 'server_failed') {
    logger.warn(`MCP server ${event.server} failed: ${event.error}`);
  }
}
