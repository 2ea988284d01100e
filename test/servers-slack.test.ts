import { fileURLToPath } from 'node:url';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startSandbox, type Sandbox } from '../src/sandbox/sandbox.js';
import { loadScenario } from '../src/sandbox/scenario.js';
import type { PostMessageOutput } from '../src/servers/slack/post-message.js';
import { slackDepsFromEnv } from '../src/servers/slack/from-env.js';
import { createSlackServer } from '../src/servers/slack/server.js';
import { silentLogger } from '../src/util/log.js';

const scenarioDir = fileURLToPath(new URL('../scenarios/cart-service-loafers', import.meta.url));

let sandbox: Sandbox;

beforeAll(async () => {
  sandbox = await startSandbox(await loadScenario(scenarioDir));
});

afterAll(async () => {
  await sandbox.close();
});

/** A client connected to a Slack server built from the sandbox env, with `overrides` applied. */
async function connect(overrides: Record<string, string> = {}) {
  const created = createSlackServer(slackDepsFromEnv({ ...sandbox.env, ...overrides }, silentLogger));
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
  await created.server.connect(serverTransport);
  const client = new Client({ name: 'test', version: '1.0.0' });
  await client.connect(clientTransport);
  const call = async (args: Record<string, unknown>) => {
    const result = (await client.callTool({ name: 'post_message', arguments: args })) as CallToolResult;
    const first = result.content[0];
    return {
      ...result,
      text: first?.type === 'text' ? first.text : '',
      data: result.structuredContent as PostMessageOutput | undefined,
    };
  };
  return { client, call, close: () => created.cleanup() };
}

describe('bundled slack server', () => {
  it('offers one write tool, post_message, annotated as such', async () => {
    const { client, close } = await connect();
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual(['post_message']);
    expect(tools[0]?.annotations).toEqual({
      readOnlyHint: false,
      destructiveHint: false,
      idempotentHint: false,
      openWorldHint: true,
    });
    await close();
  });

  it('posts to the configured channel and returns its ts', async () => {
    const { call, close } = await connect();
    const before = sandbox.slackMessages().length;
    const result = await call({ text: 'cart-service: diagnosis ready' });
    expect(result.isError).toBeFalsy();
    expect(result.data).toEqual({
      ok: true,
      channel: sandbox.env.SLACK_CHANNEL_ID,
      ts: expect.any(String),
      attempts: 1,
      confirmedBy: 'answer',
      notes: [],
    });
    const posted = sandbox.slackMessages().slice(before);
    expect(posted).toHaveLength(1);
    expect(posted[0]).toMatchObject({
      channel: sandbox.env.SLACK_CHANNEL_ID,
      text: 'cart-service: diagnosis ready',
    });
    await close();
  });

  it('replies in the thread of a post when given its thread_ts', async () => {
    const { call, close } = await connect();
    const parent = await call({ text: 'cart-service: diagnosis ready' });
    const parentTs = parent.data?.ts ?? '';
    const reply = await call({ text: 'evidence: 12 pod restarts', thread_ts: parentTs });
    expect(reply.isError).toBeFalsy();
    expect(reply.data).toMatchObject({
      ok: true,
      channel: sandbox.env.SLACK_CHANNEL_ID,
      ts: expect.any(String),
    });
    expect(reply.data?.ts).not.toBe(parentTs);
    const recorded = sandbox.slackMessages().find((message) => message.ts === reply.data?.ts);
    expect(recorded).toMatchObject({
      channel: sandbox.env.SLACK_CHANNEL_ID,
      text: 'evidence: 12 pod restarts',
      thread_ts: parentTs,
    });
    // The parent stays a top-level message.
    expect(sandbox.slackMessages().find((message) => message.ts === parentTs)?.thread_ts).toBeUndefined();
    await close();
  });

  it('refuses another channel and posts nothing', async () => {
    const { call, close } = await connect();
    const before = sandbox.slackMessages().length;
    const result = await call({ text: 'hello', channel: 'C0OTHER' });
    expect(result.isError).toBe(true);
    expect(result.text).toContain("not 'C0OTHER'");
    expect(sandbox.slackMessages()).toHaveLength(before);
    const same = await call({ text: 'hello', channel: sandbox.env.SLACK_CHANNEL_ID });
    expect(same.isError).toBeFalsy();
    await close();
  });

  it('neutralises broadcast and user mentions in text and blocks', async () => {
    const { call, close } = await connect();
    const before = sandbox.slackMessages().length;
    const loud =
      'Hey <!channel> <!here|here> <!everyone> <!subteam^S123|@oncall> <@U0ABC|dana> @here: cart down';
    const result = await call({
      text: loud,
      blocks: [
        { type: 'section', text: { type: 'mrkdwn', text: loud } },
        { type: 'context', elements: [{ type: 'mrkdwn', text: 'ping <@U0XYZ>' }] },
      ],
    });
    expect(result.isError).toBeFalsy();
    const [posted] = sandbox.slackMessages().slice(before);
    expect(posted?.blocks).toHaveLength(2);
    const everything = JSON.stringify(posted);
    expect(everything).not.toMatch(/<!(channel|here|everyone|subteam)/);
    expect(everything).not.toMatch(/<@U/);
    expect(posted?.text).not.toMatch(/(^|[^\u200b])@(here|channel|everyone)/);
    expect(posted?.text).toContain('cart down');
    expect(posted?.text).toContain('oncall');
    expect(posted?.text).toContain('dana');
    expect(everything).toContain('U0XYZ');
    await close();
  });

  it('reports an ok:false answer from Slack as an error with its code', async () => {
    const { call, close } = await connect({ SLACK_CHANNEL_ID: 'C0GONE' });
    const result = await call({ text: 'hello' });
    expect(result.isError).toBe(true);
    expect(result.text).toContain('channel_not_found');
    await close();
  });

  it('reports an unreachable Slack without hanging', async () => {
    const { call, close } = await connect({ SLACK_API_URL: 'http://127.0.0.1:9/api/' });
    const started = Date.now();
    const result = await call({ text: 'hello' });
    expect(result.isError).toBe(true);
    expect(result.text).toContain('nothing was posted');
    expect(Date.now() - started).toBeLessThan(20_000);
    await close();
  });
});
