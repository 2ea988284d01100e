import type { Settings } from '../config/load.js';
import { UsageError } from '../errors/errors.js';
import { ClaudeEngine } from '../agent/claude-engine.js';
import { AnthropicModel } from '../llm/anthropic/anthropic-model.js';
import type { Engine } from '../llm/engine.js';
import { OfflineEngine } from '../llm/offline/engine.js';
import { priceOf } from '../llm/prices.js';
import type { Logger } from '../util/log.js';

/**
 * `--llm auto` uses Claude when a key (or a base URL, for a gateway) is present, otherwise the
 * offline engine, and says so. A Claude run always has the offline engine behind it.
 */
export function chooseEngines(settings: Settings, logger: Logger): { engine: Engine; fallback?: Engine } {
  const offline = new OfflineEngine();
  const env = settings.env;
  const hasAnthropic = Boolean(env.ANTHROPIC_API_KEY || env.ANTHROPIC_AUTH_TOKEN || env.ANTHROPIC_BASE_URL);
  if (settings.llm === 'bedrock') {
    throw new UsageError(
      '--llm bedrock: this build has no Bedrock adapter yet; use --llm anthropic, offline or auto',
    );
  }
  if (settings.llm === 'offline' || (settings.llm === 'auto' && !hasAnthropic)) {
    if (settings.llm === 'auto') logger.info('no ANTHROPIC_API_KEY: using the offline rule-based engine');
    return { engine: offline };
  }
  if (!hasAnthropic)
    throw new UsageError('--llm anthropic: set ANTHROPIC_API_KEY (or ANTHROPIC_BASE_URL for a gateway)');
  if (!priceOf(settings.model)) {
    logger.warn(`no price known for model '${settings.model}': the report's cost will be null`);
  }
  const env2 =
    env.ANTHROPIC_API_KEY || env.ANTHROPIC_AUTH_TOKEN ? env : { ...env, ANTHROPIC_API_KEY: 'none' };
  const model = new AnthropicModel({ env: env2, model: settings.model });
  return { engine: new ClaudeEngine(model, { promptCache: settings.promptCache }), fallback: offline };
}
