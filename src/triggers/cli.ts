import { Command, CommanderError, Option } from 'commander';
import { readProcessEnv } from '../config/env.js';
import type { Env } from '../config/load.js';
import type { BundledTransport } from '../mcp/connect.js';
import { SreAgentError, ExitCode } from '../errors/errors.js';
import { createLogger, type Logger } from '../util/log.js';
import { failureExit } from './failure-exit.js';
import { processOutput, type Output } from './output.js';
import { packageVersion } from './paths.js';

const EXIT_CODES_HELP = `
Exit codes:
  0  a report was produced (diagnosed, healthy, inconclusive or timed_out within the run)
  1  unexpected failure
  2  bad usage or configuration (the message names the flag, variable, file or field)
  3  the deadline was hit (a partial report was still produced and posted)`;

/** Resolves on the first SIGINT or SIGTERM. */
function stopSignal(): Promise<void> {
  return new Promise((resolve) => {
    const done = () => resolve();
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
}

/**
 * For tests that run the CLI in their own process: its environment, its log sink, and bundled
 * servers run in-process (see `BundledTransport`). The `bin` launcher passes none of these, so no
 * flag or variable can turn them on.
 */
export interface MainDeps {
  env?: Env;
  logger?: Logger;
  bundledTransport?: BundledTransport;
}

function buildProgram(
  output: Output,
  logger: Logger,
  setExit: (code: number) => void,
  deps: MainDeps,
): Command {
  const env = deps.env ?? readProcessEnv();
  const inProcess = deps.bundledTransport ? { bundledTransport: deps.bundledTransport } : {};
  const program = new Command('sre-agent')
    .description(
      'Autonomous SRE agent: diagnoses a service through MCP servers and posts one report to Slack.',
    )
    .version(packageVersion(), '-V, --version')
    .addHelpText('after', EXIT_CODES_HELP)
    .exitOverride()
    .configureOutput({
      writeOut: (s) => output.stdout(s.trimEnd()),
      writeErr: (s) => output.stderr(s.trimEnd()),
    });

  program
    .command('diagnose')
    .description('diagnose one service and post the report to Slack')
    .option('--service <name>', 'the service to diagnose (required)')
    .option('--namespace <ns>', 'Kubernetes namespace (must be among the allowed namespaces)')
    .option('--sandbox [scenario]', 'run against a built-in scenario (name or directory) on local APIs')
    .addOption(
      new Option('--llm <engine>', 'reasoning engine (default: SRE_AGENT_LLM, the config, or auto)').choices([
        'auto',
        'anthropic',
        'bedrock',
        'offline',
      ]),
    )
    .option('--model <id>', 'model id (default: SRE_AGENT_MODEL or claude-sonnet-5-5)')
    .addOption(
      new Option(
        '--effort <level>',
        'thinking effort on adaptive-thinking models (default: SRE_AGENT_EFFORT or medium)',
      ).choices(['low', 'medium', 'high']),
    )
    .option('--timeout <duration>', 'deadline for the whole run, e.g. 90s or 5m', '5m')
    .option('--max-turns <n>', 'maximum model turns')
    .option('--budget-usd <x>', 'stop when the run has cost this much')
    .addOption(
      new Option('--output <format>', 'report format on stdout')
        .choices(['text', 'markdown', 'json'])
        .default('text'),
    )
    .option('--no-slack', 'do not post to Slack')
    .option('--slack-channel <id>', 'Slack channel id for the report (default SLACK_CHANNEL_ID)')
    .option('--config <file>', 'config file, JSON or YAML (default SRE_AGENT_CONFIG)')
    .option('--audit-log <file>', 'append an audit line per model request and tool call')
    .option('--no-prompt-cache', 'send no prompt-cache breakpoints (to measure what caching saves)')
    .option(
      '--actions <list>',
      'actions a report may offer a button for: rollback (default: SRE_AGENT_ACTIONS, off)',
    )
    .addHelpText('after', EXIT_CODES_HELP)
    .action(async (opts: Record<string, unknown>) => {
      const { diagnose } = await import('./diagnose.js');
      setExit(await diagnose(opts, { env, output, logger, ...inProcess }));
    });

  program
    .command('eval')
    .description('diagnose every scenario of a directory in the sandbox and score the reports')
    .option('--scenarios <dir>', 'directory of scenarios (default: the public ones)')
    .addOption(
      new Option('--llm <engine>', 'reasoning engine (default: SRE_AGENT_LLM, the config, or auto)').choices([
        'auto',
        'anthropic',
        'bedrock',
        'offline',
      ]),
    )
    .option('--model <id>', 'model id')
    .option('--timeout <duration>', 'deadline per scenario', '5m')
    .addOption(new Option('--output <format>', 'table or JSON').choices(['text', 'json']).default('text'))
    .action(async (opts: Record<string, string | undefined>) => {
      const { evaluate } = await import('./eval.js');
      setExit(await evaluate(opts, { env, output, logger, ...inProcess }));
    });

  program
    .command('run-event')
    .description(
      'diagnose from one trigger event (CloudWatch alarm via SNS, alarm action or EventBridge, Logs subscription, or {"service": …}) read from --file, SRE_TRIGGER_JSON or stdin',
    )
    .option('--file <event.json>', 'read the event from this file')
    .addOption(
      new Option('--llm <engine>', 'reasoning engine (default: SRE_AGENT_LLM, the config, or auto)').choices([
        'auto',
        'anthropic',
        'bedrock',
        'offline',
      ]),
    )
    .option('--model <id>', 'model id')
    .option('--timeout <duration>', 'deadline for the run', '5m')
    .addOption(
      new Option('--output <format>', 'report format on stdout')
        .choices(['text', 'markdown', 'json'])
        .default('text'),
    )
    .option('--no-slack', 'do not post to Slack')
    .option('--config <file>', 'config file, JSON or YAML (default SRE_AGENT_CONFIG)')
    .option('--audit-log <file>', 'append an audit line per model request and tool call')
    .addHelpText('after', EXIT_CODES_HELP)
    .action(async (opts: Record<string, unknown>) => {
      const { runEvent } = await import('./run-event.js');
      const readStdin = async () => {
        if (process.stdin.isTTY) return undefined;
        const chunks: Buffer[] = [];
        for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
        return Buffer.concat(chunks).toString('utf8');
      };
      setExit(await runEvent(opts, { env, output, logger, readStdin }));
    });

  program
    .command('serve')
    .description('long-running endpoints')
    .command('slack')
    .description('the Slack slash-command endpoint: /sre diagnose <service> [namespace], /sre help')
    .option('--port <n>', 'port to listen on (0 picks a free one)', '3000')
    .option('--host <addr>', 'address to listen on', '127.0.0.1')
    .option(
      '--socket-mode',
      'receive commands over Slack Socket Mode (SLACK_APP_TOKEN, xapp-…): no public endpoint needed',
    )
    .addOption(
      new Option(
        '--dispatch <where>',
        'run each diagnosis in a child process, in the server process itself, or as a Kubernetes Job',
      )
        .choices(['child-process', 'in-process', 'kubernetes-job'])
        .default('child-process'),
    )
    .option('--concurrency <n>', 'diagnoses (or Job creations) at once', '2')
    .option('--queue <n>', 'requests that may wait; more get a busy reply', '20')
    .option('--cooldown <duration>', 'a repeat for a service within this long points to the last one', '10m')
    .addOption(
      new Option('--llm <engine>', 'reasoning engine (default: SRE_AGENT_LLM, the config, or auto)').choices([
        'auto',
        'anthropic',
        'bedrock',
        'offline',
      ]),
    )
    .option('--model <id>', 'model id')
    .option('--timeout <duration>', 'deadline per diagnosis', '5m')
    .option(
      '--drain <duration>',
      'on SIGTERM, how long running diagnoses may finish before they are cancelled (default: --timeout + 30s)',
    )
    .option('--config <file>', 'config file, JSON or YAML (default SRE_AGENT_CONFIG)')
    .option('--job-image <image>', 'kubernetes-job: the sre-agent image (default SRE_AGENT_JOB_IMAGE)')
    .option(
      '--job-namespace <ns>',
      "kubernetes-job: where Jobs are created (default: the context's namespace)",
    )
    .option('--job-service-account <name>', "kubernetes-job: the Jobs' service account (default sre-agent)")
    .option('--job-secret <name>', 'kubernetes-job: Secret with the tokens, as envFrom (default sre-agent)')
    .option(
      '--actions <list>',
      "rollback: reports offer a rollback button, taken on an approver's click (default: SRE_AGENT_ACTIONS, off)",
    )
    .option(
      '--audit-log <file>',
      "append an audit line per approval, refusal and rollback (and each diagnosis's calls)",
    )
    .action(async (opts: Record<string, string | undefined>) => {
      const { serveSlack } = await import('./serve-slack.js');
      setExit(await serveSlack(opts, { env, output, logger, stop: stopSignal() }));
    });

  const sandbox = program
    .command('sandbox')
    .description('local replicas of Kubernetes, GitHub and Slack that replay a scenario');
  sandbox
    .command('start [scenario]')
    .description('serve a scenario and print the environment that points other commands at it')
    // Not --env-file: Node 20 takes that flag for itself, even through npx, and exits before we run.
    .option('--write-env <file>', 'also write the export lines to this file, for `source <file>`')
    .option('--service <name>', 'pick the scenario of this service when none is named')
    .action(async (scenario: string | undefined, opts: { writeEnv?: string; service?: string }) => {
      const { sandboxStart } = await import('./sandbox-start.js');
      setExit(await sandboxStart(scenario, opts, { output, logger, stop: stopSignal() }));
    });

  program
    .command('config')
    .description('configuration')
    .command('check')
    .description(
      'print the effective configuration and, per MCP server, its tools: allowed, hidden or withheld, with hashes to pin',
    )
    .option('--config <file>', 'config file, JSON or YAML (default SRE_AGENT_CONFIG)')
    .option('--sandbox [scenario]', "start the servers against a scenario's local APIs")
    .addOption(new Option('--output <format>', 'text or JSON').choices(['text', 'json']).default('text'))
    .action(async (opts: { config?: string; output?: string; sandbox?: string | boolean }) => {
      const { configCheck } = await import('./config-check.js');
      setExit(await configCheck(opts, { env, output, logger }));
    });

  program
    .command('rollback')
    .description(
      'roll a Deployment back to its previous revision (or --to-revision), as kubectl rollout undo: dry run first, then only with --yes and SRE_AGENT_ACTIONS=rollback',
    )
    .option('--namespace <ns>', 'namespace of the Deployment (must be among the allowed namespaces)')
    .option('--deployment <name>', 'the Deployment to roll back (required)')
    .option('--to-revision <n>', 'the revision to roll back to (default: the one before the current)')
    .option('--dry-run', 'check the change with a server-side dry run and change nothing')
    .option('--yes', 'really roll back (without it, nothing is changed)')
    .option('--config <file>', 'config file, JSON or YAML (default SRE_AGENT_CONFIG)')
    .option('--audit-log <file>', 'append the audit entry of the rollback to this file')
    .action(async (opts: Record<string, string | boolean | undefined>) => {
      const { rollbackCommand } = await import('./rollback.js');
      setExit(await rollbackCommand(opts, { env, output, logger }));
    });

  program
    .command('scenarios')
    .description('scenarios')
    .command('list')
    .description('list the public scenarios')
    .action(async () => {
      const { listScenarios } = await import('../sandbox/scenario.js');
      const { PUBLIC_SCENARIOS } = await import('./paths.js');
      for (const s of await listScenarios(PUBLIC_SCENARIOS))
        output.stdout(`${s.name}\t${s.service}\t${s.title}`);
    });

  program
    .command('mcp <server>')
    .description('run a bundled MCP server (kubernetes, github or slack) over stdio')
    .option('--namespaces <list>', 'kubernetes: comma-separated namespaces it may read')
    .action(async (server: string, opts: { namespaces?: string }) => {
      if (server !== 'kubernetes' && server !== 'github' && server !== 'slack') {
        throw new SreAgentError(
          'usage',
          `mcp: unknown server '${server}'; choose kubernetes, github or slack`,
        );
      }
      const { runMcpCommand } = await import('../servers/mcp-command.js');
      await runMcpCommand(server, opts.namespaces, env);
    });
  return program;
}

/** Run the CLI; returns the process exit code (DESIGN.md 4.5). Never throws. */
export async function main(
  argv: string[],
  output: Output = processOutput,
  deps: MainDeps = {},
): Promise<number> {
  const logger = deps.logger ?? createLogger({ pretty: output.stderrIsTty });
  let exitCode: number = ExitCode.ok;
  try {
    await buildProgram(output, logger, (code) => (exitCode = code), deps).parseAsync(argv);
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version exit 0; any other commander complaint is bad usage.
      return error.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
    }
    return failureExit(error, output, logger);
  }
}
