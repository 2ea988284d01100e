import { ExitCode, SreAgentError, errorMessage } from '../errors/errors.js';
import type { Logger } from '../util/log.js';
import type { Output } from './output.js';

/**
 * The one line and exit code for an error that ended a command (DESIGN.md 4.5): bad usage or
 * configuration exits 2 with the message, anything else exits 1 as an unexpected failure.
 */
export function failureExit(error: unknown, output: Output, logger: Logger): number {
  if (error instanceof SreAgentError && error.code !== 'unexpected') {
    output.stderr(`sre-agent: ${error.message}`);
    return ExitCode.usage;
  }
  output.stderr(`sre-agent: unexpected failure: ${errorMessage(error)}`);
  logger.debug('unexpected failure', { stack: error instanceof Error ? error.stack : undefined });
  return ExitCode.unexpected;
}
