import type Anthropic from '@anthropic-ai/sdk';
import type { Findings } from '../report/schema.js';
import type { Engine, EngineContext } from '../llm/engine.js';
import type { ModelClient } from '../llm/model.js';
import { costOf } from '../llm/prices.js';
import { withCacheBreakpoints } from './cache-breakpoints.js';
import { systemPrompt, taskPrompt } from './prompts.js';
import {
  budgetSpent,
  cancelled,
  maxTurnsReached,
  reportPosted,
  shouldStop,
  type LoopState,
} from './stop-conditions.js';
import { SUBMIT_TOOL_NAME, submitToolDefinition } from './submit-tool.js';
import { fenceUntrusted } from './untrusted.js';

type MessageParam = Anthropic.Messages.MessageParam;
type ToolUse = Anthropic.Messages.ToolUseBlock;
type ToolResult = Anthropic.Messages.ToolResultBlockParam;

export interface ClaudeEngineOptions {
  promptCache: boolean;
  maxTokens?: number;
}

/**
 * The Claude loop: ask; run every tool call of the turn in parallel; send all results back in one
 * message; stop on a confirmed post, the turn limit, the budget or the deadline. It returns null
 * when it ends without a submission; the run then finishes with the offline engine.
 */
export class ClaudeEngine implements Engine {
  readonly id: string;

  constructor(
    private readonly model: ModelClient,
    private readonly options: ClaudeEngineOptions,
  ) {
    this.id = model.label;
  }

  async diagnose(ctx: EngineContext): Promise<Findings | null> {
    const tools: Anthropic.Messages.Tool[] = [
      ...ctx.tools.definitions().map((t) => ({
        name: t.name,
        description: t.description,
        input_schema: t.inputSchema as Anthropic.Messages.Tool.InputSchema,
      })),
      submitToolDefinition() as Anthropic.Messages.Tool,
    ].sort((a, b) => a.name.localeCompare(b.name));
    const submitOnly = tools.filter((t) => t.name === SUBMIT_TOOL_NAME);
    const system = systemPrompt();
    const messages: MessageParam[] = [
      {
        role: 'user',
        content: taskPrompt({
          service: ctx.incident.service,
          namespace: ctx.settings.namespace,
          alert: ctx.incident.text,
          repository: ctx.settings.repository,
          now: ctx.now,
        }),
      },
    ];
    const state: LoopState = {
      turn: 0,
      maxTurns: ctx.settings.maxTurns,
      costUsd: 0,
      budgetUsd: ctx.settings.budgetUsd,
      submitted: false,
      aborted: false,
    };
    let nudged = false;

    for (;;) {
      state.turn += 1;
      const lastTurn = state.turn >= state.maxTurns;
      // On the last allowed turn the only tool on offer is the submission, and it is required.
      const prompt = withCacheBreakpoints(
        lastTurn ? submitOnly : tools,
        system,
        messages,
        this.options.promptCache,
      );
      const started = Date.now();
      const response = await this.model.create(
        {
          max_tokens: this.options.maxTokens ?? 4096,
          system: prompt.system,
          tools: prompt.tools,
          tool_choice: lastTurn ? { type: 'tool', name: SUBMIT_TOOL_NAME } : { type: 'auto' },
          messages: prompt.messages,
        },
        ctx.signal,
      );
      this.account(ctx, state, response, Date.now() - started);
      // Kept verbatim (thinking blocks included): the API requires them unchanged in the history.
      messages.push({ role: 'assistant', content: response.content });

      const uses = response.content.filter((b): b is ToolUse => b.type === 'tool_use');
      if (uses.length) {
        const offered = new Set((lastTurn ? submitOnly : tools).map((t) => t.name));
        const results = await Promise.all(uses.map((use) => this.runTool(ctx, use, state, offered)));
        messages.push({ role: 'user', content: results });
      } else if (response.stop_reason === 'pause_turn') {
        continue;
      } else if (
        response.stop_reason === 'refusal' ||
        response.stop_reason === 'model_context_window_exceeded'
      ) {
        ctx.degrade(`the model stopped (${response.stop_reason})`);
        return null;
      } else if (!nudged && !lastTurn) {
        // end_turn, stop_sequence or max_tokens without a submission: ask once, then give up.
        nudged = true;
        messages.push({
          role: 'user',
          content: 'Call submit_diagnosis now with your findings; do not answer in text.',
        });
      } else {
        ctx.degrade(
          `the model ended (${response.stop_reason ?? 'unknown'}) without calling submit_diagnosis`,
        );
        return null;
      }

      state.aborted = ctx.signal.aborted;
      const stop = shouldStop(state, [reportPosted, cancelled, budgetSpent, maxTurnsReached]);
      if (stop) {
        if (!state.submitted) ctx.degrade(`the Claude loop stopped: ${stop}`);
        return null;
      }
    }
  }

  private account(
    ctx: EngineContext,
    state: LoopState,
    response: Anthropic.Messages.Message,
    durationMs: number,
  ): void {
    const u = ctx.usage;
    const r = response.usage;
    u.turns += 1;
    u.inputTokens += r.input_tokens;
    u.cacheReadTokens += r.cache_read_input_tokens ?? 0;
    u.cacheWriteTokens += r.cache_creation_input_tokens ?? 0;
    u.outputTokens += r.output_tokens;
    u.costUsd = costOf(this.model.model, u);
    state.costUsd = u.costUsd;
    ctx.emit({
      type: 'model_request',
      turn: state.turn,
      model: this.model.model,
      inputTokens: r.input_tokens,
      cacheReadTokens: r.cache_read_input_tokens ?? 0,
      cacheWriteTokens: r.cache_creation_input_tokens ?? 0,
      outputTokens: r.output_tokens,
      stopReason: response.stop_reason,
      durationMs,
    });
  }

  private async runTool(
    ctx: EngineContext,
    use: ToolUse,
    state: LoopState,
    offered: Set<string>,
  ): Promise<ToolResult> {
    const input = use.input && typeof use.input === 'object' ? (use.input as Record<string, unknown>) : {};
    if (!offered.has(use.name) && use.name !== SUBMIT_TOOL_NAME && ctx.tools.toolNames().includes(use.name)) {
      const reason = `'${use.name}' is not offered on this turn; only ${[...offered].join(', ')}`;
      ctx.emit({ type: 'refusal', guard: 'last-turn', target: use.name, reason });
      return { type: 'tool_result', tool_use_id: use.id, is_error: true, content: `Refused: ${reason}` };
    }
    if (use.name === SUBMIT_TOOL_NAME) {
      const result = await ctx.submit(input);
      if (!result.ok)
        return { type: 'tool_result', tool_use_id: use.id, is_error: true, content: result.error };
      state.submitted = true;
      const where = result.slack.posted
        ? `posted to ${result.slack.channel}`
        : `recorded (not posted: ${result.slack.error ?? 'unknown'})`;
      return { type: 'tool_result', tool_use_id: use.id, content: `Diagnosis ${where}. The run ends here.` };
    }
    const outcome = await ctx.tools.call(use.name, input);
    if (outcome.ok) {
      ctx.casebook.evidence.push({
        source: use.name.startsWith('github') ? 'github' : use.name.includes('log') ? 'logs' : 'kubernetes',
        detail:
          `${use.name}: ${outcome.text.split('\n').find((l) => l.trim() && !l.startsWith('[sre-agent')) ?? ''}`.slice(
            0,
            300,
          ),
      });
    }
    return {
      type: 'tool_result',
      tool_use_id: use.id,
      is_error: !outcome.ok,
      content: fenceUntrusted(use.name, outcome.text || '(empty result)'),
    };
  }
}
