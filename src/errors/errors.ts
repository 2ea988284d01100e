/** Exit codes of DESIGN.md 4.5. */
export const ExitCode = {
  ok: 0,
  unexpected: 1,
  usage: 2,
  deadline: 3,
} as const;

export type ErrorCode = 'usage' | 'config' | 'scenario' | 'unexpected';

/**
 * A program failure with a code and a cause. Triggers map it to an exit code or HTTP status;
 * nothing below `triggers/` decides how a process ends.
 */
export class SreAgentError extends Error {
  override readonly name: string = 'SreAgentError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Bad usage or configuration: exit 2; the message names the flag, variable, file or field. */
export class UsageError extends SreAgentError {
  override readonly name = 'UsageError';
  constructor(message: string, options?: { cause?: unknown }) {
    super('usage', message, options);
  }
}

/** A scenario directory that does not follow DESIGN.md 4.6: exit 2, naming the file and field. */
export class ScenarioError extends SreAgentError {
  override readonly name = 'ScenarioError';
  constructor(
    readonly file: string,
    readonly field: string | undefined,
    problem: string,
    options?: { cause?: unknown },
  ) {
    super('scenario', `${file}${field ? `: ${field}` : ''}: ${problem}`, options);
  }
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
