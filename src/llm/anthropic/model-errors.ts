import Anthropic from '@anthropic-ai/sdk';
import { CURRENT_MODEL_IDS, retiredModel } from '../models.js';
import { ModelUnavailableError, type ModelFailureKind } from '../model.js';

export interface FailureContext {
  model: string;
  provider: 'anthropic' | 'bedrock';
  attempts: number;
  timeoutMs: number;
}

const RETRYABLE: ReadonlySet<ModelFailureKind> = new Set([
  'rate-limited',
  'overloaded',
  'server-error',
  'connection',
]);

/** Worth another attempt, time allowing, unless the provider said otherwise (`x-should-retry`). */
export function isRetryable(error: ModelUnavailableError): boolean {
  return RETRYABLE.has(error.kind);
}

function kindOf(error: unknown): ModelFailureKind {
  if (error instanceof Anthropic.APIConnectionTimeoutError) return 'timeout';
  if (error instanceof Anthropic.APIConnectionError) return 'connection';
  // A 200 whose body does not parse.
  if (error instanceof SyntaxError) return 'unparsable';
  // Not an HTTP answer at all: the client failed before or while sending (credentials, a bug).
  if (!(error instanceof Anthropic.APIError)) return 'client';
  if (error.status === undefined) return 'unparsable';
  const status = error.status;
  const text = `${error.apiMessage ?? ''} ${error.message}`;
  if (status === 401) return 'authentication';
  if (status === 403) return 'permission';
  if (status === 404) return 'model-not-found';
  if (status === 413 || /prompt is too long|too many (?:input )?tokens|context (?:window|length)/i.test(text))
    return 'prompt-too-long';
  if (status === 429) return 'rate-limited';
  if (status === 529 || error.type === 'overloaded_error') return 'overloaded';
  if (status === 408 || status >= 500) return 'server-error';
  return 'invalid-request';
}

/** What to set, by provider, when the credentials are the problem. */
function credentialHint(provider: FailureContext['provider']): string {
  return provider === 'bedrock'
    ? 'check the AWS credentials (role, AWS_PROFILE or keys), AWS_REGION, and that the policy allows bedrock:InvokeModel on this model'
    : 'set a valid ANTHROPIC_API_KEY';
}

function describe(kind: ModelFailureKind, status: number | undefined, c: FailureContext): string {
  const http = status ? ` (HTTP ${status})` : '';
  const tries = c.attempts > 1 ? ` after ${c.attempts} attempts` : '';
  switch (kind) {
    case 'authentication':
      return `Claude rejected the credentials: authentication error${http}; ${credentialHint(c.provider)}`;
    case 'permission':
      return `Claude refused access to model ${c.model}: permission error${http}; ${credentialHint(c.provider)}`;
    case 'model-not-found': {
      const retired = retiredModel(c.model);
      const when = retired && retired !== 'retired' ? ` (retired on ${retired})` : '';
      return (
        `model ${c.model} is retired or unknown${when}; set --model / SRE_AGENT_MODEL ` +
        `(current: ${CURRENT_MODEL_IDS.join(', ')})`
      );
    }
    case 'prompt-too-long':
      return `the prompt grew past what model ${c.model} accepts: invalid request, prompt too long${http}`;
    case 'invalid-request':
      return `the API rejected a request as invalid${http}; the details are in the log and the audit log`;
    case 'rate-limited':
      return `Claude's rate limit was hit${http}${tries}`;
    case 'overloaded':
      return `Claude was overloaded${http}${tries}`;
    case 'server-error':
      return `Claude's API failed${http}${tries}`;
    case 'timeout':
      return `Claude did not answer within ${Math.round(c.timeoutMs / 1000)}s`;
    case 'connection':
      return `Claude's API could not be reached (connection error)${tries}`;
    case 'unparsable':
      return `Claude's API answered with something that is not a Messages response`;
    case 'client':
      return `the ${c.provider === 'bedrock' ? 'Bedrock' : 'Claude'} client failed before an answer came back; the details are in the log`;
    case 'out-of-time':
      return 'the time left for the model ran out before it finished';
  }
}

/** A provider or SDK failure as a typed error whose message is fit for a report. */
export function modelFailure(error: unknown, context: FailureContext): ModelUnavailableError {
  if (error instanceof ModelUnavailableError) return error;
  const kind = kindOf(error);
  const status = error instanceof Anthropic.APIError ? error.status : undefined;
  const detail = error instanceof Error ? error.message : String(error);
  return new ModelUnavailableError(kind, describe(kind, status, context), detail, { cause: error });
}

/** The wait the provider asked for before a retry, in ms, when it said (`retry-after-ms`, `retry-after`). */
export function retryAfterMs(error: unknown): number | undefined {
  const cause = error instanceof ModelUnavailableError ? error.cause : error;
  if (!(cause instanceof Anthropic.APIError) || !cause.headers) return undefined;
  const ms = Number(cause.headers.get('retry-after-ms'));
  if (Number.isFinite(ms) && ms > 0) return ms;
  const header = cause.headers.get('retry-after');
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isFinite(date) ? Math.max(0, date - Date.now()) : undefined;
}

/** False when the provider said `x-should-retry: false`, true when it said `true`, else undefined. */
export function shouldRetryHeader(error: unknown): boolean | undefined {
  const cause = error instanceof ModelUnavailableError ? error.cause : error;
  if (!(cause instanceof Anthropic.APIError) || !cause.headers) return undefined;
  const value = cause.headers.get('x-should-retry');
  return value === 'true' ? true : value === 'false' ? false : undefined;
}
