import type Anthropic from '@anthropic-ai/sdk';
import type { Findings } from '../report/schema.js';
import type { Engine, EngineContext } from '../llm/engine.js';
import { toolSchemaForApi } from '../mcp/api-tool-schema.js';
import type { ModelClient } from '../llm/model.js';
import type { PromptCacheTtl } from '../llm/models.js';
import { costOf } from '../llm/prices.js';
import { withCacheBreakpoints } from './cache-breakpoints.js';
import { ContextGuard } from './context-guard.js';
import { FIRST_LOOK_INTRO, firstLook } from './first-look.js';
import { systemPrompt, taskPrompt } from './prompts.js';
import { requestShape, type Effort } from './request-shape.js';
import { budgetSpent, cancelled, reportPosted, shouldStop, type LoopState } from './stop-conditions.js';
import { SUBMIT_TOOL_NAME, submitToolDefinition } from './submit-tool.js';
import { fenceUntrusted } from './untrusted.js';

type MessageParam = Anthropic.Messages.MessageParam;
type Message = Anthropic.Messages.Message;
type ToolUse = Anthropic.Messages.ToolUseBlock;
type ToolResult = Anthropic.Messages.ToolResultBlockParam;

export interface ClaudeEngineOptions {
  promptCache: boolean;
  /** Lifetime of the cached tools and system prompt (default `5m`). */
  promptCacheTtl?: PromptCacheTtl;
  effort: Effort;
  /** Time kept back from the model for the offline engine and the post, given the run's timeout. */
  reserveMs?: (timeoutMs: number) => number;
  /** Tests only: a smaller context window to exercise the guard. */
  contextWindow?: number;
  /** Gather pods, events and failing logs before the first request (default on). */
  firstLook?: boolean;
}

/**
 * A quarter of the run, at least 8 s (or 40% of a very short run) and at most 45 s: enough for the
 * offline engine to finish from what was gathered, and for the one post.
 */
export const defaultReserveMs = (timeoutMs: number): number =>
  Math.min(45_000, Math.max(Math.min(8_000, timeoutMs * 0.4), Math.round(timeoutMs / 4)));

export const FINAL_TURN_INSTRUCTION =
  'This is your final turn. Call submit_diagnosis now with what you have found (status inconclusive, ' +
  'with what is missing, if the evidence is not enough). Any other tool call on this turn is refused.';

const NUDGE = 'Call submit_diagnosis now with your findings; do not answer in text.';

/**
 * The Claude loop: ask; run every tool call of the turn in parallel; send all results back in one
 * message; stop on a confirmed post, the budget or the deadline. The last turn (turn limit, a
 * prompt near the context window, a nearly spent budget) keeps the same tools and `tool_choice:
 * auto` — forcing a tool is a 400 on today's models and would break the cache — and says so in the
 * user message; the host refuses any tool but `submit_diagnosis` then. It returns null when it ends
 * without a submission (truncation, refusal, no submission); model failures throw
 * ModelUnavailableError. Either way the run finishes with the offline engine.
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
    const tools = this.toolList(ctx);
    const shape = requestShape(this.model.model, this.options.effort);
    const guard = new ContextGuard(this.model.model, shape.max_tokens, this.options.contextWindow);
    const reserve = (this.options.reserveMs ?? defaultReserveMs)(ctx.settings.timeoutMs);
    const limits = { signal: ctx.signal, deadlineAt: ctx.deadlineAt - reserve };
    const system = systemPrompt();
    const look = this.options.firstLook === false ? null : await firstLook(ctx);
    const messages: MessageParam[] = [
      {
        role: 'user',
        content: look
          ? [
              { type: 'text', text: this.task(ctx) },
              { type: 'text', text: `${FIRST_LOOK_INTRO}\n\n${look}` },
            ]
          : this.task(ctx),
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
    let pendingChars = 0;

    for (;;) {
      state.turn += 1;
      const final = this.isFinalTurn(state, guard, pendingChars);
      if (final) appendText(messages, FINAL_TURN_INSTRUCTION);
      const prompt = withCacheBreakpoints(
        tools,
        system,
        messages,
        this.options.promptCache,
        this.options.promptCacheTtl,
      );
      const started = Date.now();
      const response = await this.model.create(
        {
          ...shape,
          system: prompt.system,
          tools: prompt.tools,
          tool_choice: { type: 'auto' },
          messages: prompt.messages,
        },
        limits,
      );
      this.account(ctx, state, response, Date.now() - started);
      guard.observe(response.usage);
      this.showNotes(ctx, state.turn, response);

      const stop = response.stop_reason;
      if (stop === 'max_tokens' || stop === 'model_context_window_exceeded') {
        // A cut-off answer's tool calls may be incomplete: none of them is run.
        ctx.degrade(`the model's answer was cut off (${stop}) before it finished`);
        return null;
      }
      if (stop === 'refusal') {
        ctx.degrade('the model declined to continue (refusal)');
        return null;
      }
      // Kept verbatim, thinking blocks and their signatures included: the API requires them unchanged.
      messages.push({ role: 'assistant', content: response.content });

      const uses = response.content.filter((b): b is ToolUse => b.type === 'tool_use');
      if (uses.length) {
        const offered = final ? new Set([SUBMIT_TOOL_NAME]) : new Set(tools.map((t) => t.name));
        const results = await Promise.all(uses.map((use) => this.runTool(ctx, use, state, offered)));
        messages.push({ role: 'user', content: results });
        pendingChars = results.reduce((n, r) => n + JSON.stringify(r.content ?? '').length, 0);
        if (final && !state.submitted) {
          ctx.degrade('the model used its final turn without calling submit_diagnosis');
          return null;
        }
      } else if (stop === 'pause_turn') {
        continue;
      } else if (!nudged && !final) {
        // end_turn or stop_sequence without a submission: ask once, then give up.
        nudged = true;
        messages.push({ role: 'user', content: NUDGE });
        pendingChars = NUDGE.length;
      } else {
        ctx.degrade(`the model ended (${stop ?? 'unknown'}) without calling submit_diagnosis`);
        return null;
      }

      state.aborted = ctx.signal.aborted;
      const reason = shouldStop(state, [reportPosted, cancelled, budgetSpent]);
      if (reason) {
        if (!state.submitted) ctx.degrade(`the Claude loop stopped: ${reason}`);
        return null;
      }
    }
  }

  /** The run's tools plus the host's own, sorted (a stable cached prefix), with schemas the API accepts. */
  private toolList(ctx: EngineContext): Anthropic.Messages.Tool[] {
    return [
      ...ctx.tools.definitions().map((t) => ({
        name: t.name,
        description: t.description,
        input_schema: toolSchemaForApi(t.inputSchema).schema as Anthropic.Messages.Tool.InputSchema,
      })),
      {
        ...submitToolDefinition(),
        input_schema: toolSchemaForApi(submitToolDefinition().input_schema).schema,
      } as Anthropic.Messages.Tool,
    ].sort((a, b) => a.name.localeCompare(b.name));
  }

  private task(ctx: EngineContext): string {
    return taskPrompt({
      service: ctx.incident.service,
      namespace: ctx.settings.namespace,
      alert: ctx.incident.text,
      repository: ctx.settings.repository,
      now: ctx.now,
    });
  }

  /** The turn limit, a prompt close to the context window, or a budget nearly spent. */
  private isFinalTurn(state: LoopState, guard: ContextGuard, pendingChars: number): boolean {
    if (state.turn >= state.maxTurns) return true;
    if (state.turn > 1 && guard.nearlyFull(pendingChars)) return true;
    return state.budgetUsd !== null && state.costUsd !== null && state.costUsd >= 0.8 * state.budgetUsd;
  }

  private account(ctx: EngineContext, state: LoopState, response: Message, durationMs: number): void {
    const u = ctx.usage;
    const r = response.usage;
    // One-hour writes are billed at their own rate; `cache_creation` splits the writes by lifetime.
    const writes = r.cache_creation_input_tokens ?? 0;
    const hourWrites = Math.min(writes, r.cache_creation?.ephemeral_1h_input_tokens ?? 0);
    const turn = {
      inputTokens: r.input_tokens,
      cacheReadTokens: r.cache_read_input_tokens ?? 0,
      cacheWriteTokens: writes - hourWrites,
      cacheWrite1hTokens: hourWrites,
      outputTokens: r.output_tokens,
    };
    u.turns += 1;
    u.inputTokens += turn.inputTokens;
    u.cacheReadTokens += turn.cacheReadTokens;
    u.cacheWriteTokens += turn.cacheWriteTokens + turn.cacheWrite1hTokens;
    u.outputTokens += turn.outputTokens;
    // Priced request by request: some models bill long prompts at other rates.
    const cost = costOf(this.model.model, turn);
    u.costUsd = cost === null || u.costUsd === null ? null : Math.round((u.costUsd + cost) * 1e6) / 1e6;
    state.costUsd = u.costUsd;
    ctx.emit({
      type: 'model_request',
      turn: state.turn,
      model: this.model.model,
      ...turn,
      stopReason: response.stop_reason,
      durationMs,
    });
  }

  /** What the model said between tool calls (in thinking blocks on today's models), for progress. */
  private showNotes(ctx: EngineContext, turn: number, response: Message): void {
    for (const block of response.content) {
      const text = block.type === 'thinking' ? block.thinking : block.type === 'text' ? block.text : '';
      const line = text.trim().split('\n').find(Boolean);
      if (line)
        ctx.emit({ type: 'model_note', turn, text: line.length > 160 ? `${line.slice(0, 157)}…` : line });
    }
  }

  private async runTool(
    ctx: EngineContext,
    use: ToolUse,
    state: LoopState,
    offered: Set<string>,
  ): Promise<ToolResult> {
    const input = use.input && typeof use.input === 'object' ? (use.input as Record<string, unknown>) : {};
    if (!offered.has(use.name) && ctx.tools.toolNames().includes(use.name)) {
      const reason = `'${use.name}' is not allowed on the final turn; only ${[...offered].join(', ')}`;
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
      const first = outcome.text.split('\n').find((l) => l.trim() && !l.startsWith('[sre-agent')) ?? '';
      ctx.casebook.evidence.push({
        source: use.name.startsWith('github') ? 'github' : use.name.includes('log') ? 'logs' : 'kubernetes',
        detail: `${use.name}: ${first}`.slice(0, 300),
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

/** Add a text block at the end of the newest user message (after its tool results, as the API wants). */
function appendText(messages: MessageParam[], text: string): void {
  const last = messages.at(-1);
  if (!last || last.role !== 'user') {
    messages.push({ role: 'user', content: text });
    return;
  }
  const content =
    typeof last.content === 'string' ? [{ type: 'text' as const, text: last.content }] : last.content;
  last.content = [...content, { type: 'text', text }];
}
