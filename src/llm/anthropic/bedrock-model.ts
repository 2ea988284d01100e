import type { Env } from '../../config/load.js';
import { bedrockModelId } from '../models.js';
import type { MessageParams, ModelClient, ModelMessage, RequestLimits } from '../model.js';
import {
  boundedCreate,
  DEFAULT_CALL_OPTIONS,
  type BoundedCallOptions,
  type MessagesApi,
} from './bounded-call.js';

export interface BedrockModelOptions {
  env: Env;
  /** A Claude API id (mapped to the global inference profile) or any Bedrock id, profile or ARN. */
  model: string;
  call?: Partial<Omit<BoundedCallOptions, 'provider'>>;
}

/**
 * Claude on Amazon Bedrock through `@anthropic-ai/bedrock-sdk`: the same Messages surface, sent to
 * `/model/{id}/invoke` with SigV4 from the standard AWS credential chain (a Lambda's role, a pod's
 * IRSA or Pod Identity, AWS_PROFILE, keys) and AWS_REGION. The SDK and the AWS packages behind it
 * are loaded only when a run uses Bedrock.
 */
export class BedrockModel implements ModelClient {
  readonly label: string;
  readonly model: string;
  readonly provider = 'bedrock' as const;
  private readonly call: BoundedCallOptions;
  private client: Promise<MessagesApi> | undefined;

  constructor(private readonly options: BedrockModelOptions) {
    this.model = bedrockModelId(options.model);
    this.label = `bedrock:${this.model}`;
    this.call = { ...DEFAULT_CALL_OPTIONS, ...options.call, provider: 'bedrock' };
  }

  private async sdk(): Promise<MessagesApi> {
    const [{ AnthropicBedrock }, { createCredentialChain, fromEnv, fromNodeProviderChain }] =
      await Promise.all([import('@anthropic-ai/bedrock-sdk'), import('@aws-sdk/credential-providers')]);
    const env = this.options.env;
    return new AnthropicBedrock({
      awsRegion: env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1',
      baseURL: env.ANTHROPIC_BEDROCK_BASE_URL ?? undefined,
      timeout: this.call.requestCapMs,
      maxRetries: 0,
      // The standard chain (keys in the environment first, then profiles, SSO, web identity, the
      // container or instance role), imported here as ESM: the SDK's own lazy require() of the
      // same package does not survive bundling (the CLI bundle, the Lambda zip).
      // The node chain is built only when the environment has no keys (a Lambda's role is in them).
      providerChainResolver: () =>
        Promise.resolve(createCredentialChain(fromEnv(), (options) => fromNodeProviderChain()(options))),
    }) as unknown as MessagesApi;
  }

  create(params: Omit<MessageParams, 'model'>, limits: RequestLimits): Promise<ModelMessage> {
    this.client ??= this.sdk();
    return this.client.then((client) =>
      boundedCreate(client, { ...params, model: this.model }, limits, this.call),
    );
  }
}
