import type { DiagnoseFlags, Env, Settings } from '../config/load.js';
import { ExitCode, UsageError } from '../errors/errors.js';
import type { Report } from '../report/schema.js';
import { renderJson } from '../report/render-json.js';
import { renderMarkdown } from '../report/render-markdown.js';
import { renderText } from '../report/render-text.js';
import { loadScenario, resolveScenarioDir } from '../sandbox/scenario.js';
import type { Scenario } from '../sandbox/scenario-types.js';
import type { BundledTransport } from '../mcp/connect.js';
import type { Logger } from '../util/log.js';
import { diagnoseOnce } from './diagnose-session.js';
import type { Output } from './output.js';
import { PUBLIC_SCENARIOS } from './paths.js';
import { progressPrinter } from './progress.js';

export interface DiagnoseOptions extends Partial<DiagnoseFlags> {
  /** `true` for the scenario matching --service, or a scenario name or directory. */
  sandbox?: string | boolean;
}

export interface DiagnoseDeps {
  env: Env;
  output: Output;
  logger: Logger;
  signal?: AbortSignal;
  /** Tests only (see `BundledTransport`): bundled servers run in this process. */
  bundledTransport?: BundledTransport;
}

function render(report: Report, settings: Settings, output: Output): string {
  if (settings.output === 'json') return renderJson(report);
  if (settings.output === 'markdown') return renderMarkdown(report);
  return renderText(report, { color: output.stdoutIsTty });
}

/** `sre-agent diagnose`: one incident from the terminal, end to end. Returns the exit code. */
export async function diagnose(options: DiagnoseOptions, deps: DiagnoseDeps): Promise<number> {
  if (!options.service) {
    throw new UsageError('--service is required: name the service to diagnose, e.g. --service cart-service');
  }
  const flags: DiagnoseFlags = { ...options, service: options.service };
  let scenario: Scenario | undefined;
  if (options.sandbox !== undefined && options.sandbox !== false) {
    const arg = typeof options.sandbox === 'string' ? options.sandbox : undefined;
    scenario = await loadScenario(await resolveScenarioDir(arg, flags.service, PUBLIC_SCENARIOS));
  }
  const { report, deadlineHit, settings } = await diagnoseOnce(flags, {
    env: deps.env,
    logger: deps.logger,
    signal: deps.signal,
    scenario,
    onEvent: progressPrinter(deps.output, deps.logger),
    ...(deps.bundledTransport ? { bundledTransport: deps.bundledTransport } : {}),
  });
  deps.output.stdout(render(report, settings, deps.output));
  if (report.status === 'failed') return ExitCode.unexpected;
  return deadlineHit ? ExitCode.deadline : ExitCode.ok;
}
