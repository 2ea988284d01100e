import Anthropic from '@anthropic-ai/sdk';
import {
  ModelUnavailableError,
  type MessageParams,
  type ModelMessage,
  type RequestLimits,
} from '../model.js';
import { isRetryable, modelFailure, retryAfterMs, shouldRetryHeader } from './model-errors.js';

/** The part of an SDK client the loop uses; `Anthropic` and `AnthropicBedrock` both have it. */
export interface MessagesApi {
  messages: {
    create(
      body: MessageParams,
      options: { signal: AbortSignal; timeout: number; maxRetries: number },
    ): PromiseLike<ModelMessage>;
  };
}

export interface BoundedCallOptions {
  provider: 'anthropic' | 'bedrock';
  /** No single request waits longer than this, however much time is left. */
  requestCapMs: number;
  /** Attempts per request, the first included. */
  maxAttempts: number;
  /** Waits between attempts; the provider's Retry-After wins when it fits in the time left. */
  backoffMs: (attempt: number) => number;
}

export const DEFAULT_CALL_OPTIONS: Omit<BoundedCallOptions, 'provider'> = {
  requestCapMs: 120_000,
  maxAttempts: 3,
  backoffMs: (attempt) => 500 * 2 ** (attempt - 1),
};

const MIN_USEFUL_REQUEST_MS = 1_000;

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason as Error);
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(signal.reason as Error);
      },
      { once: true },
    );
  });

/** A 200 whose body is not a Messages response (a proxy's HTML page, a truncated body). */
function checkShape(message: unknown): ModelMessage {
  const m = message as Partial<ModelMessage> | null;
  if (!m || typeof m !== 'object' || !Array.isArray(m.content) || !m.usage || typeof m.usage !== 'object') {
    throw new ModelUnavailableError(
      'unparsable',
      "Claude's API answered with something that is not a Messages response",
    );
  }
  return m as ModelMessage;
}

/**
 * One Messages request under the run's limits: the SDK's own retries are off (they honour any
 * Retry-After without a cap); instead each attempt gets min(cap, time left) and a retry happens
 * only when its wait fits before `deadlineAt`. The run's abort is rethrown as it is; every other
 * failure becomes a ModelUnavailableError that says what happened in words.
 */
export async function boundedCreate(
  client: MessagesApi,
  body: MessageParams,
  limits: RequestLimits,
  options: BoundedCallOptions,
): Promise<ModelMessage> {
  for (let attempt = 1; ; attempt++) {
    const left = limits.deadlineAt - Date.now();
    if (left < MIN_USEFUL_REQUEST_MS) {
      throw new ModelUnavailableError(
        'out-of-time',
        'the time left for the model ran out before it finished',
      );
    }
    const timeoutMs = Math.min(options.requestCapMs, left);
    const signal = AbortSignal.any([limits.signal, AbortSignal.timeout(timeoutMs)]);
    try {
      return checkShape(await client.messages.create(body, { signal, timeout: timeoutMs, maxRetries: 0 }));
    } catch (error) {
      if (limits.signal.aborted) throw error;
      const timedOut = error instanceof Anthropic.APIUserAbortError && signal.aborted;
      const failure = timedOut
        ? new ModelUnavailableError(
            'timeout',
            `Claude did not answer within ${Math.round(timeoutMs / 1000)}s`,
            undefined,
            { cause: error },
          )
        : modelFailure(error, {
            model: body.model,
            provider: options.provider,
            attempts: attempt,
            timeoutMs,
          });
      const retry = shouldRetryHeader(error) ?? isRetryable(failure);
      if (!retry || attempt >= options.maxAttempts) throw failure;
      const wait = retryAfterMs(error) ?? options.backoffMs(attempt);
      if (Date.now() + wait + MIN_USEFUL_REQUEST_MS > limits.deadlineAt) throw failure;
      await sleep(wait, limits.signal);
    }
  }
}
