import type { DiagnoseFlags, Env, Settings } from '../config/load.js';
import { checkRunnable, loadSettings } from '../config/load.js';
import type { Incident } from '../incident/incident.js';
import { AuditLog } from '../agent/audit-log.js';
import { run, type RunResult } from '../agent/run.js';
import type { RunEvent, RunEventSink } from '../agent/run-events.js';
import { serverSpecs } from '../mcp/server-specs.js';
import { McpHost } from '../mcp/host.js';
import type { BundledTransport } from '../mcp/connect.js';
import { SecretMemory } from '../guards/secret-memory.js';
import { redactingLogger } from '../guards/redacting-logger.js';
import { SreAgentError } from '../errors/errors.js';
import type { Scenario } from '../sandbox/scenario-types.js';
import { startSandbox, type Sandbox } from '../sandbox/sandbox.js';
import type { Logger } from '../util/log.js';
import { chooseEngines } from './engine-choice.js';
import { packageVersion } from './paths.js';
import { actionClients } from '../actions/kube-clients.js';
import { proposeRollback } from '../actions/propose-rollback.js';

export interface SessionDeps {
  env: Env;
  logger: Logger;
  signal?: AbortSignal;
  /** Replay this scenario on local APIs instead of using the environment's cluster, GitHub and Slack. */
  scenario?: Scenario;
  /** Sees every event (progress display); the audit log, when configured, is written regardless. */
  onEvent?: RunEventSink;
  /**
   * The incident a trigger already read (an alarm, a Slack command). Its service and namespace must
   * also be the flags'; the settings resolve aliases and check the namespace.
   */
  incident?: Incident;
  /** Claims the incident's dedupe key right before the one post (at-least-once triggers). */
  claim?: (key: string) => Promise<boolean>;
  /** Caps the run's deadline: a Lambda's remaining time less a margin. */
  maxTimeoutMs?: number;
  /** Tests only (see `BundledTransport`): bundled servers run in this process; no user input sets it. */
  bundledTransport?: BundledTransport;
}

export interface SessionResult extends RunResult {
  settings: Settings;
}

/**
 * The time a run reads the cluster as of: the machine's clock, or `SRE_AGENT_NOW` when a replay
 * (the sandbox's environment) pins it, so that recorded events are as old as they were then.
 */
export function runClock(env: Env): Date {
  const pinned = env.SRE_AGENT_NOW?.trim();
  if (!pinned) return new Date();
  const at = new Date(pinned);
  if (Number.isNaN(at.getTime())) {
    throw new SreAgentError(
      'config',
      `SRE_AGENT_NOW is '${pinned}', not a date-time; set an ISO 8601 time like 2026-03-14T09:30:00Z or unset it`,
    );
  }
  return at;
}

/**
 * One diagnosis from flags to report: settings, optional sandbox, MCP host, engines, run.
 * Shared by `diagnose` and `eval`; everything it starts, it stops.
 */
export async function diagnoseOnce(flags: DiagnoseFlags, deps: SessionDeps): Promise<SessionResult> {
  let sandbox: Sandbox | undefined;
  let host: McpHost | undefined;
  try {
    let env = deps.env;
    let defaults: { namespace?: string; repository?: string } = {};
    let now = runClock(deps.env);
    let alert: string | undefined;
    if (deps.scenario) {
      const scenario = deps.scenario;
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
    let settings = await loadSettings(flags, env, defaults);
    // Misconfiguration is an error, not a diagnosis: exit 2 before any server starts or post is made.
    checkRunnable(settings);
    if (deps.maxTimeoutMs !== undefined && settings.timeoutMs > deps.maxTimeoutMs) {
      settings = Object.freeze({ ...settings, timeoutMs: Math.max(1_000, Math.floor(deps.maxTimeoutMs)) });
    }
    const { engine, fallback } = await chooseEngines(settings, deps.logger);
    const secrets = new SecretMemory();
    const audit = settings.auditLogPath
      ? new AuditLog(settings.auditLogPath, secrets, Date.now().toString(36))
      : undefined;
    const emit = (event: RunEvent) => {
      audit?.write(event);
      deps.onEvent?.(event);
    };
    // The proposal reads the rollout with the host's own client at the very end. Its client loads
    // while the servers start (on the next turn of the event loop: after they are spawned), so
    // that it does not hold up the post; a load that fails here is retried by the proposal's
    // first read, which reports it.
    const actions = actionClients(settings.env);
    setImmediate(() => actions.warm().catch(() => undefined));
    // Bundled servers, less those the config replaces or disables, plus the configured ones.
    const specs = await serverSpecs(settings, sandbox || deps.env.SRE_AGENT_NOW ? { now } : {});
    host = await McpHost.start(specs, {
      // A server's dying words (its stderr tail) can quote a credential.
      logger: redactingLogger(deps.logger, secrets),
      signal: deps.signal,
      clientVersion: packageVersion(),
      onEvent: emit,
      secrets,
      repository: settings.repository,
      ...(deps.bundledTransport ? { bundledTransport: deps.bundledTransport } : {}),
    });
    const given = deps.incident;
    const incident: Incident = given
      ? {
          service: settings.service,
          namespace: settings.namespace,
          source: given.source,
          ...(given.alarm ? { alarm: given.alarm } : {}),
          ...((given.text ?? alert) ? { text: given.text ?? alert } : {}),
          dedupeKey: given.dedupeKey,
        }
      : {
          service: settings.service,
          namespace: settings.namespace,
          source: 'cli',
          ...(alert ? { text: alert } : {}),
          // Each invocation is its own incident: keyed by when it ran, not by a replay's pinned clock.
          dedupeKey: `cli:${settings.namespace}/${settings.service}:${new Date().toISOString()}`,
        };
    const result = await run(incident, {
      settings,
      host,
      engine,
      fallback,
      logger: deps.logger,
      now,
      signal: deps.signal,
      emit,
      ...(deps.claim ? { claim: deps.claim } : {}),
      // Read by the host with its own client, after the findings (src/actions/): never a model tool.
      proposeAction: (report) =>
        proposeRollback(
          {
            apps: actions.apps,
            core: actions.core,
            namespaces: settings.namespaces,
            actions: settings.actions,
            clock: () => new Date(),
          },
          report,
        ),
    });
    // Withheld tools and servers that stopped mid-run degrade the report too, and it says which and why.
    const mcpReasons = host.degradedReasons().filter((r) => !result.report.degradedReasons.includes(r));
    if (mcpReasons.length) {
      result.report.degradedReasons.push(...mcpReasons);
      result.report.degraded = true;
    }
    if (sandbox) {
      result.report.sandbox = { scenario: sandbox.scenario.name, slackMessages: sandbox.slackMessages() };
    }
    return { ...result, settings };
  } finally {
    await host?.close();
    await sandbox?.close();
  }
}
