/**
 * The Claude models this agent knows, in one place: ids and aliases, prices, limits, and the
 * request rules each one imposes. Sources (checked 2026-12-02): the model pages under
 * platform.claude.com/docs/en/models/<model>/overview, "What's new in Claude Sonnet 5.5"
 * (platform.claude.com/docs/en/models/sonnet-5-5/whats-new-sonnet-5-5) and the pricing page.
 */

/** `output_config.effort` levels this agent offers (the API has more: xhigh, max). */
export type Effort = 'low' | 'medium' | 'high';

/** Lifetimes a prompt-cache entry may be written with (`cache_control.ttl`). */
export const PROMPT_CACHE_TTLS = ['5m', '1h'] as const;
export type PromptCacheTtl = (typeof PROMPT_CACHE_TTLS)[number];

/** US dollars per million tokens. */
export interface ModelPrice {
  input: number;
  /** 5-minute cache write. */
  cacheWrite: number;
  /** 1-hour cache write. */
  cacheWrite1h: number;
  cacheRead: number;
  output: number;
}

/** What a request to this model may and may not carry. */
export interface ModelRules {
  /** Adaptive thinking (`thinking: {type: 'adaptive'}`) and `output_config.effort` are accepted. */
  adaptiveThinking: boolean;
  /** `tool_choice` `any` or `tool` is accepted (a 400 on the 5.5 generation). */
  forcedToolChoice: boolean;
  /** Non-default `temperature`, `top_p`, `top_k` are accepted. */
  samplingParameters: boolean;
  /** Prefixes shorter than this are silently not cached. */
  minCacheTokens: number;
}

export interface ModelInfo {
  id: string;
  name: string;
  price: ModelPrice;
  /** Prompts over this many tokens are billed at `longPrice` (Haiku 5.5). */
  longPromptAbove?: number;
  longPrice?: ModelPrice;
  contextWindow: number;
  maxOutput: number;
  rules: ModelRules;
  /** The API's own default effort, for the record. */
  defaultEffort?: 'low' | 'medium' | 'high';
  /** Set when the model is deprecated: the announced retirement date. */
  retires?: string;
}

const FIVE_FIVE_RULES: ModelRules = {
  adaptiveThinking: true,
  forcedToolChoice: false,
  samplingParameters: false,
  minCacheTokens: 512,
};

const MODELS: readonly ModelInfo[] = [
  {
    id: 'claude-sonnet-5-5',
    name: 'Claude Sonnet 5.5',
    // The cache read went from $0.20 to $0.10 on 2026-10-07.
    price: { input: 2, cacheWrite: 2.5, cacheWrite1h: 4, cacheRead: 0.1, output: 10 },
    contextWindow: 1_000_000,
    maxOutput: 128_000,
    rules: FIVE_FIVE_RULES,
    defaultEffort: 'high',
  },
  {
    id: 'claude-opus-5-5',
    name: 'Claude Opus 5.5',
    price: { input: 4, cacheWrite: 5, cacheWrite1h: 8, cacheRead: 0.2, output: 20 },
    contextWindow: 1_000_000,
    maxOutput: 128_000,
    rules: FIVE_FIVE_RULES,
    defaultEffort: 'medium',
  },
  {
    id: 'claude-haiku-5-5',
    name: 'Claude Haiku 5.5',
    price: { input: 0.1, cacheWrite: 0.125, cacheWrite1h: 0.2, cacheRead: 0.01, output: 0.5 },
    longPromptAbove: 100_000,
    longPrice: { input: 0.5, cacheWrite: 0.625, cacheWrite1h: 1, cacheRead: 0.05, output: 2.5 },
    contextWindow: 1_000_000,
    maxOutput: 128_000,
    rules: FIVE_FIVE_RULES,
    defaultEffort: 'medium',
  },
  {
    id: 'claude-sonnet-5',
    name: 'Claude Sonnet 5',
    price: { input: 2, cacheWrite: 2.5, cacheWrite1h: 4, cacheRead: 0.2, output: 10 },
    contextWindow: 1_000_000,
    maxOutput: 128_000,
    rules: {
      adaptiveThinking: true,
      forcedToolChoice: true,
      samplingParameters: false,
      minCacheTokens: 1024,
    },
    defaultEffort: 'high',
  },
  {
    id: 'claude-opus-5',
    name: 'Claude Opus 5',
    price: { input: 5, cacheWrite: 6.25, cacheWrite1h: 10, cacheRead: 0.5, output: 25 },
    contextWindow: 1_000_000,
    maxOutput: 128_000,
    rules: {
      adaptiveThinking: true,
      forcedToolChoice: true,
      samplingParameters: false,
      minCacheTokens: 1024,
    },
    defaultEffort: 'high',
  },
  {
    id: 'claude-haiku-4-5',
    name: 'Claude Haiku 4.5',
    price: { input: 1, cacheWrite: 1.25, cacheWrite1h: 2, cacheRead: 0.1, output: 5 },
    contextWindow: 200_000,
    maxOutput: 64_000,
    rules: {
      adaptiveThinking: false,
      forcedToolChoice: true,
      samplingParameters: true,
      minCacheTokens: 4096,
    },
  },
  {
    id: 'claude-opus-4-5',
    name: 'Claude Opus 4.5',
    price: { input: 5, cacheWrite: 6.25, cacheWrite1h: 10, cacheRead: 0.5, output: 25 },
    contextWindow: 200_000,
    maxOutput: 64_000,
    rules: {
      adaptiveThinking: false,
      forcedToolChoice: true,
      samplingParameters: true,
      minCacheTokens: 4096,
    },
    retires: '2027-01-22',
  },
];

/** Ids the API no longer serves (it answers 404), with the date they retired where known. */
const RETIRED: Readonly<Record<string, string>> = {
  'claude-sonnet-4-5': '2026-11-30',
  'claude-sonnet-4': 'retired',
  'claude-opus-4': 'retired',
  'claude-opus-4-1': 'retired',
  'claude-3-7-sonnet': 'retired',
  'claude-3-5-sonnet': 'retired',
  'claude-3-5-haiku': 'retired',
  'claude-3-opus': 'retired',
  'claude-3-haiku': 'retired',
  'claude-mythos-preview': '2026-06-30',
};

/** The default model: the current Sonnet. */
export const DEFAULT_MODEL_ID = 'claude-sonnet-5-5';

/** Current models, newest first, for messages that suggest one. */
export const CURRENT_MODEL_IDS = MODELS.filter((m) => !m.retires)
  .slice(0, 3)
  .map((m) => m.id);

/**
 * The canonical id of a model id in any of its spellings: dated (`claude-sonnet-5-5-20260928`),
 * Bedrock (`anthropic.claude-sonnet-5-5-v1:0`, with a `global.`/`us.`/`eu.`/`apac.`/`jp.`/`au.`
 * inference-profile prefix), Vertex (`claude-sonnet-5-5@20260928`) and `-latest` aliases.
 */
export function canonicalModelId(model: string): string {
  return model
    .trim()
    .toLowerCase()
    .replace(/^arn:aws[\w-]*:bedrock:[^/]*\/(?:[\w-]+\/)?/, '')
    .replace(/^(?:global|us|eu|apac|jp|au|ca|us-gov)\./, '')
    .replace(/^anthropic\./, '')
    .replace(/-v\d+(?::\d+)?$/, '')
    .replace(/@\d{8}$/, '')
    .replace(/-(?:\d{8}|latest)$/, '');
}

/** What is known of a model id, or undefined for an id this build does not know. */
export function modelInfo(model: string): ModelInfo | undefined {
  const id = canonicalModelId(model);
  return MODELS.find((m) => m.id === id);
}

/** The retirement date (or `retired`) of an id the API no longer serves. */
export function retiredModel(model: string): string | undefined {
  return RETIRED[canonicalModelId(model)];
}

/**
 * Rules for a model this build does not know: the strictest set (no forced tool choice, no
 * sampling parameters), so that a newer model works; thinking left to its own default.
 */
export const UNKNOWN_MODEL_RULES: ModelRules = {
  adaptiveThinking: false,
  forcedToolChoice: false,
  samplingParameters: false,
  minCacheTokens: 1024,
};

/**
 * The Bedrock id for a Claude API id: a known model without a Bedrock spelling gets the global
 * cross-region inference profile, which every commercial region offers; any other id (a regional
 * profile, an ARN, a dated `-v1:0` id) is passed through as written.
 */
export function bedrockModelId(model: string): string {
  if (/^(?:arn:|[a-z-]+\.anthropic\.|anthropic\.)/.test(model)) return model;
  return modelInfo(model) ? `global.anthropic.${canonicalModelId(model)}` : model;
}
