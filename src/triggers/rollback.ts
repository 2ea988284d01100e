import { AuditLog } from '../agent/audit-log.js';
import type { RunEvent } from '../agent/run-events.js';
import { actionClients } from '../actions/kube-clients.js';
import {
  RollbackError,
  applyRollback,
  describeTarget,
  planRollback,
  type RollbackApi,
} from '../actions/rollback.js';
import type { Env } from '../config/load.js';
import { loadSettings } from '../config/load.js';
import { ExitCode, UsageError } from '../errors/errors.js';
import { SecretMemory } from '../guards/secret-memory.js';
import type { Logger } from '../util/log.js';
import type { Output } from './output.js';

export interface RollbackOptions {
  namespace?: string;
  deployment?: string;
  toRevision?: string;
  dryRun?: boolean;
  yes?: boolean;
  config?: string;
  auditLog?: string;
}

export interface RollbackDeps {
  env: Env;
  output: Output;
  logger: Logger;
  /** The cluster; default: KUBECONFIG or the pod's service account. */
  api?: RollbackApi;
}

/**
 * `sre-agent rollback`: the terminal path of the one action, with the checks of the Slack path
 * (allowed namespace, previous revision's ReplicaSet, a server-side dry run, a write conditional
 * on the resourceVersion just read) and the same audit entry. It writes only with actions on
 * (SRE_AGENT_ACTIONS=rollback) and --yes; --dry-run changes nothing.
 */
export async function rollbackCommand(options: RollbackOptions, deps: RollbackDeps): Promise<number> {
  const { output, logger } = deps;
  if (!options.deployment) throw new UsageError('rollback: --deployment <name> is required');
  const toRevision = options.toRevision === undefined ? undefined : Number(options.toRevision);
  if (toRevision !== undefined && (!Number.isInteger(toRevision) || toRevision < 1))
    throw new UsageError(`--to-revision: '${options.toRevision}' must be a positive integer`);
  const settings = await loadSettings(
    {
      service: options.deployment,
      ...(options.namespace ? { namespace: options.namespace } : {}),
      ...(options.config ? { config: options.config } : {}),
      ...(options.auditLog ? { auditLog: options.auditLog } : {}),
    },
    deps.env,
  );
  const writing = options.dryRun !== true;
  if (writing && !settings.actions.enabled.includes('rollback'))
    throw new UsageError(
      'rollback: actions are off; set SRE_AGENT_ACTIONS=rollback (or `actions: [rollback]` in the config) to let the agent roll back, or pass --dry-run',
    );
  const audit = settings.auditLogPath
    ? new AuditLog(settings.auditLogPath, new SecretMemory(), `rollback-${Date.now().toString(36)}`)
    : undefined;
  const user = deps.env.USER ?? deps.env.LOGNAME ?? 'unknown';
  const record = (event: Omit<Extract<RunEvent, { type: 'action' }>, 'type' | 'kind' | 'via' | 'user'>) => {
    const entry = { type: 'action', kind: 'rollback', via: 'cli', user, ...event } as const;
    audit?.write(entry);
    logger.info(`action rollback: ${event.outcome}: ${event.reason}`, { ...entry });
  };
  const api = deps.api ?? actionClients(settings.env).apps;
  const target = {
    namespace: settings.namespace,
    deployment: options.deployment,
    ...(toRevision !== undefined ? { toRevision } : {}),
  };
  try {
    const plan = await planRollback(api, target);
    const fields = {
      namespace: plan.namespace,
      deployment: plan.deployment,
      fromRevision: plan.fromRevision,
      toRevision: plan.toRevision,
      image: plan.images[0] ?? '',
    };
    output.stdout(
      `Roll back deployment ${plan.namespace}/${describeTarget(plan)}, from revision ${plan.fromRevision}.`,
    );
    await applyRollback(api, plan, { dryRun: true });
    record({ outcome: 'dry_run', reason: 'the API server accepted the change in a dry run', ...fields });
    output.stdout('Dry run: the API server accepts the change.');
    if (!writing) return ExitCode.ok;
    if (options.yes !== true) {
      record({ outcome: 'refused', reason: 'not confirmed: --yes was not given', ...fields });
      output.stderr('sre-agent: rollback: nothing changed; add --yes to roll back');
      return ExitCode.usage;
    }
    await applyRollback(api, plan, { dryRun: false });
    const line = `Rolled back ${plan.deployment} to revision ${plan.toRevision} at ${new Date().toISOString().slice(11, 16)} UTC, by ${user} from the terminal`;
    record({ outcome: 'rolled_back', reason: line, ...fields });
    output.stdout(
      `${line}. Follow it with: kubectl rollout status deployment/${plan.deployment} -n ${plan.namespace}`,
    );
    return ExitCode.ok;
  } catch (error) {
    if (!(error instanceof RollbackError)) throw error;
    record({
      outcome: 'refused',
      reason: error.message,
      namespace: target.namespace,
      deployment: target.deployment,
    });
    output.stderr(`sre-agent: rollback: ${error.message}`);
    return error.problem === 'not-found' || error.problem === 'no-previous-revision'
      ? ExitCode.usage
      : ExitCode.unexpected;
  }
}
