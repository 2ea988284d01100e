import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { UsageError, errorMessage } from '../errors/errors.js';
import { describeIssues } from './describe-issues.js';
import { parseDuration } from './duration.js';
import { ConfigFile, type McpServerEntry } from './schema.js';
import {
  DEFAULT_MODEL_ID,
  PROMPT_CACHE_TTLS,
  modelInfo,
  type Effort,
  type PromptCacheTtl,
} from '../llm/models.js';
import { resolveConfiguredServers, type ConfiguredServer } from './servers.js';
import { loadActionSettings, type ActionSettings } from './actions.js';

export { describeIssues } from './describe-issues.js';

export type Env = Readonly<Record<string, string | undefined>>;
export type LlmChoice = 'auto' | 'anthropic' | 'bedrock' | 'offline';
const LLMS = ['auto', 'anthropic', 'bedrock', 'offline'] as const;
export type OutputFormat = 'text' | 'markdown' | 'json';

/** The current Sonnet (src/llm/models.ts has the table). */
export const DEFAULT_MODEL = DEFAULT_MODEL_ID;
/**
 * Medium, not the API's own default (high): a diagnosis is many short tool-driven turns under a
 * five-minute deadline, where deeper thinking per turn costs latency and output tokens ($10/MTok on
 * Sonnet 5.5) more than it adds; the evidence, not the reasoning depth, decides the answer.
 */
export const DEFAULT_EFFORT: Effort = 'medium';
export const EFFORTS = ['low', 'medium', 'high'] as const;
export const DEFAULT_TIMEOUT_MS = 5 * 60_000;
export const DEFAULT_MAX_TURNS = 15;

/** Flags of `diagnose` that bear on settings, as commander hands them over. */
export interface DiagnoseFlags {
  service: string;
  namespace?: string;
  llm?: string;
  model?: string;
  effort?: string;
  timeout?: string;
  maxTurns?: string;
  budgetUsd?: string;
  output?: string;
  slack?: boolean;
  slackChannel?: string;
  config?: string;
  auditLog?: string;
  /** commander's `--no-prompt-cache` gives `promptCache: false`. */
  promptCache?: boolean;
  /** `--actions rollback`: the actions a report may propose (off by default). */
  actions?: string;
}

/** Everything a run needs to know, parsed once at the edge and frozen. */
export interface Settings {
  service: string;
  namespace: string;
  /** The only namespaces the Kubernetes server may read. */
  namespaces: string[];
  llm: LlmChoice;
  model: string;
  /** `output_config.effort` for models with adaptive thinking. */
  effort: Effort;
  timeoutMs: number;
  maxTurns: number;
  budgetUsd: number | null;
  output: OutputFormat;
  slack: { enabled: boolean; channel: string | null };
  repository: string | null;
  auditLogPath: string | null;
  /** Anthropic prompt caching; off only to measure what it saves. */
  promptCache: boolean;
  /** Lifetime of the cached tools and system prompt: `5m` (default) or `1h` for frequent runs. */
  promptCacheTtl: PromptCacheTtl;
  mcpServers: Record<string, McpServerEntry>;
  /** `mcpServers` validated, with `${VAR}` filled in from the environment. */
  servers: ConfiguredServer[];
  serviceAliases: Record<string, string>;
  configPath: string | null;
  /** Actions a report may propose and who approves them (off by default; config/actions.ts). */
  actions: ActionSettings;
  /** The process environment, handed down so that servers get an explicit copy of what they need. */
  env: Env;
}

/** Read and validate a JSON or YAML config file; every error names the file and the field. */
export async function readConfigFile(file: string): Promise<ConfigFile> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new UsageError(
      `config file ${file}: cannot be read (${errorMessage(error)}); check --config or SRE_AGENT_CONFIG`,
    );
  }
  let raw: unknown;
  try {
    raw = /\.json$/i.test(file) ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new UsageError(
      `config file ${file}: not valid ${/\.json$/i.test(file) ? 'JSON' : 'YAML'}: ${errorMessage(error)}`,
    );
  }
  const parsed = ConfigFile.safeParse(raw ?? {});
  if (!parsed.success) throw new UsageError(`config file ${file}: ${describeIssues(parsed.error)}`);
  return parsed.data;
}

function oneOf<T extends string>(
  value: string | undefined,
  allowed: readonly T[],
  what: string,
): T | undefined {
  if (value === undefined) return undefined;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`${what}: '${value}' is not one of ${allowed.join(', ')}`);
}

function positiveNumber(value: string | undefined, what: string, integer: boolean): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) {
    throw new UsageError(`${what}: '${value}' must be a positive ${integer ? 'integer' : 'number'}`);
  }
  return n;
}

/**
 * Merge flags, environment and config file into Settings. Flags win over the environment, which
 * wins over the file, which wins over defaults. `defaults` carries what a trigger knows (e.g. the
 * sandbox scenario's namespace and repository).
 */
export async function loadSettings(
  flags: DiagnoseFlags,
  env: Env,
  defaults: { namespace?: string; repository?: string } = {},
): Promise<Settings> {
  const configPath = flags.config ?? env.SRE_AGENT_CONFIG ?? null;
  const file = configPath ? await readConfigFile(path.resolve(configPath)) : ConfigFile.parse({});

  const service = flags.service.trim();
  if (!/^[a-zA-Z0-9][a-zA-Z0-9._-]{0,252}$/.test(service)) {
    throw new UsageError(`--service: '${flags.service}' is not a valid service name`);
  }
  const envNamespaces = env.SRE_AGENT_NAMESPACES?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  // Fail closed: with nothing configured the agent reads one namespace, not the cluster.
  const namespaces = [...new Set(file.namespaces ?? envNamespaces ?? [defaults.namespace ?? 'default'])];
  const namespace = flags.namespace ?? defaults.namespace ?? namespaces[0] ?? 'default';
  if (!namespaces.includes(namespace)) {
    throw new UsageError(
      `--namespace: '${namespace}' is outside the allowed namespaces (${namespaces.join(', ')}); ` +
        'add it to `namespaces` in the config file (or SRE_AGENT_NAMESPACES) to let the agent read it',
    );
  }

  // Long enough to read anything, short enough to stay an incident response (issue 12).
  const timeoutBounds = { minMs: 10_000, maxMs: 3_600_000 };
  const timeoutMs = flags.timeout
    ? parseDuration(flags.timeout, '--timeout', timeoutBounds)
    : file.timeout !== undefined
      ? parseDuration(file.timeout, 'config timeout', timeoutBounds)
      : DEFAULT_TIMEOUT_MS;
  const repository = env.GITHUB_REPOSITORY ?? file.repository ?? defaults.repository ?? null;
  if (repository !== null && !/^[\w.-]+\/[\w.-]+$/.test(repository)) {
    throw new UsageError(`GITHUB_REPOSITORY: '${repository}' must be owner/repo`);
  }

  const llm =
    oneOf(flags.llm, LLMS, '--llm') ??
    oneOf(env.SRE_AGENT_LLM || undefined, LLMS, 'SRE_AGENT_LLM') ??
    file.llm ??
    'auto';
  const model = flags.model ?? env.SRE_AGENT_MODEL ?? file.model ?? DEFAULT_MODEL;
  const budgetUsd = positiveNumber(flags.budgetUsd, '--budget-usd', false) ?? file.budgetUsd ?? null;
  // A budget the run cannot measure would silently do nothing: refuse it (offline runs cost nothing).
  if (budgetUsd !== null && llm !== 'offline' && !modelInfo(model)) {
    throw new UsageError(
      `--budget-usd: no price is known for model '${model}', so the budget cannot be enforced; ` +
        `use a known model (--model ${DEFAULT_MODEL}) or drop the budget`,
    );
  }

  return Object.freeze({
    service: file.serviceAliases[service] ?? service,
    namespace,
    namespaces,
    llm,
    model,
    effort:
      oneOf(flags.effort, EFFORTS, '--effort') ??
      oneOf(env.SRE_AGENT_EFFORT || undefined, EFFORTS, 'SRE_AGENT_EFFORT') ??
      file.effort ??
      DEFAULT_EFFORT,
    timeoutMs,
    maxTurns: positiveNumber(flags.maxTurns, '--max-turns', true) ?? file.maxTurns ?? DEFAULT_MAX_TURNS,
    budgetUsd,
    output: oneOf(flags.output, ['text', 'markdown', 'json'] as const, '--output') ?? 'text',
    slack: {
      enabled: flags.slack !== false,
      channel: flags.slackChannel ?? env.SLACK_CHANNEL_ID ?? file.slack.channel ?? null,
    },
    repository,
    auditLogPath: flags.auditLog ?? file.auditLog ?? null,
    promptCache: flags.promptCache !== false,
    promptCacheTtl:
      oneOf(env.SRE_AGENT_PROMPT_CACHE_TTL || undefined, PROMPT_CACHE_TTLS, 'SRE_AGENT_PROMPT_CACHE_TTL') ??
      file.promptCacheTtl ??
      '5m',
    mcpServers: file.mcpServers,
    servers: configPath ? resolveConfiguredServers(file.mcpServers, env, path.resolve(configPath)) : [],
    serviceAliases: file.serviceAliases,
    configPath,
    actions: loadActionSettings(flags.actions, env, file),
    env,
  });
}

/**
 * Configuration a run cannot do without, checked before anything starts (issue 13): a run that
 * cannot reach the cluster, has nowhere to post or no repository to read would otherwise look like
 * a diagnosis ("no tool to list pods"), exit 0 and even post that. Each problem is one line naming
 * what to set; the caller exits 2 with nothing investigated and nothing posted.
 */
export function checkRunnable(settings: Settings): void {
  const configured = (name: string) => settings.servers.find((s) => s.name === name);
  const problems: string[] = [];
  // A configured `kubernetes` server brings its own access (a --kubeconfig flag, a URL), or is off.
  if (!configured('kubernetes')) {
    const env = settings.env;
    const files = (env.KUBECONFIG ?? '')
      .split(path.delimiter)
      .map((f) => f.trim())
      .filter(Boolean);
    const home = env.HOME || env.USERPROFILE;
    if (files.length > 0) {
      const missing = files.filter((f) => !existsSync(f));
      if (missing.length === files.length)
        problems.push(
          `KUBECONFIG names ${missing.join(', ')}, which does not exist: set it to a kubeconfig file`,
        );
    } else if (!env.KUBERNETES_SERVICE_HOST && !(home && existsSync(path.join(home, '.kube', 'config')))) {
      problems.push(
        'no cluster access configured: set KUBECONFIG to a kubeconfig file (or run in a pod with a service account)',
      );
    }
  }
  if (settings.slack.enabled) {
    if (!settings.slack.channel)
      problems.push(
        'Slack posting is on but no channel is set: set SLACK_CHANNEL_ID (or --slack-channel), or pass --no-slack',
      );
    else if (!configured('slack') && !settings.env.SLACK_BOT_TOKEN)
      problems.push('Slack posting is on but SLACK_BOT_TOKEN is not set: set it, or pass --no-slack');
  }
  const github = configured('github');
  if (!settings.repository && !github?.disabled)
    problems.push(
      'no repository to investigate: set GITHUB_REPOSITORY (owner/repo) or `repository` in the config file ' +
        '(or disable GitHub with mcpServers.github.disabled: true)',
    );
  if (problems.length === 1) throw new UsageError(problems[0] as string);
  if (problems.length > 1) throw new UsageError(problems.join('; '));
}
