/**
 * Guard: nothing printed carries a secret (DESIGN.md 5.5).
 *
 * Threat: a log line or a progress line on stderr — a model's note between tool calls, an MCP
 * server's last words before it crashed, an error message quoting a request — repeats a credential.
 * stderr ends up in CI logs, CloudWatch and terminals shared on screen.
 *
 * Every message and field goes through the run's secret memory (patterns, and every value masked
 * so far) before the logger writes it.
 */
import type { Logger } from '../util/log.js';
import type { SecretMemory } from './secret-memory.js';

/** `logger`, with every message and field redacted by `secrets` first. */
export function redactingLogger(logger: Logger, secrets: SecretMemory): Logger {
  const clean =
    (write: Logger['info']) =>
    (msg: string, fields?: Record<string, unknown>): void =>
      write(secrets.scrubDeep(msg), fields ? secrets.scrubDeep(fields) : undefined);
  return {
    debug: clean((m, f) => logger.debug(m, f)),
    info: clean((m, f) => logger.info(m, f)),
    warn: clean((m, f) => logger.warn(m, f)),
    error: clean((m, f) => logger.error(m, f)),
  };
}
