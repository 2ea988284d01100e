import { WebClient } from '@slack/web-api';
import { AuditLog } from '../agent/audit-log.js';
import type { RunEvent } from '../agent/run-events.js';
import type { Settings } from '../config/load.js';
import type { DedupeStore } from '../dedupe/dedupe-store.js';
import { errorMessage } from '../errors/errors.js';
import { SecretMemory } from '../guards/secret-memory.js';
import type { Logger } from '../util/log.js';
import { slackLogger } from '../util/slack-web-client.js';
import {
  handleRollbackClick,
  type ApprovalSlack,
  type ClickOutcome,
  type RollbackClick,
} from './approve-rollback.js';
import { ApproverGroups, type UsergroupsApi } from './approver-groups.js';
import { DEFAULT_FOLLOW, type RolloutFollow } from './follow-rollout.js';
import { actionClients } from './kube-clients.js';
import { ROLLBACK_ACTION_ID } from './propose-rollback.js';

/**
 * The rollback click in a Slack `block_actions` payload, or null for anything else
 * (https://docs.slack.dev/reference/interaction-payloads/block_actions-payload).
 */
export function rollbackClickFrom(payload: unknown): RollbackClick | null {
  if (typeof payload !== 'object' || payload === null) return null;
  const p = payload as {
    type?: unknown;
    user?: { id?: unknown };
    channel?: { id?: unknown };
    container?: { message_ts?: unknown; channel_id?: unknown };
    message?: { ts?: unknown; text?: unknown; blocks?: unknown };
    actions?: Array<{ action_id?: unknown; value?: unknown }>;
  };
  if (p.type !== 'block_actions' || !Array.isArray(p.actions)) return null;
  const action = p.actions.find((a) => a.action_id === ROLLBACK_ACTION_ID);
  const channel = p.channel?.id ?? p.container?.channel_id;
  const ts = p.message?.ts ?? p.container?.message_ts;
  if (!action || typeof action.value !== 'string' || typeof p.user?.id !== 'string') return null;
  if (typeof channel !== 'string' || typeof ts !== 'string') return null;
  return {
    userId: p.user.id,
    token: action.value,
    channel,
    messageTs: ts,
    ...(Array.isArray(p.message?.blocks) ? { messageBlocks: p.message.blocks as unknown[] } : {}),
    ...(typeof p.message?.text === 'string' ? { messageText: p.message.text } : {}),
  };
}

function slackClient(settings: Settings, logger: Logger): ApprovalSlack & UsergroupsApi {
  const apiUrl = settings.env.SLACK_API_URL;
  const client = new WebClient(settings.env.SLACK_BOT_TOKEN, {
    ...(apiUrl ? { slackApiUrl: apiUrl.endsWith('/') ? apiUrl : `${apiUrl}/` } : {}),
    logger: slackLogger(logger),
    // The client retries for half an hour and has no timeout by default.
    retryConfig: { retries: 1 },
    timeout: 10_000,
  });
  return {
    postMessage: (args) => client.chat.postMessage(args),
    update: (args) => client.chat.update(args as Parameters<typeof client.chat.update>[0]),
    postEphemeral: (args) => client.chat.postEphemeral(args),
    usergroupsList: (args) => client.usergroups.list(args),
    usergroupsUsersList: (args) => client.usergroups.users.list(args),
  };
}

/**
 * `serve slack`'s handler of interactive payloads: a rollback click goes through every check of
 * approve-rollback.ts; anything else is ignored. With actions off no Kubernetes client is made,
 * and every click is refused. Audit entries go to the configured audit log and to stderr.
 */
export function createApprovalHandler(
  settings: Settings,
  deps: { store: DedupeStore; logger: Logger; follow?: RolloutFollow; clock?: () => Date },
): {
  handle: (payload: unknown) => Promise<ClickOutcome | null>;
  /** A click whose request signature did not verify: an audit entry, nothing else. */
  unverified: (reason: string) => void;
} {
  const { logger } = deps;
  const audit = settings.auditLogPath
    ? new AuditLog(settings.auditLogPath, new SecretMemory(), `actions-${Date.now().toString(36)}`)
    : undefined;
  const enabled = settings.actions.enabled.includes('rollback');
  const noWrites = () => Promise.reject(new Error('actions are off: no cluster client'));
  const clients = enabled
    ? actionClients(settings.env)
    : {
        apps: {
          readNamespacedDeployment: noWrites,
          listNamespacedReplicaSet: noWrites,
          patchNamespacedDeployment: noWrites,
        },
      };
  const slack = slackClient(settings, logger);
  const clock = deps.clock ?? (() => new Date());
  // Made once, so that its one-minute cache of group members spans every click this server gets.
  const groups =
    settings.actions.approverGroups.length > 0
      ? new ApproverGroups(slack, settings.actions.approverGroups, { clock })
      : undefined;
  const record = (event: Extract<RunEvent, { type: 'action' }>) => {
    audit?.write(event);
    logger.info(`action ${event.kind}: ${event.outcome}: ${event.reason}`, { ...event });
  };
  const unverified = (reason: string) =>
    record({
      type: 'action',
      kind: 'rollback',
      via: 'slack',
      outcome: 'refused',
      reason: `bad request signature: ${reason}`,
    });
  const handle = async (payload: unknown): Promise<ClickOutcome | null> => {
    const click = rollbackClickFrom(payload);
    if (!click) return null;
    try {
      return await handleRollbackClick(
        {
          actions: settings.actions,
          api: clients.apps,
          namespaces: settings.namespaces,
          store: deps.store,
          slack,
          ...(groups ? { groups } : {}),
          audit: record,
          logger,
          clock,
          follow: deps.follow ?? DEFAULT_FOLLOW,
        },
        click,
      );
    } catch (error) {
      logger.error('the rollback click could not be handled', { error: errorMessage(error) });
      return { outcome: 'failed', reason: errorMessage(error) };
    }
  };
  return { handle, unverified };
}
