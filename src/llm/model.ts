import type Anthropic from '@anthropic-ai/sdk';

export type MessageParams = Anthropic.Messages.MessageCreateParamsNonStreaming;
export type ModelMessage = Anthropic.Messages.Message;

/** How long one request may take, and until when the model phase may keep trying. */
export interface RequestLimits {
  signal: AbortSignal;
  /** Epoch ms after which no request, and no retry, may still be running. */
  deadlineAt: number;
}

/** The loop's view of a model: one request, cancellable, bounded. Adapters (Anthropic, Bedrock) implement it. */
export interface ModelClient {
  /** `anthropic:<model>` or `bedrock:<model>`, as the report's `engine` field says. */
  readonly label: string;
  /** The id sent to the provider (a Bedrock id on Bedrock). */
  readonly model: string;
  /** Which provider, for messages that say what to set. */
  readonly provider: 'anthropic' | 'bedrock';
  create(params: Omit<MessageParams, 'model'>, limits: RequestLimits): Promise<ModelMessage>;
}

/** Every way a model call can fail, in words an on-call engineer can act on. */
export type ModelFailureKind =
  | 'authentication'
  | 'permission'
  | 'model-not-found'
  | 'prompt-too-long'
  | 'invalid-request'
  | 'rate-limited'
  | 'overloaded'
  | 'server-error'
  | 'timeout'
  | 'connection'
  | 'unparsable'
  | 'client'
  | 'out-of-time';

/**
 * The model could not give this run an answer (bad credentials, retired model, invalid request,
 * outage, overload, rate limit, timeout, garbage). The run finishes with the offline engine and
 * says why in `message`, which never carries the provider's raw error body; `detail` keeps that
 * for the logs and the audit trail.
 */
export class ModelUnavailableError extends Error {
  override readonly name = 'ModelUnavailableError';
  constructor(
    readonly kind: ModelFailureKind,
    message: string,
    readonly detail?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** A configuration problem the user must fix (as opposed to an outage that passes). */
  get isConfiguration(): boolean {
    return this.kind === 'authentication' || this.kind === 'permission' || this.kind === 'model-not-found';
  }
}
