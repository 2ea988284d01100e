import { writeFile } from 'node:fs/promises';
import { loadScenario, resolveScenarioDir } from '../sandbox/scenario.js';
import { formatEnvExports, startSandbox } from '../sandbox/sandbox.js';
import type { Logger } from '../util/log.js';
import type { Output } from './output.js';
import { PUBLIC_SCENARIOS } from './paths.js';

/**
 * `sre-agent sandbox start`: serve a scenario's local APIs and print the environment that points
 * every other command (and kubectl) at them, until SIGINT or SIGTERM.
 */
export async function sandboxStart(
  scenarioArg: string | undefined,
  options: { writeEnv?: string; service?: string },
  deps: { output: Output; logger: Logger; stop: Promise<void> },
): Promise<number> {
  const dir = await resolveScenarioDir(scenarioArg, options.service ?? 'cart-service', PUBLIC_SCENARIOS);
  const scenario = await loadScenario(dir);
  const sandbox = await startSandbox(scenario);
  try {
    const exports = formatEnvExports(sandbox.env);
    if (options.writeEnv)
      await writeFile(options.writeEnv, exports.endsWith('\n') ? exports : exports + '\n', 'utf8');
    deps.output.stdout(exports);
    deps.logger.info(`sandbox '${scenario.name}' is serving; stop with Ctrl-C`, {
      kubernetes: sandbox.urls.kubernetes,
      github: sandbox.urls.github,
      slack: sandbox.urls.slack,
    });
    await deps.stop;
    return 0;
  } finally {
    await sandbox.close();
    deps.logger.info('sandbox stopped');
  }
}
