import { fileURLToPath } from 'node:url';
import type { Settings } from '../config/load.js';
import { BUNDLED_ALLOWLISTS, type ServerSpec } from './server-spec.js';

const BIN = fileURLToPath(new URL('../../bin/sre-agent.js', import.meta.url));

/** Variables a bundled server may receive; the MCP SDK does not pass the parent's environment on. */
const PASSED_THROUGH: Record<'kubernetes' | 'github' | 'slack', string[]> = {
  kubernetes: ['KUBECONFIG', 'KUBERNETES_SERVICE_HOST', 'KUBERNETES_SERVICE_PORT', 'HOME'],
  github: ['GITHUB_TOKEN', 'GITHUB_API_URL', 'HOME'],
  slack: ['SLACK_BOT_TOKEN', 'SLACK_API_URL', 'SRE_AGENT_SLACK_TIMEOUT', 'HOME'],
};

function pick(env: Settings['env'], names: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of names) {
    const value = env[name];
    if (value !== undefined) out[name] = value;
  }
  return out;
}

/**
 * The bundled servers, each run as `sre-agent mcp <name>` over stdio with exactly the environment
 * it needs: the Kubernetes server never sees the Slack token, and so on.
 */
export function bundledServerSpecs(settings: Settings, options: { now?: Date } = {}): ServerSpec[] {
  const node = process.execPath;
  const specs: ServerSpec[] = [
    {
      name: 'kubernetes',
      bundled: true,
      transport: {
        kind: 'stdio',
        command: node,
        args: [BIN, 'mcp', 'kubernetes', '--namespaces', settings.namespaces.join(',')],
        env: {
          ...pick(settings.env, PASSED_THROUGH.kubernetes),
          ...(options.now ? { SRE_AGENT_NOW: options.now.toISOString() } : {}),
        },
      },
      ...BUNDLED_ALLOWLISTS.kubernetes,
      namespaces: settings.namespaces,
    },
  ];
  if (settings.repository) {
    specs.push({
      name: 'github',
      bundled: true,
      transport: {
        kind: 'stdio',
        command: node,
        args: [BIN, 'mcp', 'github'],
        env: { ...pick(settings.env, PASSED_THROUGH.github), GITHUB_REPOSITORY: settings.repository },
      },
      ...BUNDLED_ALLOWLISTS.github,
    });
  }
  if (settings.slack.enabled && settings.slack.channel && settings.env.SLACK_BOT_TOKEN) {
    specs.push({
      name: 'slack',
      bundled: true,
      transport: {
        kind: 'stdio',
        command: node,
        args: [BIN, 'mcp', 'slack'],
        env: { ...pick(settings.env, PASSED_THROUGH.slack), SLACK_CHANNEL_ID: settings.slack.channel },
      },
      ...BUNDLED_ALLOWLISTS.slack,
    });
  }
  return specs;
}
