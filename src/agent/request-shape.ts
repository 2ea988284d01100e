import type Anthropic from '@anthropic-ai/sdk';
import { modelInfo, UNKNOWN_MODEL_RULES, type Effort, type ModelRules } from '../llm/models.js';

export type { Effort } from '../llm/models.js';

/** The per-model parts of every request: output room, thinking and effort. Never sampling parameters. */
export interface RequestShape {
  max_tokens: number;
  thinking?: Anthropic.Messages.ThinkingConfigParam;
  output_config?: Anthropic.Messages.OutputConfig;
}

/**
 * Output room for one turn. With adaptive thinking the model reasons before each tool call, and the
 * thinking counts against `max_tokens`: a turn that runs out is cut off (`max_tokens`) with its tool
 * calls unusable, so leave room for a long think plus the largest `submit_diagnosis`.
 */
const THINKING_MAX_TOKENS = 32_000;
const PLAIN_MAX_TOKENS = 8_192;

export function rulesFor(model: string): ModelRules {
  return modelInfo(model)?.rules ?? UNKNOWN_MODEL_RULES;
}

/**
 * How to ask this model. Models with adaptive thinking get `output_config.effort` and
 * `thinking: {type: 'adaptive', display: 'summarized'}` (the default display omits the text, and
 * the model's notes between tool calls arrive in thinking blocks: summarized lets progress show
 * them). Never `thinking: disabled|enabled` nor temperature/top_p/top_k: the 5.5 models answer
 * those with a 400. An unknown model gets neither thinking nor effort, so it runs on its defaults.
 */
export function requestShape(model: string, effort: Effort): RequestShape {
  const info = modelInfo(model);
  const rules = rulesFor(model);
  if (!rules.adaptiveThinking)
    return { max_tokens: Math.min(PLAIN_MAX_TOKENS, info?.maxOutput ?? PLAIN_MAX_TOKENS) };
  return {
    max_tokens: Math.min(THINKING_MAX_TOKENS, info?.maxOutput ?? THINKING_MAX_TOKENS),
    thinking: { type: 'adaptive', display: 'summarized' },
    output_config: { effort },
  };
}
