import type { Env } from '../config/load.js';
import { errorMessage, SreAgentError } from '../errors/errors.js';
import type { BundledTransport } from '../mcp/connect.js';
import { formatEvalTable, type EvalResult } from '../eval/eval-table.js';
import { scoreReport } from '../eval/score.js';
import { listScenarios, loadScenario } from '../sandbox/scenario.js';
import { silentLogger, type Logger } from '../util/log.js';
import { diagnoseOnce } from './diagnose-session.js';
import type { Output } from './output.js';
import { PUBLIC_SCENARIOS } from './paths.js';

export interface EvalOptions {
  scenarios?: string;
  llm?: string;
  model?: string;
  output?: string;
  timeout?: string;
}

/** Usage or configuration, as opposed to a broken scenario or a failed run. */
const isUsageError = (error: unknown) =>
  error instanceof SreAgentError && (error.code === 'usage' || error.code === 'config');

/**
 * `sre-agent eval`: diagnose every scenario of a directory in the sandbox, score each report
 * against its `expect`, print the table and `N passed, M failed`. Exit 1 when any fail.
 */
export async function evaluate(
  options: EvalOptions,
  deps: { env: Env; output: Output; logger: Logger; bundledTransport?: BundledTransport },
): Promise<number> {
  const root = options.scenarios ?? PUBLIC_SCENARIOS;
  const summaries = await listScenarios(root);
  const results: EvalResult[] = [];
  for (const summary of summaries) {
    const started = Date.now();
    try {
      const scenario = await loadScenario(summary.dir);
      deps.logger.info(`eval: ${scenario.name}`);
      const { report } = await diagnoseOnce(
        {
          service: scenario.service,
          namespace: scenario.namespace,
          llm: options.llm,
          model: options.model,
          timeout: options.timeout,
        },
        // Per-step progress would drown the table; the audit log is the place for detail.
        {
          env: deps.env,
          logger: silentLogger,
          scenario,
          ...(deps.bundledTransport ? { bundledTransport: deps.bundledTransport } : {}),
        },
      );
      results.push({
        scenario: scenario.name,
        service: scenario.service,
        score: scoreReport(report, scenario.expect),
        report,
        durationMs: Date.now() - started,
      });
    } catch (error) {
      // Bad flags or environment (`--llm anthropic` without a key) fail every scenario alike:
      // one usage error (exit 2) says what to set, where a table of identical failures would not.
      if (isUsageError(error)) throw error;
      results.push({
        scenario: summary.name,
        service: summary.service,
        score: { pass: false, failures: [] },
        report: null,
        error: errorMessage(error),
        durationMs: Date.now() - started,
      });
    }
  }
  if (options.output === 'json') {
    const passed = results.filter((r) => r.score.pass).length;
    deps.output.stdout(JSON.stringify({ passed, failed: results.length - passed, results }, null, 2));
  } else {
    deps.output.stdout(formatEvalTable(results));
  }
  return results.every((r) => r.score.pass) ? 0 : 1;
}
