import Anthropic from '@anthropic-ai/sdk';
import type { Env } from '../../config/load.js';
import type { MessageParams, ModelClient, ModelMessage, RequestLimits } from '../model.js';
import { boundedCreate, DEFAULT_CALL_OPTIONS, type BoundedCallOptions } from './bounded-call.js';

export interface AnthropicModelOptions {
  env: Env;
  model: string;
  fetch?: typeof fetch;
  call?: Partial<Omit<BoundedCallOptions, 'provider'>>;
}

/** Claude through `@anthropic-ai/sdk`, honouring ANTHROPIC_BASE_URL from the given environment. */
export class AnthropicModel implements ModelClient {
  readonly label: string;
  readonly model: string;
  readonly provider = 'anthropic' as const;
  private readonly client: Anthropic;
  private readonly call: BoundedCallOptions;

  constructor(options: AnthropicModelOptions) {
    this.model = options.model;
    this.label = `anthropic:${options.model}`;
    this.call = { ...DEFAULT_CALL_OPTIONS, ...options.call, provider: 'anthropic' };
    this.client = new Anthropic({
      apiKey: options.env.ANTHROPIC_API_KEY ?? null,
      authToken: options.env.ANTHROPIC_AUTH_TOKEN ?? null,
      baseURL: options.env.ANTHROPIC_BASE_URL ?? undefined,
      // Each request sets its own timeout from the run's time left; retries are ours, bounded.
      timeout: this.call.requestCapMs,
      maxRetries: 0,
      ...(options.fetch ? { fetch: options.fetch } : {}),
    });
  }

  create(params: Omit<MessageParams, 'model'>, limits: RequestLimits): Promise<ModelMessage> {
    return boundedCreate(this.client, { ...params, model: this.model }, limits, this.call);
  }
}
