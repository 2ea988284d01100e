import { checkRunnable, loadSettings, type Env, type Settings } from '../config/load.js';
import { ExitCode, UsageError, errorMessage } from '../errors/errors.js';
import { McpHost } from '../mcp/host.js';
import type { ServerInventory } from '../mcp/inventory.js';
import type { ServerSpec } from '../mcp/server-spec.js';
import { serverSpecs } from '../mcp/server-specs.js';
import { loadScenario, resolveScenarioDir } from '../sandbox/scenario.js';
import { startSandbox, type Sandbox } from '../sandbox/sandbox.js';
import type { Logger } from '../util/log.js';
import type { Output } from './output.js';
import { PUBLIC_SCENARIOS, packageVersion } from './paths.js';

export interface ConfigCheckOptions {
  config?: string;
  output?: string;
  /** Check against a sandbox scenario's local APIs instead of the environment's cluster. */
  sandbox?: string | boolean;
}

/**
 * Header and env values may be credentials: only their names are shown. A configured server's
 * command line and URL are shown as written, `${VAR}` and all, so no interpolated secret prints.
 */
function describeTransport(spec: ServerSpec, settings: Settings): Record<string, unknown> {
  const t = spec.transport;
  const raw = spec.bundled ? undefined : settings.mcpServers[spec.name];
  return t.kind === 'stdio'
    ? {
        kind: 'stdio',
        command: raw?.command ?? t.command,
        args: raw?.args ?? t.args,
        env: Object.keys(t.env),
      }
    : { kind: 'http', url: raw?.url ?? t.url, headers: Object.keys(t.headers), mode: t.mode ?? 'auto' };
}

function endpointOf(transport: Record<string, unknown>): string {
  return transport.kind === 'stdio'
    ? [transport.command, ...(transport.args as string[])].join(' ')
    : String(transport.url);
}

function effectiveSettings(settings: Settings, specs: ServerSpec[]) {
  return {
    configFile: settings.configPath,
    namespaces: settings.namespaces,
    slackChannel: settings.slack.channel,
    repository: settings.repository,
    model: settings.model,
    timeoutMs: settings.timeoutMs,
    maxTurns: settings.maxTurns,
    budgetUsd: settings.budgetUsd,
    serviceAliases: settings.serviceAliases,
    auditLog: settings.auditLogPath,
    servers: specs.map((s) => ({
      name: s.name,
      bundled: s.bundled,
      replacesBundled: !s.bundled && ['kubernetes', 'github', 'slack'].includes(s.name),
      transport: describeTransport(s, settings),
      allow: s.allow,
      pins: Object.keys(s.pins ?? {}),
    })),
    disabled: settings.servers.filter((s) => s.disabled).map((s) => s.name),
  };
}

/** One row per server: whether it started, how many tools it lets through, what it is used for. */
function serverTable(inventory: ServerInventory[]): string[] {
  const rows = inventory.map((server) => {
    const allowed = server.tools.filter((t) => t.status === 'allowed').length;
    const serves = [...new Set(server.tools.flatMap((t) => t.serves ?? []))];
    const posts = server.tools.some((t) => t.reason?.startsWith('host only'));
    const status = server.error ? 'FAILED' : serves.length || posts ? 'ok' : 'UNUSED';
    const use = server.error
      ? server.error
      : serves.length
        ? `${server.preset}: ${serves.join(', ')}`
        : posts
          ? 'posts the report'
          : `matches no capability: ${server.unused ?? 'none of its tools fits'}`;
    return [
      server.name,
      server.bundled ? 'bundled' : 'configured',
      status,
      server.error ? '-' : `${allowed}/${server.tools.length}`,
      use,
    ];
  });
  const head = ['SERVER', 'KIND', 'STATUS', 'ALLOWED', 'USED FOR'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ');
  return [line(head), ...rows.map(line)];
}

function renderText(
  settings: ReturnType<typeof effectiveSettings>,
  inventory: ServerInventory[],
  problems: string | null,
): string {
  const lines = [
    `config file: ${settings.configFile ?? '(none: defaults and environment)'}`,
    `namespaces: ${settings.namespaces.join(', ')}`,
    `slack channel: ${settings.slackChannel ?? '(none)'}  repository: ${settings.repository ?? '(none)'}`,
    `model: ${settings.model}  timeout: ${settings.timeoutMs / 1000}s  max turns: ${settings.maxTurns}  budget: ${settings.budgetUsd ?? 'none'}`,
    ...(settings.disabled.length ? [`disabled bundled servers: ${settings.disabled.join(', ')}`] : []),
    ...(problems ? [`CONFIGURATION ERROR: ${problems}`] : []),
    '',
    ...serverTable(inventory),
  ];
  for (const server of inventory) {
    const spec = settings.servers.find((s) => s.name === server.name);
    const kind = server.bundled
      ? 'bundled'
      : spec?.replacesBundled
        ? 'configured, replaces the bundled one'
        : 'configured';
    lines.push('', `server ${server.name} (${kind}): ${spec ? endpointOf(spec.transport) : server.endpoint}`);
    if (server.error) {
      lines.push(`  NOT STARTED: ${server.error}`);
      continue;
    }
    lines.push(
      `  transport ${server.transport ?? '?'}${server.preset ? `, capabilities from preset ${server.preset}` : server.tools.some((t) => t.reason?.startsWith('host only')) ? ', posts the report' : `, no capability map fits (the offline engine will not use it): ${server.unused ?? ''}`}`,
    );
    for (const tool of server.tools) {
      const mark = { allowed: 'allowed ', hidden: 'hidden  ', withheld: 'WITHHELD', refused: 'refused ' }[
        tool.status
      ];
      const serves = tool.serves?.length ? `  serves ${tool.serves.join(', ')}` : '';
      lines.push(
        `  ${mark} ${tool.name}  sha256:${tool.hash}${serves}${tool.reason ? `  (${tool.reason})` : ''}`,
      );
      if (tool.status === 'allowed' && tool.schemaChanges?.length)
        lines.push(`           schema adjusted for the Messages API: ${tool.schemaChanges.join('; ')}`);
    }
    for (const name of server.missing)
      lines.push(`  MISSING  ${name}  (allowlisted but not offered by the server)`);
  }
  return lines.join('\n');
}

/** The servers' specs one by one, so that a server whose command is missing does not hide the others. */
async function resolveEach(
  settings: Settings,
): Promise<{ specs: ServerSpec[]; unresolved: ServerInventory[] }> {
  // Bundled servers alone (the configured ones' names still replace them).
  const specs = await serverSpecs({
    ...settings,
    servers: settings.servers.map((s) => ({ ...s, transport: null })),
  });
  const unresolved: ServerInventory[] = [];
  for (const server of settings.servers) {
    try {
      const own = await serverSpecs({ ...settings, servers: [server] });
      specs.push(...own.filter((spec) => !spec.bundled));
    } catch (error) {
      const t = server.transport;
      const endpoint = t ? (t.kind === 'stdio' ? [t.command, ...t.args].join(' ') : t.url) : '';
      unresolved.push({
        name: server.name,
        bundled: false,
        endpoint,
        error: errorMessage(error),
        tools: [],
        missing: [...(server.tools ?? [])],
      });
    }
  }
  return { specs, unresolved };
}

/**
 * `sre-agent config check`: the effective configuration, then each server started as a run would
 * start it, with the tools it offers, which are allowed, hidden or withheld, and each definition's
 * hash to pin. Exit 2 when a server does not start.
 */
export async function configCheck(
  options: ConfigCheckOptions,
  deps: { env: Env; output: Output; logger: Logger },
): Promise<number> {
  let sandbox: Sandbox | undefined;
  let host: McpHost | undefined;
  try {
    let env = deps.env;
    const defaults: { namespace?: string; repository?: string } = {};
    if (options.sandbox !== undefined && options.sandbox !== false) {
      const arg = typeof options.sandbox === 'string' ? options.sandbox : undefined;
      const scenario = await loadScenario(await resolveScenarioDir(arg, 'cart-service', PUBLIC_SCENARIOS));
      sandbox = await startSandbox(scenario);
      env = { ...deps.env, ...sandbox.env, SRE_AGENT_NAMESPACES: undefined };
      Object.assign(defaults, { namespace: scenario.namespace, repository: scenario.repository });
    }
    // `config check` diagnoses nothing; the service name only satisfies the settings' shape.
    const settings = await loadSettings({ service: 'config-check', config: options.config }, env, defaults);
    let problems: string | null = null;
    try {
      checkRunnable(settings);
    } catch (error) {
      problems = errorMessage(error);
    }
    // Every server is checked: one whose command is missing is a row of the table, not the end.
    const { specs, unresolved } = await resolveEach(settings);
    host = await McpHost.start(specs, { logger: deps.logger, clientVersion: packageVersion() });
    const effective = effectiveSettings(settings, specs);
    const inventory = [
      ...host
        .inventory(specs)
        .map((server, i) => ({ ...server, endpoint: endpointOf(effective.servers[i]?.transport ?? {}) })),
      ...unresolved,
    ];
    deps.output.stdout(
      options.output === 'json'
        ? JSON.stringify(
            { settings: effective, servers: inventory, ...(problems ? { problems } : {}) },
            null,
            2,
          )
        : renderText(effective, inventory, problems),
    );
    const failed = inventory.filter((s) => s.error);
    if (failed.length || problems) {
      throw new UsageError(
        [
          ...failed.map((s) => `MCP server '${s.name}' did not start: ${s.error}`),
          ...(problems ? [problems] : []),
        ].join('; '),
      );
    }
    return ExitCode.ok;
  } finally {
    await host?.close();
    await sandbox?.close();
  }
}
