import { main } from '../../src/triggers/cli.js';
import { createLogger } from '../../src/util/log.js';
import { BIN, type CliResult } from './cli.js';
import { inProcessBundledServers } from './in-process-servers.js';

/**
 * The CLI run in the test's own process, with the bundled MCP servers in-process too: the same
 * commands, flags, environment, stdout, stderr and exit code as `runCli`, without starting four
 * Node processes per diagnosis. For tests about what a diagnosis does (model guardrails, API
 * faults), not about the process boundary; `runCli` stays for those (cli-diagnose, the README).
 * Servers the config adds (not bundled) are still started as their own processes.
 */
export async function runCliInProcess(
  args: string[],
  env: Record<string, string | undefined> = {},
): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const line = (text: string) => (text.endsWith('\n') ? text : text + '\n');
  const output = {
    stdout: (text: string) => (stdout += line(text)),
    stderr: (text: string) => (stderr += line(text)),
    stdoutIsTty: false,
    stderrIsTty: false,
  };
  const code = await main(['node', BIN, ...args], output, {
    env: Object.freeze({ PATH: process.env.PATH, HOME: process.env.HOME, ...env }),
    logger: createLogger({ write: (text) => (stderr += line(text)) }),
    bundledTransport: inProcessBundledServers,
  });
  return { code, stdout, stderr };
}
