import { createHmac } from 'node:crypto';
import { UsageError } from '../errors/errors.js';
import type { Env } from './load.js';

/** The one kind of action the agent may take, after a human's click (DESIGN.md 4.1, 5.2). */
export const ACTION_KINDS = ['rollback'] as const;
export type ActionKind = (typeof ACTION_KINDS)[number];

/** How long a proposal's button stays good: long enough to read the report, short enough to be current. */
export const DEFAULT_ACTION_TTL_MS = 30 * 60_000;

/** Whether actions are on, who may approve them, and the key their tokens are signed with. */
export interface ActionSettings {
  /** Off by default: empty. */
  enabled: ActionKind[];
  /** Slack user ids (`U…`/`W…`) allowed to approve. */
  approvers: string[];
  /**
   * Slack user groups whose members may approve: ids (`S…`) or handles (`@oncall`), read at click
   * time (src/actions/approver-groups.ts). No approvers and no groups, no button.
   */
  approverGroups: string[];
  /**
   * HMAC key of the proposal tokens; null when neither SRE_AGENT_ACTION_KEY nor
   * SLACK_SIGNING_SECRET is set (then no button can be offered or honoured).
   */
  tokenKey: Buffer | null;
  /** Where the key came from, for `config check` style messages. */
  tokenKeySource: 'SRE_AGENT_ACTION_KEY' | 'SLACK_SIGNING_SECRET' | null;
  tokenTtlMs: number;
}

/** The config file's part (`actions: [rollback]`, `approvers: [U…]`, `approverGroups: [S…, '@oncall']`). */
export interface ActionFileFields {
  actions?: string[] | undefined;
  approvers?: string[] | undefined;
  approverGroups?: string[] | undefined;
}

/** A Slack user id, as `user.id` in a click payload. */
export const SLACK_USER_ID = /^[UW][A-Z0-9]{2,}$/;

/**
 * A user group: its id (`S0614TZR7`), or its mention handle with the `@` (`@oncall`). Handles are
 * letters, digits, `.`, `-` and `_`, matched without regard to case; the `@` keeps an id and a
 * handle from ever being read as each other.
 */
export const SLACK_USER_GROUP = /^(S[A-Z0-9]{2,}|@[A-Za-z0-9][A-Za-z0-9._-]*)$/;

function list(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/**
 * The token key. A dedicated SRE_AGENT_ACTION_KEY wins: it lets a deployment rotate it apart from
 * Slack's secret, and give it to the processes that post proposals without the signing secret.
 * Otherwise it is derived from SLACK_SIGNING_SECRET (HMAC with a fixed label), because `serve
 * slack` holds that secret already; the derivation keeps a token's signature from ever being a
 * valid Slack request signature, or the other way round.
 */
function tokenKeyFrom(env: Env): Pick<ActionSettings, 'tokenKey' | 'tokenKeySource'> {
  const dedicated = env.SRE_AGENT_ACTION_KEY?.trim();
  if (dedicated) {
    if (dedicated.length < 32)
      throw new UsageError(
        'SRE_AGENT_ACTION_KEY: must be at least 32 characters (e.g. `openssl rand -hex 32`)',
      );
    return { tokenKey: Buffer.from(dedicated, 'utf8'), tokenKeySource: 'SRE_AGENT_ACTION_KEY' };
  }
  const derived = derivedActionKey(env);
  if (derived) return { tokenKey: Buffer.from(derived, 'utf8'), tokenKeySource: 'SLACK_SIGNING_SECRET' };
  return { tokenKey: null, tokenKeySource: null };
}

/**
 * The key derived from SLACK_SIGNING_SECRET, in the form SRE_AGENT_ACTION_KEY takes (64 hex
 * characters), so that `serve slack` can hand it to its diagnosis workers as their
 * SRE_AGENT_ACTION_KEY: they sign the proposals they post without ever holding Slack's secret.
 */
export function derivedActionKey(env: Env): string | undefined {
  const secret = env.SLACK_SIGNING_SECRET?.trim();
  if (!secret) return undefined;
  return createHmac('sha256', secret).update('sre-agent action token v1').digest('hex');
}

/**
 * Actions from `--actions`, SRE_AGENT_ACTIONS or the config file (in that order), approvers from
 * SRE_AGENT_APPROVERS or the config file, approver groups from SRE_AGENT_APPROVER_GROUPS or the
 * config file. Unknown kinds, malformed user ids and malformed groups are usage errors.
 */
export function loadActionSettings(
  flag: string | undefined,
  env: Env,
  file: ActionFileFields,
): ActionSettings {
  const asked = list(flag) ?? list(env.SRE_AGENT_ACTIONS) ?? file.actions ?? [];
  const enabled: ActionKind[] = [];
  for (const kind of asked) {
    if (kind === 'none' || kind === 'off') continue;
    if (!(ACTION_KINDS as readonly string[]).includes(kind))
      throw new UsageError(
        `${flag !== undefined ? '--actions' : 'SRE_AGENT_ACTIONS'}: '${kind}' is not an action (known: ${ACTION_KINDS.join(', ')})`,
      );
    enabled.push(kind as ActionKind);
  }
  const approvers = list(env.SRE_AGENT_APPROVERS) ?? file.approvers ?? [];
  for (const id of approvers)
    if (!SLACK_USER_ID.test(id))
      throw new UsageError(`SRE_AGENT_APPROVERS: '${id}' is not a Slack user id (like U024BE7LH)`);
  const approverGroups = list(env.SRE_AGENT_APPROVER_GROUPS) ?? file.approverGroups ?? [];
  for (const group of approverGroups)
    if (!SLACK_USER_GROUP.test(group))
      throw new UsageError(
        `SRE_AGENT_APPROVER_GROUPS: '${group}' is not a Slack user group id (like S0614TZR7) or handle (like @oncall)`,
      );
  return Object.freeze({
    enabled: [...new Set(enabled)],
    approvers: [...new Set(approvers)],
    approverGroups: [...new Set(approverGroups)],
    ...tokenKeyFrom(env),
    tokenTtlMs: DEFAULT_ACTION_TTL_MS,
  });
}

/**
 * Whether a rollback button may be offered: the action on, someone to approve it (a listed user,
 * or a group whose members are read at click time), a key to sign with.
 */
export function rollbackOffered(actions: ActionSettings): boolean {
  const approvable = actions.approvers.length > 0 || actions.approverGroups.length > 0;
  return actions.enabled.includes('rollback') && approvable && actions.tokenKey !== null;
}
