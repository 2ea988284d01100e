import { BatchV1Api } from '@kubernetes/client-node';
import type { DiagnoseFlags, Env } from '../config/load.js';
import { checkRunnable, loadSettings } from '../config/load.js';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSocketMode } from '../slack-command/socket-mode.js';
import { parseDuration } from '../config/duration.js';
import { contextNamespace, kubeConfigFromEnv } from '../dedupe/kube-config.js';
import { dedupeStoreFromEnv } from '../dedupe/store-from-env.js';
import { ExitCode, UsageError, errorMessage } from '../errors/errors.js';
import { createChildProcessDispatcher } from '../slack-command/dispatch-child-process.js';
import { createInProcessDispatcher } from '../slack-command/dispatch-in-process.js';
import { createKubernetesJobDispatcher } from '../slack-command/dispatch-kubernetes-job.js';
import type { Dispatcher } from '../slack-command/dispatcher.js';
import { JOB_PASSED_ENV } from '../slack-command/job-manifest.js';
import { startSlackCommandServer } from '../slack-command/server.js';
import {
  kubernetesWorkloadLookup,
  withWorkloadCheck,
  type WorkloadLookup,
} from '../slack-command/workload-check.js';
import type { Logger } from '../util/log.js';
import { diagnoseOnce } from './diagnose-session.js';
import { createApprovalHandler } from '../actions/slack-approval.js';
import { derivedActionKey } from '../config/actions.js';
import type { RolloutFollow } from '../actions/follow-rollout.js';
import type { Output } from './output.js';
import { PACKAGE_ROOT } from './paths.js';
import { progressPrinter } from './progress.js';

export interface ServeSlackOptions extends Omit<Partial<DiagnoseFlags>, 'service' | 'namespace'> {
  port?: string;
  host?: string;
  dispatch?: string;
  concurrency?: string;
  queue?: string;
  cooldown?: string;
  jobImage?: string;
  jobNamespace?: string;
  jobServiceAccount?: string;
  jobSecret?: string;
  /** Commands arrive over Socket Mode instead of (only) HTTP. */
  socketMode?: boolean;
  /** How long SIGTERM waits for accepted diagnoses before cancelling them. */
  drain?: string;
  /** `--actions rollback`: offer the rollback button, and honour approvers' clicks. */
  actions?: string;
}

export interface ServeSlackDeps {
  env: Env;
  output: Output;
  logger: Logger;
  /** Resolves when the server should stop (SIGINT, SIGTERM). */
  stop: Promise<void>;
  /**
   * Whether a command's service exists; default: asks the cluster from `env`. A child-process
   * diagnosis asks from its worker instead (the server never loads the Kubernetes client).
   */
  lookupWorkload?: WorkloadLookup;
  /** How long to follow a rollout after an approved rollback (tests shorten it). */
  follow?: RolloutFollow;
}

const DISPATCH = ['child-process', 'in-process', 'kubernetes-job'] as const;

/**
 * The worker's entry next to this module (the bundle, or tsc's output); from the sources (tests)
 * the built bundle's.
 */
function workerModule(): string {
  const sibling = fileURLToPath(new URL('./diagnosis-worker.js', import.meta.url));
  if (existsSync(sibling)) return sibling;
  const built = path.join(PACKAGE_ROOT, 'dist', 'bundle', 'diagnosis-worker.js');
  if (!existsSync(built))
    throw new Error(`serve slack: the diagnosis worker ${built} is missing; run \`npm run build\``);
  return built;
}

/**
 * The nice value of diagnosis workers (and of the MCP servers they spawn): the acknowledging
 * process wins the CPU whenever it wants it, and is idle between commands, so the workers lose
 * little. 19 rather than 10: on the 2-core bench machine under load, ack p99 with workers at 19
 * was about 2× lower than at 0 and a little lower than at 10 (bench/load.ts measures 19 vs 0).
 * `SRE_AGENT_WORKER_NICE=0` keeps them at the server's priority.
 */
function workerNiceness(env: Env): number {
  const value = env.SRE_AGENT_WORKER_NICE;
  if (value === undefined || value === '') return 19;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 19)
    throw new UsageError(`SRE_AGENT_WORKER_NICE: '${value}' must be an integer from 0 to 19`);
  return n;
}

function count(value: string | undefined, fallback: number, what: string, min: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min)
    throw new UsageError(`${what}: '${value}' must be an integer ≥ ${min}`);
  return n;
}

function withoutKeys(env: Env, names: readonly string[]): Env {
  return Object.fromEntries(Object.entries(env).filter(([name]) => !names.includes(name)));
}

/**
 * A worker's environment. What only the endpoint uses stays with it: a diagnosis needs neither
 * the signing secret nor the app token. The proposals a worker posts are signed with the action
 * key, so it gets that (derived from the signing secret when no dedicated key is set).
 */
function workerEnv(env: Env): Env {
  const out = withoutKeys(env, ['SLACK_SIGNING_SECRET', 'SLACK_APP_TOKEN']);
  const derived = derivedActionKey(env);
  return !env.SRE_AGENT_ACTION_KEY?.trim() && derived ? { ...out, SRE_AGENT_ACTION_KEY: derived } : out;
}

function pickEnv(env: Env, names: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of names) if (env[name]) out[name] = env[name] as string;
  return out;
}

function jobDispatcher(
  options: ServeSlackOptions,
  env: Env,
  timeoutMs: number,
  channel: string | null,
  logger: Logger,
): Dispatcher {
  const image = options.jobImage ?? env.SRE_AGENT_JOB_IMAGE;
  if (!image)
    throw new UsageError('--dispatch kubernetes-job needs --job-image <image> (or SRE_AGENT_JOB_IMAGE)');
  const kubeConfig = kubeConfigFromEnv(env);
  const namespace =
    options.jobNamespace ?? env.SRE_AGENT_JOB_NAMESPACE ?? contextNamespace(kubeConfig) ?? 'default';
  return createKubernetesJobDispatcher({
    api: kubeConfig.makeApiClient(BatchV1Api),
    namespace,
    image,
    serviceAccount: options.jobServiceAccount ?? env.SRE_AGENT_JOB_SERVICE_ACCOUNT ?? 'sre-agent',
    timeoutSeconds: Math.ceil(timeoutMs / 1000),
    secretName: options.jobSecret ?? env.SRE_AGENT_JOB_SECRET ?? 'sre-agent',
    env: pickEnv(env, JOB_PASSED_ENV),
    channel,
    logger,
  });
}

/**
 * `sre-agent serve slack`: the slash-command endpoint. Diagnoses run each in a child process
 * (default), bounded, in this process (`--dispatch in-process`), or each as a Kubernetes Job.
 * Runs until SIGINT/SIGTERM, then lets accepted diagnoses finish for `--drain` and cancels the rest.
 */
export async function serveSlack(options: ServeSlackOptions, deps: ServeSlackDeps): Promise<number> {
  const { env, logger } = deps;
  const socketMode = options.socketMode === true;
  const appToken = env.SLACK_APP_TOKEN;
  if (socketMode && !appToken?.startsWith('xapp-'))
    throw new UsageError(
      'serve slack --socket-mode: set SLACK_APP_TOKEN to the app-level token (xapp-…, scope connections:write)',
    );
  // Socket Mode envelopes are authenticated by the connection; without a signing secret the HTTP
  // endpoint then accepts no command at all (a random secret nobody has).
  const signingSecret =
    env.SLACK_SIGNING_SECRET ?? (socketMode ? randomBytes(32).toString('hex') : undefined);
  if (!signingSecret)
    throw new UsageError("serve slack: set SLACK_SIGNING_SECRET (the Slack app's signing secret)");
  const dispatch = options.dispatch ?? 'child-process';
  if (!(DISPATCH as readonly string[]).includes(dispatch)) {
    throw new UsageError(`--dispatch: '${dispatch}' is not ${DISPATCH.join(', ')}`);
  }
  const port = count(options.port, 3000, '--port', 0);
  const flags = {
    llm: options.llm,
    model: options.model,
    timeout: options.timeout,
    config: options.config,
    auditLog: options.auditLog,
    slack: options.slack,
    slackChannel: options.slackChannel,
    actions: options.actions,
  };
  // Read the configuration once now, so that a bad file or flag stops the server before it listens.
  const probe = await loadSettings({ ...flags, service: 'probe' }, env);
  const cooldownMs = options.cooldown ? parseDuration(options.cooldown, '--cooldown') : 10 * 60_000;
  const drainMs = options.drain ? parseDuration(options.drain, '--drain') : probe.timeoutMs + 30_000;
  const lookupWorkload = () => deps.lookupWorkload ?? kubernetesWorkloadLookup(env, logger);
  // Made once: diagnoses claim their posts in it, and approvals claim their proposals (one action
  // each). Replicas agree through it; dispatched Jobs claim in run-event instead.
  const store = dedupeStoreFromEnv(env, {
    fallbackNamespace: probe.namespace,
    holder: env.HOSTNAME ?? 'sre-agent-slack',
    logger,
  });
  const onEvent = progressPrinter({ ...deps.output, stderrIsTty: false }, logger);
  // The workload check runs after the ack, in the queued task (in the worker for child-process).
  const dispatcher =
    dispatch === 'kubernetes-job'
      ? withWorkloadCheck(
          jobDispatcher(options, env, probe.timeoutMs, probe.slack.channel, logger),
          lookupWorkload(),
          logger,
        )
      : dispatch === 'in-process'
        ? withWorkloadCheck(
            createInProcessDispatcher({ env, logger, flags, diagnoseOnce, claim: store.claim, onEvent }),
            lookupWorkload(),
            logger,
          )
        : createChildProcessDispatcher({
            workerModule: workerModule(),
            env: workerEnv(env),
            logger,
            flags,
            claim: store.claim,
            onEvent,
            niceness: workerNiceness(env),
          });
  // A server whose every diagnosis can only fail (no cluster, no channel, no repository) does not start.
  checkRunnable(probe);
  // Button clicks: with actions off every one is refused, and no cluster client for writes is made.
  const approvals = createApprovalHandler(probe, {
    store,
    logger,
    ...(deps.follow ? { follow: deps.follow } : {}),
  });
  const server = await startSlackCommandServer(
    {
      signingSecret,
      dispatcher,
      validate: async (service, namespace) => {
        // Local only (aliases, allowed namespaces): whether the service exists is asked after the ack.
        try {
          const settings = await loadSettings(
            { ...flags, service, ...(namespace ? { namespace } : {}) },
            env,
          );
          return { service: settings.service, namespace: settings.namespace };
        } catch (error) {
          return { error: errorMessage(error).replace(/^--service: |^--namespace: /, '') };
        }
      },
      concurrency: count(options.concurrency, 2, '--concurrency', 1),
      queueLimit: count(options.queue, 20, '--queue', 0),
      cooldownMs,
      channel: probe.slack.channel,
      logger,
      onInteraction: approvals.handle,
      onUnverifiedInteraction: approvals.unverified,
    },
    { port, host: options.host ?? '127.0.0.1' },
  );
  const socket = socketMode
    ? await startSocketMode({
        appToken: appToken as string,
        ...(env.SLACK_API_URL ? { slackApiUrl: env.SLACK_API_URL } : {}),
        commands: server,
        logger,
      })
    : undefined;
  logger.info(
    socket
      ? `slash commands: over Socket Mode (health and stats on ${server.url})`
      : `slash commands: listening on ${server.url}/slack/commands`,
    { dispatch, concurrency: server.stats().concurrency, queue: server.stats().queueLimit },
  );
  await deps.stop;
  const { running, queued } = server.stats();
  logger.info(
    `stopping: no new commands; draining ${running} running and ${queued} queued diagnoses for up to ${Math.round(drainMs / 1000)} s`,
  );
  await socket?.close();
  await server.close();
  let timer: NodeJS.Timeout | undefined;
  const drained = await Promise.race([
    server.idle().then(() => true),
    new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), drainMs))),
  ]);
  clearTimeout(timer);
  if (!drained) {
    // Past the deadline: stop what still runs; each requester is told it was cancelled.
    const cancelled = dispatcher.cancel?.('cancelled: the server stopped before the diagnosis finished') ?? 0;
    logger.warn(`stopping: drain deadline passed; cancelled ${cancelled} running diagnoses`);
    await Promise.race([server.idle(), new Promise((r) => setTimeout(r, 10_000).unref())]);
  }
  return ExitCode.ok;
}
