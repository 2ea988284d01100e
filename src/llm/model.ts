import type Anthropic from '@anthropic-ai/sdk';

export type MessageParams = Anthropic.Messages.MessageCreateParamsNonStreaming;
export type ModelMessage = Anthropic.Messages.Message;

/** The loop's view of a model: one request, cancellable. Adapters (Anthropic, Bedrock) implement it. */
export interface ModelClient {
  /** `anthropic:<model>` or `bedrock:<model>`, as the report's `engine` field says. */
  readonly label: string;
  readonly model: string;
  create(params: Omit<MessageParams, 'model'>, signal: AbortSignal): Promise<ModelMessage>;
}

/**
 * The model could not be reached or kept refusing (no key, outage, overload, rate limit after the
 * SDK's retries). The run finishes with the offline engine and says why.
 */
export class ModelUnavailableError extends Error {
  override readonly name = 'ModelUnavailableError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
