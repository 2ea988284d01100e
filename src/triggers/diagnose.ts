import type { Env, DiagnoseFlags, Settings } from '../config/load.js';
import { loadSettings } from '../config/load.js';
import { ExitCode, UsageError } from '../errors/errors.js';
import type { Incident } from '../incident/incident.js';
import { run } from '../agent/run.js';
import { OfflineEngine } from '../llm/offline/engine.js';
import { bundledServerSpecs } from '../mcp/bundled-servers.js';
import { McpHost } from '../mcp/host.js';
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

/** Pick the engine. Claude arrives with the model adapter; until then `auto` means offline, said plainly. */
function chooseEngine(settings: Settings, logger: Logger): OfflineEngine {
  if (settings.llm === 'anthropic' || settings.llm === 'bedrock') {
    throw new UsageError(
      `--llm ${settings.llm}: this build has no ${settings.llm} adapter yet; use --llm offline or auto`,
    );
  }
  logger.info('using the offline rule-based engine (no model adapter in this build)');
  return new OfflineEngine();
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
    }
    const settings = await loadSettings(flags, env, defaults);
    const engine = chooseEngine(settings, deps.logger);
    host = await McpHost.start(bundledServerSpecs(settings), {
      logger: deps.logger,
      signal: deps.signal,
      clientVersion: packageVersion(),
    });
    const incident: Incident = {
      service: settings.service,
      namespace: settings.namespace,
      source: 'cli',
      dedupeKey: `cli:${settings.namespace}/${settings.service}:${now.toISOString()}`,
    };
    const { report, deadlineHit } = await run(incident, {
      settings,
      host,
      engine,
      logger: deps.logger,
      now,
      signal: deps.signal,
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
