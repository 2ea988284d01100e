import { BatchV1Api } from '@kubernetes/client-node';
import type { DiagnoseFlags, Env } from '../config/load.js';
import { checkRunnable, loadSettings } from '../config/load.js';
import { randomBytes } from 'node:crypto';
import { startSocketMode } from '../slack-command/socket-mode.js';
import { parseDuration } from '../config/duration.js';
import { contextNamespace, kubeConfigFromEnv } from '../dedupe/kube-config.js';
import { dedupeStoreFromEnv } from '../dedupe/store-from-env.js';
import { ExitCode, UsageError, errorMessage } from '../errors/errors.js';
import { createInProcessDispatcher } from '../slack-command/dispatch-in-process.js';
import { createKubernetesJobDispatcher } from '../slack-command/dispatch-kubernetes-job.js';
import type { Dispatcher } from '../slack-command/dispatcher.js';
import { JOB_PASSED_ENV } from '../slack-command/job-manifest.js';
import { startSlackCommandServer } from '../slack-command/server.js';
import {
  kubernetesWorkloadLookup,
  unknownServiceProblem,
  type WorkloadLookup,
} from '../slack-command/workload-check.js';
import type { Logger } from '../util/log.js';
import { diagnoseOnce } from './diagnose-session.js';
import { createApprovalHandler } from '../actions/slack-approval.js';
import type { RolloutFollow } from '../actions/follow-rollout.js';
import type { Output } from './output.js';
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
  /** `--actions rollback`: offer the rollback button, and honour approvers' clicks. */
  actions?: string;
}

export interface ServeSlackDeps {
  env: Env;
  output: Output;
  logger: Logger;
  /** Resolves when the server should stop (SIGINT, SIGTERM). */
  stop: Promise<void>;
  /** Whether a command's service exists; default: asks the cluster from `env`. */
  lookupWorkload?: WorkloadLookup;
  /** How long to follow a rollout after an approved rollback (tests shorten it). */
  follow?: RolloutFollow;
}

function count(value: string | undefined, fallback: number, what: string, min: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min)
    throw new UsageError(`${what}: '${value}' must be an integer ≥ ${min}`);
  return n;
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
 * `sre-agent serve slack`: the slash-command endpoint. Diagnoses run in this process, bounded, or
 * (`--dispatch kubernetes-job`) each as a Kubernetes Job. Runs until SIGINT/SIGTERM, then lets
 * accepted diagnoses finish.
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
  const dispatch = options.dispatch ?? 'in-process';
  if (dispatch !== 'in-process' && dispatch !== 'kubernetes-job') {
    throw new UsageError(`--dispatch: '${dispatch}' is not in-process or kubernetes-job`);
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
  // Made once: diagnoses claim their posts in it, and approvals claim their proposals (one action each).
  const store = dedupeStoreFromEnv(env, {
    fallbackNamespace: probe.namespace,
    holder: env.HOSTNAME ?? 'sre-agent-slack',
    logger,
  });
  const dispatcher =
    dispatch === 'kubernetes-job'
      ? jobDispatcher(options, env, probe.timeoutMs, probe.slack.channel, logger)
      : createInProcessDispatcher({
          env,
          logger,
          flags,
          diagnoseOnce,
          // Replicas agree through the dedupe store; dispatched Jobs claim in run-event instead.
          claim: store.claim,
          onEvent: progressPrinter({ ...deps.output, stderrIsTty: false }, logger),
        });
  // A server whose every diagnosis can only fail (no cluster, no channel, no repository) does not start.
  checkRunnable(probe);
  const lookupWorkload = deps.lookupWorkload ?? kubernetesWorkloadLookup(env, logger);
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
        let settings;
        try {
          settings = await loadSettings({ ...flags, service, ...(namespace ? { namespace } : {}) }, env);
        } catch (error) {
          return { error: errorMessage(error).replace(/^--service: |^--namespace: /, '') };
        }
        // A name that is no service gets an answer, only for the person who asked; nothing is posted.
        const check = await lookupWorkload(settings.service, settings.namespace);
        if (check.found === false) {
          logger.info(`refused a diagnosis of unknown service ${settings.service}`, {
            namespace: settings.namespace,
            closest: check.closest,
          });
          return { error: unknownServiceProblem(settings.service, settings.namespace, check.closest) };
        }
        return { service: settings.service, namespace: settings.namespace };
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
  logger.info('stopping: no new commands; waiting for accepted diagnoses to finish');
  await socket?.close();
  await server.close();
  await Promise.race([server.idle(), new Promise((r) => setTimeout(r, probe.timeoutMs + 30_000).unref())]);
  return ExitCode.ok;
}
