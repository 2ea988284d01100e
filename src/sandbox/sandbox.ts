import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { stringify as stringifyYaml } from 'yaml';
import type { SandboxSlackMessage } from '../report/schema.js';
import type { SandboxUsergroup, Scenario } from './scenario-types.js';
import { startGitHubApi } from './github-api.js';
import { startKubernetesApi } from './kube-api.js';
import type { LocalServer } from './local-http.js';
import { sandboxSlack, startSlackApi } from './slack-api.js';

/** The environment that points every command and tool at a running sandbox (DESIGN.md 4.1). */
export interface SandboxEnv {
  KUBECONFIG: string;
  GITHUB_API_URL: string;
  GITHUB_TOKEN: string;
  GITHUB_REPOSITORY: string;
  SLACK_API_URL: string;
  SLACK_BOT_TOKEN: string;
  SLACK_CHANNEL_ID: string;
  SLACK_SIGNING_SECRET: string;
  /** App-level token for Socket Mode (`serve slack --socket-mode`). */
  SLACK_APP_TOKEN?: string;
  /** The scenario's now: a diagnosis run against the sandbox reads its recorded times as of then. */
  SRE_AGENT_NOW?: string;
}

/** A scenario served on 127.0.0.1 by local Kubernetes, GitHub and Slack APIs. */
export interface Sandbox {
  scenario: Scenario;
  urls: { kubernetes: string; github: string; slack: string };
  env: SandboxEnv;
  kubeconfigPath: string;
  /** Every message the local Slack received so far. */
  slackMessages(): SandboxSlackMessage[];
  /** Stop every server and remove the temporary directory the sandbox made, if any. */
  close(): Promise<void>;
}

// Fixed, obviously fake credentials: the local APIs accept exactly these (GitHub accepts any).
const sandboxCredentials = {
  githubToken: 'sandbox-github-token',
  slackBotToken: 'xoxb-sandbox-bot-token',
  slackSigningSecret: 'sandbox-signing-secret',
  slackAppToken: 'xapp-1-A0SREAGENT-sandbox-app-token',
};

/** A kubeconfig for the local API: plain http, no client certificates, the scenario's namespace. */
export function sandboxKubeconfig(server: string, namespace: string): string {
  return stringifyYaml({
    apiVersion: 'v1',
    kind: 'Config',
    // @kubernetes/client-node refuses plain http unless TLS verification is "skipped" (there is none).
    clusters: [{ name: 'sre-agent-sandbox', cluster: { server, 'insecure-skip-tls-verify': true } }],
    // A token keeps kubectl from asking for credentials; the sandbox ignores it.
    users: [{ name: 'sre-agent-sandbox', user: { token: 'sandbox' } }],
    contexts: [
      {
        name: 'sre-agent-sandbox',
        context: { cluster: 'sre-agent-sandbox', user: 'sre-agent-sandbox', namespace },
      },
    ],
    'current-context': 'sre-agent-sandbox',
    preferences: {},
  });
}

/**
 * Start the local Kubernetes, GitHub and Slack APIs for `scenario` and write a kubeconfig into
 * `options.workDir` (or a fresh temporary directory, removed again by close()).
 */
export async function startSandbox(
  scenario: Scenario,
  options: {
    workDir?: string;
    /** The local Slack: its user groups (default: the scenario's) and bot scopes (default: all it needs). */
    slack?: { usergroups?: readonly SandboxUsergroup[]; scopes?: readonly string[] };
  } = {},
): Promise<Sandbox> {
  const madeDir =
    options.workDir === undefined ? await mkdtemp(join(tmpdir(), 'sre-agent-sandbox-')) : undefined;
  const workDir = resolve(options.workDir ?? madeDir ?? '.');
  const servers: LocalServer[] = [];
  const stop = async () => {
    await Promise.allSettled(servers.map((s) => s.close()));
    if (madeDir) await rm(madeDir, { recursive: true, force: true });
  };
  try {
    const kubernetes = await startKubernetesApi(scenario);
    servers.push(kubernetes);
    const github = await startGitHubApi(scenario);
    servers.push(github);
    const slack = await startSlackApi({
      token: sandboxCredentials.slackBotToken,
      appToken: sandboxCredentials.slackAppToken,
      now: scenario.now,
      usergroups: options.slack?.usergroups ?? scenario.slack?.usergroups ?? [],
      ...(options.slack?.scopes ? { scopes: options.slack.scopes } : {}),
    });
    servers.push(slack);
    const kubeconfigPath = join(workDir, 'kubeconfig.yaml');
    await writeFile(kubeconfigPath, sandboxKubeconfig(kubernetes.url, scenario.namespace), { mode: 0o600 });
    const env: SandboxEnv = {
      KUBECONFIG: kubeconfigPath,
      GITHUB_API_URL: github.url,
      GITHUB_TOKEN: sandboxCredentials.githubToken,
      GITHUB_REPOSITORY: scenario.repository,
      SLACK_API_URL: `${slack.url}/api/`,
      SLACK_BOT_TOKEN: sandboxCredentials.slackBotToken,
      SLACK_CHANNEL_ID: sandboxSlack.channelId,
      SLACK_APP_TOKEN: sandboxCredentials.slackAppToken,
      SRE_AGENT_NOW: scenario.now,
      // Last: scripts wait for this line to know the whole environment is written.
      SLACK_SIGNING_SECRET: sandboxCredentials.slackSigningSecret,
    };
    let closed: Promise<void> | undefined;
    return {
      scenario,
      urls: { kubernetes: kubernetes.url, github: github.url, slack: env.SLACK_API_URL },
      env,
      kubeconfigPath,
      slackMessages: () => slack.messages(),
      close: () => (closed ??= stop()),
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Quote for POSIX shells: `it's` → `'it'\''s'`. */
function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** `export NAME='value'` lines, one per variable, for `eval "$(sre-agent sandbox start)"` and --write-env. */
export function formatEnvExports(env: SandboxEnv): string {
  return Object.entries(env)
    .map(([name, value]) => `export ${name}=${shellQuote(String(value))}`)
    .join('\n')
    .concat('\n');
}
