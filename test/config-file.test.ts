import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSettings } from '../src/config/load.js';
import { UsageError } from '../src/errors/errors.js';
import { serverSpecs } from '../src/mcp/server-specs.js';

async function configFile(name: string, content: unknown): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'sre-config-'));
  const file = path.join(dir, name);
  await writeFile(file, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return file;
}

const load = (file: string, env: Record<string, string> = {}) =>
  loadSettings({ service: 'cart-service', config: file }, { PATH: process.env.PATH, ...env });

const kubernetesMcpServer = {
  command: 'npx',
  args: ['-y', 'kubernetes-mcp-server@0.0.67', '--kubeconfig', '${KUBECONFIG}', '--read-only'],
  env: { KUBECONFIG: '${KUBECONFIG}' },
  tools: ['pods_list_in_namespace', 'pods_log'],
};

describe('config file: the mcpServers map as Claude Desktop writes it, plus our fields', () => {
  it('reads a Claude Desktop entry, fills ${VAR} from the environment, and replaces the bundled server of that name', async () => {
    const file = await configFile('c.json', { mcpServers: { kubernetes: kubernetesMcpServer } });
    const settings = await load(file, { KUBECONFIG: '/tmp/kube.yaml' });
    expect(settings.servers).toEqual([
      {
        name: 'kubernetes',
        disabled: false,
        transport: {
          kind: 'stdio',
          command: 'npx',
          args: ['-y', 'kubernetes-mcp-server@0.0.67', '--kubeconfig', '/tmp/kube.yaml', '--read-only'],
          env: { KUBECONFIG: '/tmp/kube.yaml' },
        },
        tools: ['pods_list_in_namespace', 'pods_log'],
        pins: {},
      },
    ]);
    const specs = await serverSpecs(settings);
    const kubernetes = specs.filter((s) => s.name === 'kubernetes');
    expect(kubernetes).toHaveLength(1);
    expect(kubernetes[0]).toMatchObject({ bundled: false, allow: ['pods_list_in_namespace', 'pods_log'] });
    expect(kubernetes[0]?.namespaces).toEqual(['default']);
  });

  it('reads YAML too, with HTTP servers, header interpolation and fallbacks', async () => {
    const file = await configFile(
      'c.yaml',
      [
        'mcpServers:',
        '  remote:',
        '    type: http',
        '    url: ${MCP_URL:-http://127.0.0.1:8080/mcp}',
        '    headers: { Authorization: "Bearer ${MCP_TOKEN}" }',
        '    tools: [pods_log]',
        '  slack: { disabled: true }',
      ].join('\n'),
    );
    const settings = await load(file, { MCP_TOKEN: 't0ken' });
    expect(settings.servers[0]?.transport).toEqual({
      kind: 'http',
      url: 'http://127.0.0.1:8080/mcp',
      headers: { Authorization: 'Bearer t0ken' },
      mode: 'auto',
    });
    const specs = await serverSpecs({ ...settings, env: { ...settings.env, SLACK_BOT_TOKEN: 'x' } });
    expect(specs.map((s) => s.name).sort()).toEqual(['kubernetes', 'remote']);
  });

  it('names the file, the field and the variable when a ${VAR} is not set', async () => {
    const file = await configFile('c.json', { mcpServers: { kubernetes: kubernetesMcpServer } });
    const attempt = load(file);
    await expect(attempt).rejects.toBeInstanceOf(UsageError);
    await expect(attempt).rejects.toThrow(
      `config file ${file}: mcpServers.kubernetes.args.3: \${KUBECONFIG} is not set in the environment`,
    );
  });

  it('names a typo with the fields expected there and the likely one', async () => {
    const file = await configFile('c.json', {
      mcpServers: { k8s: { command: 'npx', tols: ['pods_log'] } },
    });
    const attempt = load(file);
    await expect(attempt).rejects.toBeInstanceOf(UsageError);
    await expect(attempt).rejects.toThrow(
      /c\.json: mcpServers\.k8s\.tols: unknown field; expected one of type, command, args, env, cwd, url, headers, tools, pins, disabled \(did you mean 'tools'\?\)/,
    );
  });

  it('fails closed: a server that is not bundled needs a tools allowlist', async () => {
    const file = await configFile('c.json', { mcpServers: { docs: { command: 'docs-mcp' } } });
    await expect(load(file)).rejects.toThrow(
      /mcpServers\.docs\.tools: required for a server that is not bundled/,
    );
  });

  it('checks transports, URLs and pins', async () => {
    const both = await configFile('a.json', {
      mcpServers: { x: { command: 'a', url: 'http://b', tools: [] } },
    });
    await expect(load(both)).rejects.toThrow(/mcpServers\.x\.url: give either `command` \(stdio\) or `url`/);
    const badUrl = await configFile('b.json', { mcpServers: { x: { url: 'ftp://host/mcp', tools: [] } } });
    await expect(load(badUrl)).rejects.toThrow(
      /mcpServers\.x\.url: 'ftp:\/\/host\/mcp' is not an http\(s\) URL/,
    );
    const badPin = await configFile('c.json', {
      mcpServers: { x: { command: 'a', tools: ['t'], pins: { t: 'abc', u: 'a'.repeat(64) } } },
    });
    const attempt = load(badPin);
    await expect(attempt).rejects.toThrow(/mcpServers\.x\.pins\.t: expected a sha256 hex digest/);
    await expect(attempt).rejects.toThrow(/mcpServers\.x\.pins\.u: pins a tool that is not in `tools` \(t\)/);
    const badName = await configFile('d.json', { mcpServers: { 'bad name': { command: 'a', tools: [] } } });
    await expect(load(badName)).rejects.toThrow(/mcpServers\.bad name: invalid name \(server names are 1-32/);
  });

  it('refuses a stdio command that does not exist, naming the server, the field and the command', async () => {
    const file = await configFile('c.json', {
      mcpServers: { kubernetes: { ...kubernetesMcpServer, command: 'kubernetes-mcp-serverr' } },
    });
    const settings = await load(file, { KUBECONFIG: '/tmp/k' });
    await expect(serverSpecs(settings)).rejects.toThrow(
      /mcpServers\.kubernetes\.command: 'kubernetes-mcp-serverr' was not found on PATH/,
    );
  });

  it('keeps the report post the host’s: a configured slack server never shows post_message to the model', async () => {
    const file = await configFile('c.json', {
      mcpServers: { slack: { command: 'node', args: ['x.js'], tools: ['post_message', 'read_channel'] } },
    });
    const specs = await serverSpecs(await load(file));
    const slack = specs.find((s) => s.name === 'slack');
    expect(slack).toMatchObject({ allow: ['read_channel'], hostOnly: ['post_message'] });
  });
});
