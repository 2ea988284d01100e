import type { Env } from '../config/load.js';
import { ExitCode } from '../errors/errors.js';
import { failureExit } from '../triggers/failure-exit.js';
import { processOutput, type Output } from '../triggers/output.js';
import { createLogger } from '../util/log.js';
import { runBundledServer, type BundledServerName } from './run-server.js';

/**
 * `sre-agent mcp <server> [--namespaces a,b]` once the arguments are read: the CLI's `mcp`
 * command, and the entry of each server's own bundle (dist/bundle/mcp-<server>.cjs), which the
 * launcher starts without loading the rest of the CLI.
 */
export async function runMcpCommand(
  server: BundledServerName,
  namespaces: string | undefined,
  env: Env,
): Promise<void> {
  const scope = namespaces
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  // A replayed scenario pins the clock, so that pod ages read as they did at the incident.
  const pinned = env.SRE_AGENT_NOW ? new Date(env.SRE_AGENT_NOW) : undefined;
  const now = pinned && !Number.isNaN(pinned.getTime()) ? () => pinned : undefined;
  await runBundledServer(server, { env, namespaces: scope, ...(now ? { now } : {}) });
}

/** The server bundle's entry: runs the server and returns the exit code as the CLI would. Never throws. */
export async function runMcpServer(
  server: BundledServerName,
  namespaces: string | undefined,
  output: Output = processOutput,
): Promise<number> {
  const logger = createLogger({ pretty: output.stderrIsTty });
  try {
    await runMcpCommand(server, namespaces, Object.freeze({ ...process.env }));
    return ExitCode.ok;
  } catch (error) {
    return failureExit(error, output, logger);
  }
}
