import Anthropic from '@anthropic-ai/sdk';
import type { Env } from '../../config/load.js';
import { ModelUnavailableError, type MessageParams, type ModelClient, type ModelMessage } from '../model.js';

export interface AnthropicModelOptions {
  env: Env;
  model: string;
  /** Per request; the SDK refuses large non-streaming requests without an explicit timeout. */
  timeoutMs?: number;
  maxRetries?: number;
  fetch?: typeof fetch;
}

/** Claude through `@anthropic-ai/sdk`, honouring ANTHROPIC_BASE_URL from the given environment. */
export class AnthropicModel implements ModelClient {
  readonly label: string;
  readonly model: string;
  private readonly client: Anthropic;

  constructor(options: AnthropicModelOptions) {
    this.model = options.model;
    this.label = `anthropic:${options.model}`;
    this.client = new Anthropic({
      apiKey: options.env.ANTHROPIC_API_KEY ?? null,
      authToken: options.env.ANTHROPIC_AUTH_TOKEN ?? null,
      baseURL: options.env.ANTHROPIC_BASE_URL ?? undefined,
      timeout: options.timeoutMs ?? 120_000,
      maxRetries: options.maxRetries ?? 2,
      ...(options.fetch ? { fetch: options.fetch } : {}),
    });
  }

  async create(params: Omit<MessageParams, 'model'>, signal: AbortSignal): Promise<ModelMessage> {
    try {
      return await this.client.messages.create({ ...params, model: this.model }, { signal });
    } catch (error) {
      if (error instanceof Anthropic.APIUserAbortError) throw error;
      // After the SDK's own retries, these mean "no model for this run": fall back, don't fail.
      if (
        error instanceof Anthropic.APIConnectionError ||
        error instanceof Anthropic.RateLimitError ||
        error instanceof Anthropic.InternalServerError ||
        error instanceof Anthropic.AuthenticationError ||
        error instanceof Anthropic.PermissionDeniedError ||
        error instanceof Anthropic.NotFoundError ||
        (error instanceof Anthropic.APIError && (error.status === 529 || error.status === 408))
      ) {
        const status = error instanceof Anthropic.APIError && error.status ? ` (HTTP ${error.status})` : '';
        throw new ModelUnavailableError(`Claude unavailable${status}: ${error.message}`, { cause: error });
      }
      throw error;
    }
  }
}
