import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { UsageError } from '../src/errors/errors.js';
import { startSandbox, type Sandbox } from '../src/sandbox/sandbox.js';
import { loadScenario } from '../src/sandbox/scenario.js';
import { runBundledServer, type BundledServerName } from '../src/servers/run-server.js';
import { silentLogger } from '../src/util/log.js';

const scenarioDir = fileURLToPath(new URL('../scenarios/cart-service-loafers', import.meta.url));

let sandbox: Sandbox;
let sandboxEnv: Record<string, string>;
let scratch: string;

beforeAll(async () => {
  sandbox = await startSandbox(await loadScenario(scenarioDir));
  sandboxEnv = { ...sandbox.env };
  scratch = await mkdtemp(join(tmpdir(), 'servers-run-'));
});

afterAll(async () => {
  await sandbox.close();
  await rm(scratch, { recursive: true, force: true });
});

/**
 * Runs a bundled server over in-process stdio streams, the way `sre-agent mcp <name>` runs it over
 * the process's own, and connects a client to the other ends.
 */
async function runOverStdio(name: BundledServerName, env: Record<string, string>, namespaces?: string[]) {
  const toServer = new PassThrough();
  const fromServer = new PassThrough();
  const running = runBundledServer(name, {
    env,
    ...(namespaces ? { namespaces } : {}),
    stdin: toServer,
    stdout: fromServer,
    logger: silentLogger,
  });
  const client = new Client({ name: 'test', version: '1.0.0' });
  await client.connect(new StdioServerTransport(fromServer, toServer));
  return { client, running, stop: () => toServer.end() };
}

describe('runBundledServer', () => {
  it('serves the Kubernetes tools over stdio from KUBECONFIG and returns when its input ends', async () => {
    const { client, running, stop } = await runOverStdio('kubernetes', sandboxEnv);
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name)).toEqual(
      expect.arrayContaining(['list_pods', 'get_pod_logs', 'list_events', 'get_deployment', 'list_nodes']),
    );
    const result = (await client.callTool({
      name: 'list_pods',
      arguments: { service: 'cart-service' },
    })) as CallToolResult;
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toMatchObject({ workload: { kind: 'Deployment', name: 'cartservice' } });
    stop();
    await expect(running).resolves.toBeUndefined();
  });

  it('serves the GitHub tools for GITHUB_REPOSITORY', async () => {
    const { client, running, stop } = await runOverStdio('github', sandboxEnv);
    const result = (await client.callTool({
      name: 'list_commits',
      arguments: { limit: 1 },
    })) as CallToolResult;
    expect(result.content[0]).toMatchObject({
      type: 'text',
      text: expect.stringContaining(sandbox.env.GITHUB_REPOSITORY),
    });
    stop();
    await running;
  });

  it('serves the Slack tool to the channel of SLACK_CHANNEL_ID', async () => {
    const { client, running, stop } = await runOverStdio('slack', sandboxEnv);
    const result = (await client.callTool({
      name: 'post_message',
      arguments: { text: 'over stdio' },
    })) as CallToolResult;
    expect(result.structuredContent).toMatchObject({ ok: true, channel: sandbox.env.SLACK_CHANNEL_ID });
    expect(sandbox.slackMessages().at(-1)?.text).toBe('over stdio');
    stop();
    await running;
  });

  it('answers requests already read when the client closes its end at once', async () => {
    const toServer = new PassThrough();
    const fromServer = new PassThrough();
    const running = runBundledServer('github', {
      env: sandboxEnv,
      stdin: toServer,
      stdout: fromServer,
      logger: silentLogger,
    });
    const messages = [
      {
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } },
      },
      { jsonrpc: '2.0', method: 'notifications/initialized' },
      {
        jsonrpc: '2.0',
        id: 2,
        method: 'tools/call',
        params: { name: 'list_commits', arguments: { limit: 1 } },
      },
    ];
    toServer.end(messages.map((message) => JSON.stringify(message) + '\n').join(''));
    await running;
    const answers = String(fromServer.read() ?? '')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { id: number; result?: { isError?: boolean; content?: unknown[] } });
    expect(answers.map((answer) => answer.id)).toEqual([1, 2]);
    expect(answers[1]?.result?.isError).toBeFalsy();
    expect(JSON.stringify(answers[1]?.result?.content)).toContain(sandbox.env.GITHUB_REPOSITORY);
  });

  it('scopes Kubernetes to the given namespaces, SRE_AGENT_NAMESPACES, or the context namespace', async () => {
    // The sandbox's API under a context whose namespace is `shop`.
    const kubeconfig = join(scratch, 'kubeconfig');
    await writeFile(
      kubeconfig,
      [
        'apiVersion: v1',
        'kind: Config',
        `clusters: [{name: c, cluster: {server: "${sandbox.urls.kubernetes}"}}]`,
        'users: [{name: u, user: {token: t}}]',
        'contexts: [{name: x, context: {cluster: c, user: u, namespace: shop}}]',
        'current-context: x',
      ].join('\n'),
    );
    const refusal = async (env: Record<string, string>, namespaces?: string[]) => {
      const { client, running, stop } = await runOverStdio('kubernetes', env, namespaces);
      const result = (await client.callTool({
        name: 'list_events',
        arguments: { namespace: 'kube-system' },
      })) as CallToolResult;
      stop();
      await running;
      expect(result.isError).toBe(true);
      return result.content[0]?.type === 'text' ? result.content[0].text : '';
    };
    expect(await refusal({ KUBECONFIG: kubeconfig })).toContain('allowed namespaces (shop)');
    expect(await refusal({ KUBECONFIG: kubeconfig, SRE_AGENT_NAMESPACES: 'default, web' })).toContain(
      'allowed namespaces (default, web)',
    );
    expect(await refusal({ KUBECONFIG: kubeconfig, SRE_AGENT_NAMESPACES: 'web' }, ['payments'])).toContain(
      'allowed namespaces (payments)',
    );
  });

  it('names the missing variable in a UsageError', async () => {
    const { SLACK_CHANNEL_ID: _channel, ...noChannel } = sandboxEnv;
    await expect(runBundledServer('slack', { env: noChannel, logger: silentLogger })).rejects.toThrow(
      new UsageError('SLACK_CHANNEL_ID is not set: name the one channel reports go to'),
    );
    const { SLACK_BOT_TOKEN: _token, ...noToken } = sandboxEnv;
    await expect(runBundledServer('slack', { env: noToken, logger: silentLogger })).rejects.toThrow(
      /SLACK_BOT_TOKEN/,
    );
    await expect(runBundledServer('github', { env: {}, logger: silentLogger })).rejects.toThrow(
      /GITHUB_REPOSITORY/,
    );
    await expect(
      runBundledServer('github', { env: { GITHUB_REPOSITORY: 'shop' }, logger: silentLogger }),
    ).rejects.toThrow(/GITHUB_REPOSITORY must be owner\/repo/);
    await expect(
      runBundledServer('github', { env: { GITHUB_REPOSITORY: 'a/b' }, logger: silentLogger }),
    ).rejects.toThrow(/GITHUB_TOKEN/);
    await expect(
      runBundledServer('kubernetes', { env: { KUBECONFIG: join(scratch, 'absent') }, logger: silentLogger }),
    ).rejects.toThrow(new UsageError(`KUBECONFIG names '${join(scratch, 'absent')}', which does not exist`));
    await expect(
      runBundledServer('kubernetes', { env: { HOME: scratch }, logger: silentLogger }),
    ).rejects.toThrow(/set KUBECONFIG/);
    // Without namespaces given, the kubeconfig is read at start: an empty one is a usage error.
    const empty = join(scratch, 'empty-at-start');
    await writeFile(empty, '\n');
    await expect(
      runBundledServer('kubernetes', { env: { KUBECONFIG: empty }, logger: silentLogger }),
    ).rejects.toThrow(
      new UsageError(
        `cannot read the Kubernetes configuration (KUBECONFIG ${empty}): ${empty} is empty or is not a kubeconfig (no clusters, users or contexts in it)`,
      ),
    );
  });

  it('lists its tools before reading the kubeconfig, and a tool call names a kubeconfig that cannot be read', async () => {
    // The client library loads after the listing: a kubeconfig that exists but is not YAML does
    // not stop the listing, and each call reports the problem instead of hanging or crashing.
    const broken = join(scratch, 'broken-kubeconfig');
    await writeFile(broken, 'clusters: [unclosed\n');
    const { client, running, stop } = await runOverStdio('kubernetes', { KUBECONFIG: broken }, ['shop']);
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name)).toContain('list_pods');
    const result = (await client.callTool({
      name: 'list_pods',
      arguments: { service: 'cart-service' },
    })) as CallToolResult;
    expect(result.isError).toBe(true);
    expect(JSON.stringify(result.content)).toContain(
      `cannot read the Kubernetes configuration (KUBECONFIG ${broken})`,
    );
    stop();
    await running;
  });

  it('says an empty kubeconfig is not a kubeconfig, instead of a JavaScript TypeError', async () => {
    const empty = join(scratch, 'empty-kubeconfig');
    await writeFile(empty, '');
    const { client, running, stop } = await runOverStdio('kubernetes', { KUBECONFIG: empty }, ['shop']);
    const result = (await client.callTool({
      name: 'list_pods',
      arguments: { service: 'cart-service' },
    })) as CallToolResult;
    expect(result.isError).toBe(true);
    const text = JSON.stringify(result.content);
    expect(text).toContain(`${empty} is empty or is not a kubeconfig`);
    expect(text).not.toContain('Cannot read properties');
    stop();
    await running;
  });
});
