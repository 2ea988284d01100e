import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadScenario } from '../src/sandbox/scenario.js';
import { startSandbox, type Sandbox } from '../src/sandbox/sandbox.js';
import { slackDepsFromEnv } from '../src/servers/slack/from-env.js';
import type { PostMessageOutput } from '../src/servers/slack/post-message.js';
import { createSlackServer } from '../src/servers/slack/server.js';
import { silentLogger } from '../src/util/log.js';
import { startFaultProxy, type FaultProxy, type FaultRule } from './helpers/fault-proxy.js';

// The bundled Slack server's post, against the local Slack behind a fault-injecting proxy: what
// reaches the channel when Slack is slow, rate-limits, fails or refuses.
const scenarioDir = fileURLToPath(new URL('../scenarios/cart-service-loafers', import.meta.url));
let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox(await loadScenario(scenarioDir));
});
afterAll(() => sandbox.close());

const POST = /^POST \/api\/chat\.postMessage$/;
const HISTORY = /^POST \/api\/conversations\.history$/;

async function postThrough(rules: FaultRule[], args: Record<string, unknown> = {}) {
  const proxy: FaultProxy = await startFaultProxy(new URL(sandbox.env.SLACK_API_URL).origin, rules);
  const created = createSlackServer(
    slackDepsFromEnv(
      { ...sandbox.env, SLACK_API_URL: `${proxy.url}/api/`, SRE_AGENT_SLACK_TIMEOUT: '1s' },
      silentLogger,
    ),
  );
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
  await created.server.connect(serverTransport);
  const client = new Client({ name: 'test', version: '1.0.0' });
  await client.connect(clientTransport);
  const before = sandbox.slackMessages().length;
  const started = Date.now();
  try {
    const result = (await client.callTool(
      {
        name: 'post_message',
        arguments: { text: 'cart-service: diagnosis ready', dedupe_key: `k-${Math.random()}`, ...args },
      },
      undefined,
      { timeout: 60_000 },
    )) as CallToolResult;
    const first = result.content[0];
    return {
      isError: result.isError === true,
      text: first?.type === 'text' ? first.text : '',
      data: result.structuredContent as (PostMessageOutput & { error?: string }) | undefined,
      posted: sandbox.slackMessages().slice(before),
      seen: proxy.seen.map((s) => `${s.request}${s.fault ? ` (${s.fault})` : ''}`),
      elapsedMs: Date.now() - started,
    };
  } finally {
    await client.close();
    await created.cleanup();
    await proxy.close();
  }
}

describe('one Slack post, never two, never lost', () => {
  it('an answer slower than the client timeout: the post is found in the history and not sent again', async () => {
    const out = await postThrough([{ match: POST, fault: { kind: 'slow', ms: 2_500 }, times: 1 }]);
    expect(out.isError, out.text).toBe(false);
    expect(out.posted).toHaveLength(1);
    expect(out.data).toMatchObject({ ok: true, attempts: 1, confirmedBy: 'history', ts: out.posted[0]?.ts });
    expect(out.data?.notes.join(' ')).toMatch(/found the post in the channel history/);
    expect(out.seen.filter((s) => POST.test(s.replace(/ \(.*$/, '')))).toHaveLength(1);
  });

  it('a 429 with Retry-After: 2 is waited out, then the post goes through once', async () => {
    const out = await postThrough([
      {
        match: POST,
        fault: {
          kind: 'respond',
          status: 429,
          headers: { 'retry-after': '2' },
          body: { ok: false, error: 'ratelimited' },
        },
        times: 1,
      },
    ]);
    expect(out.isError, out.text).toBe(false);
    expect(out.posted).toHaveLength(1);
    expect(out.data).toMatchObject({ ok: true, attempts: 2, confirmedBy: 'answer' });
    expect(out.data?.notes).toEqual(['rate-limited; waited 2s as Retry-After asked']);
    expect(out.elapsedMs).toBeGreaterThanOrEqual(2_000);
  });

  it('a Retry-After longer than the post budget gives up at once and says why', async () => {
    const out = await postThrough([
      {
        match: POST,
        fault: { kind: 'respond', status: 429, headers: { 'retry-after': '120' }, body: { ok: false } },
      },
    ]);
    expect(out.isError).toBe(true);
    expect(out.text).toMatch(/asked to wait 120s, past the post's budget/);
    expect(out.posted).toHaveLength(0);
    expect(out.elapsedMs).toBeLessThan(5_000);
  });

  it('a 500 leaves the outcome unknown: the history is checked, the post is not there, it is sent once more', async () => {
    const out = await postThrough([
      { match: POST, fault: { kind: 'respond', status: 500, body: 'oops' }, times: 1 },
    ]);
    expect(out.isError, out.text).toBe(false);
    expect(out.posted).toHaveLength(1);
    expect(out.data).toMatchObject({ ok: true, attempts: 2, confirmedBy: 'answer' });
    expect(out.seen).toContain('POST /api/conversations.history');
  });

  it('channel_not_found is final: one try, nothing posted, the code in the error', async () => {
    const out = await postThrough([
      { match: POST, fault: { kind: 'slack-error', error: 'channel_not_found' } },
    ]);
    expect(out.isError).toBe(true);
    expect(out.text).toMatch(/channel_not_found/);
    expect(out.data).toMatchObject({ attempts: 1 });
    expect(out.seen.filter((s) => s.startsWith('POST /api/chat.postMessage'))).toHaveLength(1);
  });

  it('a hang whose outcome cannot be checked (no history scope) is not sent blindly a second time', async () => {
    const out = await postThrough([
      { match: POST, fault: { kind: 'hang' } },
      { match: HISTORY, fault: { kind: 'slack-error', error: 'missing_scope' } },
    ]);
    expect(out.isError).toBe(true);
    expect(out.text).toMatch(
      /could not be checked \(conversations\.history: missing_scope\), so it was not sent again/,
    );
    expect(out.seen.filter((s) => s.startsWith('POST /api/chat.postMessage'))).toHaveLength(1);
  });

  it('carries its marker in the message metadata, which the history returns when asked', async () => {
    const out = await postThrough([], { dedupe_key: 'alarm:cart:2026-11-20T14:29:00Z' });
    expect(out.isError).toBe(false);
    const response = await fetch(`${sandbox.env.SLACK_API_URL}conversations.history`, {
      method: 'POST',
      headers: { authorization: `Bearer ${sandbox.env.SLACK_BOT_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ channel: sandbox.env.SLACK_CHANNEL_ID, limit: 1, include_all_metadata: true }),
    });
    const history = (await response.json()) as { messages: { ts: string; metadata?: unknown }[] };
    expect(history.messages[0]).toMatchObject({
      ts: out.data?.ts,
      metadata: {
        event_type: 'sre_agent_report',
        event_payload: { marker: 'alarm:cart:2026-11-20T14:29:00Z' },
      },
    });
  });
});
