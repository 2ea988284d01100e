import type { Env, DiagnoseFlags, Settings } from '../config/load.js';
import { loadSettings } from '../config/load.js';
import { ExitCode, UsageError } from '../errors/errors.js';
import type { Incident } from '../incident/incident.js';
import { AuditLog } from '../agent/audit-log.js';
import { run } from '../agent/run.js';
import type { RunEvent } from '../agent/run-events.js';
import { chooseEngines } from './engine-choice.js';
import { bundledServerSpecs } from '../mcp/bundled-servers.js';
import { McpHost } from '../mcp/host.js';
import { SecretMemory } from '../mcp/secret-memory.js';
import type { Report } from '../report/schema.js';
import { renderJson } from '../report/render-json.js';
import { renderMarkdown } from '../report/render-markdown.js';
import { renderText } from '../report/render-text.js';
import { loadScenario, resolveScenarioDir } from '../sandbox/scenario.js';
import { startSandbox, type Sandbox } from '../sandbox/sandbox.js';
import type { Logger } from '../util/log.js';
import type { Output } from './output.js';
import { PUBLIC_SCENARIOS, packageVersion } from './paths.js';

export interface DiagnoseOptions extends Partial<DiagnoseFlags> {
  /** `true` for the scenario matching --service, or a scenario name or directory. */
  sandbox?: string | boolean;
}

export interface DiagnoseDeps {
  env: Env;
  output: Output;
  logger: Logger;
  signal?: AbortSignal;
}

function render(report: Report, settings: Settings, output: Output): string {
  if (settings.output === 'json') return renderJson(report);
  if (settings.output === 'markdown') return renderMarkdown(report);
  return renderText(report, { color: output.stdoutIsTty });
}

/** `sre-agent diagnose`: one incident from the terminal, end to end. Returns the exit code. */
export async function diagnose(options: DiagnoseOptions, deps: DiagnoseDeps): Promise<number> {
  if (!options.service)
    throw new UsageError('--service is required: name the service to diagnose, e.g. --service cart-service');
  const flags: DiagnoseFlags = { ...options, service: options.service };
  let sandbox: Sandbox | undefined;
  let host: McpHost | undefined;
  try {
    let env = deps.env;
    let defaults: { namespace?: string; repository?: string } = {};
    let now = new Date();
    let alert: string | undefined;
    if (options.sandbox !== undefined && options.sandbox !== false) {
      const dir = await resolveScenarioDir(
        typeof options.sandbox === 'string' ? options.sandbox : undefined,
        flags.service,
        PUBLIC_SCENARIOS,
      );
      const scenario = await loadScenario(dir);
      sandbox = await startSandbox(scenario);
      deps.logger.info(`sandbox: scenario '${scenario.name}' served on 127.0.0.1`, {
        scenario: scenario.name,
      });
      // Sandbox credentials replace any real ones: a sandbox run must never touch a real cluster or channel.
      env = { ...deps.env, ...sandbox.env, SRE_AGENT_NAMESPACES: undefined };
      defaults = { namespace: scenario.namespace, repository: scenario.repository };
      now = new Date(scenario.now);
      alert = scenario.alert;
    }
    const settings = await loadSettings(flags, env, defaults);
    const { engine, fallback } = chooseEngines(settings, deps.logger);
    const secrets = new SecretMemory();
    const audit = settings.auditLogPath
      ? new AuditLog(settings.auditLogPath, secrets, Date.now().toString(36))
      : undefined;
    const emit = (event: RunEvent) => {
      audit?.write(event);
      progress(event, deps.logger);
    };
    host = await McpHost.start(bundledServerSpecs(settings, sandbox ? { now } : {}), {
      logger: deps.logger,
      signal: deps.signal,
      clientVersion: packageVersion(),
      onEvent: emit,
      secrets,
    });
    const incident: Incident = {
      service: settings.service,
      namespace: settings.namespace,
      source: 'cli',
      ...(alert ? { text: alert } : {}),
      dedupeKey: `cli:${settings.namespace}/${settings.service}:${now.toISOString()}`,
    };
    const { report, deadlineHit } = await run(incident, {
      settings,
      host,
      engine,
      fallback,
      logger: deps.logger,
      now,
      signal: deps.signal,
      emit,
    });
    if (sandbox) report.sandbox = { scenario: sandbox.scenario.name, slackMessages: sandbox.slackMessages() };
    deps.output.stdout(render(report, settings, deps.output));
    if (report.status === 'failed') return ExitCode.unexpected;
    return deadlineHit ? ExitCode.deadline : ExitCode.ok;
  } finally {
    await host?.close();
    await sandbox?.close();
  }
}

/** One line on stderr per step, so a person watching knows what the agent is doing. */
function progress(event: RunEvent, logger: Logger): void {
  if (event.type === 'tool_call') {
    logger.info(
      `${event.server}.${event.tool} ${event.ok ? 'ok' : 'failed'} in ${event.durationMs}ms${event.cached ? ' (cached)' : ''}`,
      {
        bytes: event.bytes,
        ...(event.error ? { error: event.error } : {}),
      },
    );
  } else if (event.type === 'refusal') {
    logger.warn(`refused by ${event.guard}: ${event.reason}`, { target: event.target });
  } else if (event.type === 'model_request') {
    logger.info(`model turn ${event.turn}: ${event.stopReason ?? '?'} in ${event.durationMs}ms`, {
      input: event.inputTokens,
      cacheRead: event.cacheReadTokens,
      cacheWrite: event.cacheWriteTokens,
      output: event.outputTokens,
    });
  } else if (event.type === 'fallback') {
    logger.warn(`falling back from ${event.from} to ${event.to}: ${event.reason}`);
  } else if (event.type === 'server_failed') {
    logger.warn(`MCP server ${event.server} failed: ${event.error}`);
  }
}
