import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../src/report/schema.js';
import { BIN, runCli } from './helpers/cli.js';

function parseExports(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = line.match(/^export ([A-Z_]+)='(.*)'$/);
    if (m) env[m[1] as string] = (m[2] as string).replace(/'\\''/g, "'");
  }
  return env;
}

describe('sre-agent sandbox start, then other commands in its environment', () => {
  let child: ChildProcess;
  let env: Record<string, string>;
  let stdout = '';

  beforeAll(async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'sandbox-start-'));
    const envFile = path.join(dir, 'sandbox.env');
    child = spawn(
      process.execPath,
      ['--', BIN, 'sandbox', 'start', 'cart-service-loafers', '--write-env', envFile],
      {
        env: { PATH: process.env.PATH, HOME: process.env.HOME },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    child.stdout?.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr?.resume();
    const deadline = Date.now() + 20_000;
    while (!stdout.includes('SLACK_SIGNING_SECRET') && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    env = parseExports(stdout);
    expect(parseExports(await readFile(envFile, 'utf8'))).toEqual(env);
  });

  afterAll(async () => {
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
  });

  it("prints every variable of DESIGN.md 4.1 as an export line, with Socket Mode's token and the scenario's clock", () => {
    expect(Object.keys(env).sort()).toEqual(
      [
        'GITHUB_API_URL',
        'GITHUB_REPOSITORY',
        'GITHUB_TOKEN',
        'KUBECONFIG',
        'SLACK_API_URL',
        'SLACK_APP_TOKEN',
        'SLACK_BOT_TOKEN',
        'SLACK_CHANNEL_ID',
        'SLACK_SIGNING_SECRET',
        'SRE_AGENT_NOW',
      ].sort(),
    );
    expect(env.SRE_AGENT_NOW).toBe('2026-11-20T14:30:00.000Z');
    expect(env.GITHUB_API_URL).toMatch(/^http:\/\/127\.0\.0\.1:\d+/);
  });

  it('gives the same diagnosis to diagnose without --sandbox, posted once to the local Slack', async () => {
    const {
      code,
      stdout: out,
      stderr,
    } = await runCli(['diagnose', '--service', 'cart-service', '--output', 'json'], env);
    expect(code, stderr).toBe(0);
    const report = JSON.parse(out) as Report;
    expect(report.sandbox).toBeUndefined();
    expect(report.rootCause.statement).toMatch(/RedisCartStore\.cs/);
    expect(report.rootCause.statement.toLowerCase()).toContain('loafers');
    expect(report.slack).toMatchObject({ posted: true, channel: env.SLACK_CHANNEL_ID });
    const received = (await (
      await fetch(`${env.SLACK_API_URL?.replace(/\/$/, '')}/_sandbox/messages`)
    ).json()) as {
      messages: { channel: string; ts: string }[];
    };
    expect(received.messages.filter((m) => m.ts === report.slack.ts)).toHaveLength(1);
    expect(received.messages[0]?.channel).toBe(env.SLACK_CHANNEL_ID);
  });

  it('serves a bundled MCP server over stdio (sre-agent mcp kubernetes) that a real MCP client can use', async () => {
    const client = new Client({ name: 'test', version: '1.0.0' });
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [BIN, 'mcp', 'kubernetes', '--namespaces', 'default'],
      env: { KUBECONFIG: env.KUBECONFIG as string },
      stderr: 'pipe',
    });
    transport.stderr?.on('data', () => {});
    await client.connect(transport);
    try {
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name)).toEqual(
        expect.arrayContaining(['list_pods', 'get_pod_logs', 'list_events']),
      );
      for (const tool of tools) expect(tool.annotations?.readOnlyHint).toBe(true);
      const pods = await client.callTool({ name: 'list_pods', arguments: { service: 'cart-service' } });
      expect(JSON.stringify(pods.content)).toContain('cartservice-');
      const refused = await client.callTool({
        name: 'list_pods',
        arguments: { service: 'cart-service', namespace: 'kube-system' },
      });
      expect(refused.isError).toBe(true);
      expect(JSON.stringify(refused.content)).toMatch(/kube-system/);
    } finally {
      await client.close();
    }
  });

  it('stops cleanly on SIGTERM', async () => {
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
