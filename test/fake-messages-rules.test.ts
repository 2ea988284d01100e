import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeMessagesApi, type FakeMessagesApi } from './fakes/fake-messages-api.js';
import { thinking, toolUse } from './helpers/scripted-models.js';

/** The fake must say no where the December 2026 API says no, or the loop's tests prove nothing. */
let fake: FakeMessagesApi;
let client: Anthropic;
beforeAll(async () => {
  fake = await startFakeMessagesApi({
    script: () => ({ content: [thinking('Looking.'), toolUse('probe', {})] }),
  });
  client = new Anthropic({ apiKey: 'k', baseURL: fake.url, maxRetries: 0, timeout: 10_000 });
});
afterAll(() => fake.close());

const tools = [
  { name: 'probe', description: 'a probe', input_schema: { type: 'object' as const, properties: {} } },
];
const base = {
  model: 'claude-sonnet-5-5',
  max_tokens: 1024,
  tools,
  messages: [{ role: 'user' as const, content: 'go' }],
};

async function status(body: Record<string, unknown>): Promise<number> {
  try {
    await client.messages.create(body as unknown as Anthropic.Messages.MessageCreateParamsNonStreaming);
    return 200;
  } catch (error) {
    return (error as { status?: number }).status ?? -1;
  }
}

describe("the fake Messages API plays today's rules", () => {
  it('answers a retired model (claude-sonnet-4-5) with 404, and a current one with 200', async () => {
    expect(await status({ ...base, model: 'claude-sonnet-4-5' })).toBe(404);
    expect(await status(base)).toBe(200);
  });

  it('refuses forced tool use, disabled or budgeted thinking, and sampling parameters on Sonnet 5.5', async () => {
    expect(await status({ ...base, tool_choice: { type: 'tool', name: 'probe' } })).toBe(400);
    expect(await status({ ...base, tool_choice: { type: 'any' } })).toBe(400);
    expect(await status({ ...base, thinking: { type: 'disabled' } })).toBe(400);
    expect(await status({ ...base, thinking: { type: 'enabled', budget_tokens: 2048 } })).toBe(400);
    expect(await status({ ...base, temperature: 0 })).toBe(400);
    expect(await status({ ...base, top_p: 0.9 })).toBe(400);
    // Claude Sonnet 5 still takes a forced tool choice.
    expect(await status({ ...base, model: 'claude-sonnet-5', tool_choice: { type: 'any' } })).toBe(200);
  });

  it('requires thinking blocks back unchanged, from the same model', async () => {
    const first = await client.messages.create(base);
    const use = first.content.find((b) => b.type === 'tool_use') as Anthropic.Messages.ToolUseBlock;
    const next = (content: unknown[], model = 'claude-sonnet-5-5') => ({
      ...base,
      model,
      messages: [
        ...base.messages,
        { role: 'assistant', content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: 'ok' }] },
      ],
    });
    expect(await status(next(first.content))).toBe(200);
    const edited = first.content.map((b) => (b.type === 'thinking' ? { ...b, thinking: 'Edited.' } : b));
    expect(await status(next(edited))).toBe(400);
    expect(await status(next(first.content, 'claude-opus-5-5'))).toBe(400);
    // A tool_use without its tool_result in the next message is refused too.
    expect(
      await status({
        ...base,
        messages: [
          ...base.messages,
          { role: 'assistant', content: first.content },
          { role: 'user', content: 'next' },
        ],
      }),
    ).toBe(400);
  });

  it('refuses a tool schema with a top-level oneOf', async () => {
    const bad = [{ ...tools[0], input_schema: { type: 'object', oneOf: [{ properties: {} }] } }];
    expect(await status({ ...base, tools: bad })).toBe(400);
  });

  it('caches a prefix of 512+ tokens on Sonnet 5.5 but not on Sonnet 5, whose minimum is 1024', async () => {
    const system = [{ type: 'text', text: 'x '.repeat(1400), cache_control: { type: 'ephemeral' } }];
    const cached = async (model: string) => {
      await client.messages.create({
        ...base,
        model,
        system,
      } as Anthropic.Messages.MessageCreateParamsNonStreaming);
      return fake.requests.at(-1)?.usage?.cache_creation_input_tokens ?? 0;
    };
    expect(await cached('claude-sonnet-5-5')).toBeGreaterThan(0);
    expect(await cached('claude-sonnet-5')).toBe(0);
  });

  it('keeps a 5-minute entry 5 minutes from its last use and a 1-hour entry an hour, at their own write counts', async () => {
    let now = Date.parse('2026-12-03T09:00:00Z');
    const clocked = await startFakeMessagesApi({
      script: () => ({ content: [{ type: 'text', text: 'ok' }] }),
      now: () => now,
    });
    const api = new Anthropic({ apiKey: 'k', baseURL: clocked.url, maxRetries: 0, timeout: 10_000 });
    const ask = async (ttl?: '5m' | '1h') => {
      const control = ttl ? { type: 'ephemeral', ttl } : { type: 'ephemeral' };
      const body = {
        ...base,
        tools: [],
        system: [{ type: 'text', text: `${ttl ?? 'default'} `.repeat(700), cache_control: control }],
      };
      await api.messages.create(body as unknown as Anthropic.Messages.MessageCreateParamsNonStreaming);
      const usage = clocked.requests.at(-1)?.usage;
      if (!usage) throw new Error('the fake recorded no usage');
      return usage;
    };
    try {
      const first5m = await ask();
      expect(first5m.cache_creation.ephemeral_1h_input_tokens).toBe(0);
      expect(first5m.cache_creation.ephemeral_5m_input_tokens).toBeGreaterThan(0);
      const first1h = await ask('1h');
      expect(first1h.cache_creation.ephemeral_1h_input_tokens).toBeGreaterThan(0);
      now += 4 * 60_000;
      expect((await ask()).cache_read_input_tokens).toBeGreaterThan(0); // refreshed: 5 more minutes
      now += 4 * 60_000;
      expect((await ask()).cache_read_input_tokens).toBeGreaterThan(0);
      now += 20 * 60_000;
      expect((await ask()).cache_read_input_tokens).toBe(0); // 20 min idle: the 5-minute entry is gone
      expect((await ask('1h')).cache_read_input_tokens).toBeGreaterThan(0);
    } finally {
      await clocked.close();
    }
  });

  it('refuses a 1-hour breakpoint after a 5-minute one, and an unknown lifetime', async () => {
    const system = [
      { type: 'text', text: 'a', cache_control: { type: 'ephemeral' } },
      { type: 'text', text: 'b', cache_control: { type: 'ephemeral', ttl: '1h' } },
    ];
    expect(await status({ ...base, system })).toBe(400);
    expect(await status({ ...base, system: [...system].reverse() })).toBe(200);
    const odd = [{ type: 'text', text: 'c', cache_control: { type: 'ephemeral', ttl: '2h' } }];
    expect(await status({ ...base, system: odd })).toBe(400);
  });
});
