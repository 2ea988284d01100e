import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { UsageError } from '../src/errors/errors.js';
import type { Scenario } from '../src/sandbox/scenario-types.js';
import { runBundledServer, type BundledServerName } from '../src/servers/run-server.js';
import { silentLogger } from '../src/util/log.js';
import { startTempSandbox as startSandbox } from './servers-temp-sandbox.js';

const scenario: Scenario = {
  name: 'servers-run-test',
  dir: tmpdir(),
  title: 'servers run test',
  service: 'cart-service',
  namespace: 'default',
  repository: 'example/shop',
  now: '2026-11-20T14:30:00Z',
  expect: { status: 'diagnosed', rootCause: [], files: [], commits: [], forbid: [] },
  objects: [],
  logs: {},
  repoFiles: { 'README.md': '# shop\n' },
  commits: [],
};

let sandbox: Awaited<ReturnType<typeof startSandbox>>;
let scratch: string;

beforeAll(async () => {
  sandbox = await startSandbox(scenario);
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
  it('serves the GitHub tools over stdio and returns when its input ends', async () => {
    const { client, running, stop } = await runOverStdio('github', sandbox.env);
    const result = (await client.callTool({
      name: 'get_file_contents',
      arguments: { path: 'README.md' },
    })) as CallToolResult;
    expect(result.content[0]).toMatchObject({ type: 'text', text: expect.stringContaining('1| # shop') });
    stop();
    await expect(running).resolves.toBeUndefined();
  });

  it('serves the Slack tool to the channel of SLACK_CHANNEL_ID', async () => {
    const { client, running, stop } = await runOverStdio('slack', sandbox.env);
    const result = (await client.callTool({
      name: 'post_message',
      arguments: { text: 'over stdio' },
    })) as CallToolResult;
    expect(result.structuredContent).toMatchObject({ ok: true, channel: sandbox.env.SLACK_CHANNEL_ID });
    expect(sandbox.slackMessages().at(-1)?.text).toBe('over stdio');
    stop();
    await running;
  });

  it('scopes Kubernetes to SRE_AGENT_NAMESPACES, or to the namespaces it is given', async () => {
    const kubeconfig = join(scratch, 'kubeconfig');
    await writeFile(
      kubeconfig,
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters: [{name: c, cluster: {server: "http://127.0.0.1:9", insecure-skip-tls-verify: true}}]',
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
    const { SLACK_CHANNEL_ID: _channel, ...noChannel } = sandbox.env;
    await expect(runBundledServer('slack', { env: noChannel, logger: silentLogger })).rejects.toThrow(
      new UsageError('SLACK_CHANNEL_ID is not set: name the one channel reports go to'),
    );
    await expect(runBundledServer('github', { env: {}, logger: silentLogger })).rejects.toThrow(
      /GITHUB_REPOSITORY/,
    );
    await expect(
      runBundledServer('github', { env: { GITHUB_REPOSITORY: 'shop' }, logger: silentLogger }),
    ).rejects.toThrow(/GITHUB_REPOSITORY must be owner\/repo/);
    await expect(
      runBundledServer('kubernetes', { env: { KUBECONFIG: join(scratch, 'absent') }, logger: silentLogger }),
    ).rejects.toBeInstanceOf(UsageError);
    await expect(
      runBundledServer('kubernetes', { env: { HOME: scratch }, logger: silentLogger }),
    ).rejects.toThrow(/KUBECONFIG/);
  });
});
