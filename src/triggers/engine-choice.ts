import type { Settings } from '../config/load.js';
import { UsageError } from '../errors/errors.js';
import { ClaudeEngine } from '../agent/claude-engine.js';
import type { Engine } from '../llm/engine.js';
import type { ModelClient } from '../llm/model.js';
import { CURRENT_MODEL_IDS, modelInfo, retiredModel } from '../llm/models.js';
import { OfflineEngine } from '../llm/offline/engine.js';
import type { Logger } from '../util/log.js';

/**
 * `--llm auto` uses Claude when a key (or a base URL, for a gateway) is present, otherwise the
 * offline engine, and says so; `bedrock` (flag, SRE_AGENT_LLM or config) uses Claude on Amazon
 * Bedrock with the AWS credential chain. A Claude run always has the offline engine behind it.
 * The model clients (and the Anthropic SDK under them) load only for a Claude run: an offline
 * run does not pay for parsing them.
 */
export async function chooseEngines(
  settings: Settings,
  logger: Logger,
): Promise<{ engine: Engine; fallback?: Engine }> {
  const offline = new OfflineEngine();
  const env = settings.env;
  const hasAnthropic = Boolean(env.ANTHROPIC_API_KEY || env.ANTHROPIC_AUTH_TOKEN || env.ANTHROPIC_BASE_URL);
  if (settings.llm === 'offline' || (settings.llm === 'auto' && !hasAnthropic)) {
    if (settings.llm === 'auto') logger.info('no ANTHROPIC_API_KEY: using the offline rule-based engine');
    return { engine: offline };
  }
  if (settings.llm === 'anthropic' && !hasAnthropic)
    throw new UsageError('--llm anthropic: set ANTHROPIC_API_KEY (or ANTHROPIC_BASE_URL for a gateway)');
  warnAboutModel(settings.model, logger);
  let model: ModelClient;
  if (settings.llm === 'bedrock') {
    const { BedrockModel } = await import('../llm/anthropic/bedrock-model.js');
    model = new BedrockModel({ env, model: settings.model });
  } else {
    const withKey =
      env.ANTHROPIC_API_KEY || env.ANTHROPIC_AUTH_TOKEN ? env : { ...env, ANTHROPIC_API_KEY: 'none' };
    const { AnthropicModel } = await import('../llm/anthropic/anthropic-model.js');
    model = new AnthropicModel({ env: withKey, model: settings.model });
  }
  return {
    engine: new ClaudeEngine(model, {
      promptCache: settings.promptCache,
      promptCacheTtl: settings.promptCacheTtl,
      effort: settings.effort,
    }),
    fallback: offline,
  };
}

/** Once per run, before any request: a retired id will 404, an unknown one has no price. */
function warnAboutModel(model: string, logger: Logger): void {
  const retired = retiredModel(model);
  if (retired) {
    logger.warn(
      `model '${model}' is retired${retired === 'retired' ? '' : ` (since ${retired})`}: the API will answer 404 ` +
        `and the offline engine will finish; set --model / SRE_AGENT_MODEL (current: ${CURRENT_MODEL_IDS.join(', ')})`,
    );
    return;
  }
  const info = modelInfo(model);
  if (!info) {
    logger.warn(
      `model '${model}' is not in this build's model table: no price, so the report's cost will be null`,
    );
  } else if (info.retires) {
    logger.warn(
      `model '${model}' is deprecated and retires on ${info.retires}; plan a move to ${CURRENT_MODEL_IDS[0]}`,
    );
  }
}
