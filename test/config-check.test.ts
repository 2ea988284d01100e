import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';

const EXAMPLE = path.resolve('examples/kubernetes-mcp-server.json');

interface CheckOutput {
  settings: {
    configFile: string;
    namespaces: string[];
    servers: { name: string; replacesBundled: boolean; transport: { env?: string[] } }[];
  };
  servers: {
    name: string;
    preset?: string;
    transport?: string;
    tools: { name: string; status: string; hash: string; reason?: string }[];
    missing: string[];
  }[];
}

describe('sre-agent config check', () => {
  it('prints the effective configuration and, per server, allowed and hidden tools with their hashes', async () => {
    const { code, stdout, stderr } = await runCli(
      ['config', 'check', '--config', EXAMPLE, '--sandbox', '--output', 'json'],
      {},
      60_000,
    );
    expect(code, stderr).toBe(0);
    const out = JSON.parse(stdout) as CheckOutput;
    expect(out.settings.configFile).toBe(EXAMPLE);
    expect(out.settings.namespaces).toEqual(['default']);
    const configured = out.settings.servers.find((s) => s.name === 'kubernetes');
    // Values of env and headers are never printed, only their names.
    expect(configured).toMatchObject({ replacesBundled: true, transport: { env: ['KUBECONFIG'] } });
    const kubernetes = out.servers.find((s) => s.name === 'kubernetes');
    expect(kubernetes).toMatchObject({ preset: 'kubernetes-mcp-server', transport: 'stdio', missing: [] });
    const status = Object.fromEntries(kubernetes?.tools.map((t) => [t.name, t.status]) ?? []);
    expect(status).toMatchObject({
      pods_list_in_namespace: 'allowed',
      pods_log: 'allowed',
      events_list: 'allowed',
      pods_list: 'hidden',
      configuration_view: 'hidden',
    });
    // The hashes printed are the pins the example carries: they match, so nothing is withheld.
    expect(kubernetes?.tools.every((t) => /^[0-9a-f]{64}$/.test(t.hash))).toBe(true);
    expect(kubernetes?.tools.some((t) => t.status === 'withheld')).toBe(false);
    expect(out.servers.map((s) => s.name).sort()).toEqual(['github', 'kubernetes', 'slack']);
  });

  it('prints a readable text form by default', async () => {
    const { code, stdout } = await runCli(['config', 'check', '--config', EXAMPLE, '--sandbox'], {}, 60_000);
    expect(code).toBe(0);
    expect(stdout).toContain(
      'server kubernetes (configured, replaces the bundled one): npx -y kubernetes-mcp-server@0.0.67',
    );
    expect(stdout).toMatch(/allowed {2}pods_log {2}sha256:[0-9a-f]{64}/);
    expect(stdout).toMatch(/hidden {3}pods_list {2}sha256:[0-9a-f]{64} {2}\(not on the allowlist\)/);
  });

  it('exits 2 when a configured server does not start, naming it', async () => {
    const { code, stderr } = await runCli(
      ['config', 'check', '--config', path.resolve('examples/remote-http.json')],
      {
        KUBERNETES_MCP_URL: 'http://127.0.0.1:9/mcp',
        KUBERNETES_MCP_TOKEN: 't',
        KUBECONFIG: '/nonexistent',
      },
    );
    expect(code).toBe(2);
    expect(stderr).toMatch(/MCP server 'kubernetes' did not start/);
  });
});
