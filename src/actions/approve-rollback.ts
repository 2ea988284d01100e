import type { RunEvent } from '../agent/run-events.js';
import type { ActionSettings } from '../config/actions.js';
import type { DedupeStore } from '../dedupe/dedupe-store.js';
import { errorMessage } from '../errors/errors.js';
import { ACTION_BLOCK_ID } from '../report/render-slack-blocks.js';
import type { Logger } from '../util/log.js';
import type { ApproverGroups } from './approver-groups.js';
import { verifyRollbackToken, type RollbackClaim, type TokenProblem } from './action-token.js';
import { followRollout, type RolloutFollow } from './follow-rollout.js';
import { RollbackError, applyRollback, describeTarget, planRollback, type RollbackApi } from './rollback.js';

/** One click of the rollback button, from an HTTP payload or a Socket Mode envelope. */
export interface RollbackClick {
  userId: string;
  /** The button's value: the signed token. */
  token: string;
  channel: string;
  /** The report message the button is on. */
  messageTs: string;
  /** That message's blocks, to replace the button with what was done. */
  messageBlocks?: unknown[];
  messageText?: string;
}

/** The Slack calls the approval makes; the WebClient's own method names and argument shapes. */
export interface ApprovalSlack {
  postMessage(args: { channel: string; text: string; thread_ts: string }): Promise<unknown>;
  update(args: { channel: string; ts: string; text: string; blocks: unknown[] }): Promise<unknown>;
  postEphemeral(args: { channel: string; user: string; text: string }): Promise<unknown>;
}

export interface ApprovalDeps {
  actions: ActionSettings;
  api: RollbackApi;
  /** The namespaces the agent may touch at all. */
  namespaces: readonly string[];
  /** One action per proposal, agreed between replicas (the dedupe store `serve slack` already has). */
  store: Pick<DedupeStore, 'claim' | 'isClaimed' | 'release' | 'remember' | 'recall'>;
  slack: ApprovalSlack;
  /** Members of the approver groups, read from Slack at click time; absent when none are configured. */
  groups?: Pick<ApproverGroups, 'membership'>;
  audit: (event: Extract<RunEvent, { type: 'action' }>) => void;
  logger: Logger;
  clock: () => Date;
  /** How long and how often to follow the rollout after the change. */
  follow: RolloutFollow;
}

/** What came of a click, for tests and logs; the person sees the Slack replies. */
export type ClickOutcome =
  | { outcome: 'refused'; reason: string }
  | { outcome: 'failed'; reason: string }
  | { outcome: 'rolled_back'; line: string; rollout: Promise<'complete' | 'stuck'> };

const TOKEN_PROBLEMS: Record<TokenProblem, string> = {
  malformed: 'this button is not one the agent made',
  forged: 'the button’s signature does not match (it was changed, or signed with another key)',
  expired: 'this proposal has expired; ask for a fresh diagnosis to get a current one',
};

function hhmm(date: Date): string {
  return `${date.toISOString().slice(11, 16)} UTC`;
}

/** The key that makes a proposal's action happen once, whichever replica gets the click. */
export function proposalKey(claim: Pick<RollbackClaim, 'id'>): string {
  return `action:rollback:${claim.id}`;
}

/**
 * Handle an approver's click: every check first (token, approver, namespace, once, unchanged
 * Deployment), then a server-side dry run, then the rollback; then the thread reply, the button
 * replaced, and the rollout followed. Any refusal is an ephemeral reply to the clicker and an
 * audit entry, and changes nothing. Never throws.
 */
export async function handleRollbackClick(deps: ApprovalDeps, click: RollbackClick): Promise<ClickOutcome> {
  const audit = (entry: Omit<Extract<RunEvent, { type: 'action' }>, 'type' | 'kind' | 'via'>) =>
    deps.audit({ type: 'action', kind: 'rollback', via: 'slack', user: click.userId, ...entry });
  const refuse = async (reason: string, claim?: RollbackClaim): Promise<ClickOutcome> => {
    audit({ outcome: 'refused', reason, ...(claim ? claimFields(claim) : {}) });
    await tell(deps, click, `:no_entry: Not rolled back: ${reason}.`);
    return { outcome: 'refused', reason };
  };
  if (!deps.actions.enabled.includes('rollback') || !deps.actions.tokenKey)
    return refuse('actions are turned off for this agent (SRE_AGENT_ACTIONS)');
  const verified = verifyRollbackToken(deps.actions.tokenKey, click.token, deps.clock());
  if (!verified.ok) return refuse(TOKEN_PROBLEMS[verified.problem]);
  const { claim } = verified;
  const approver = await approverCheck(deps, click.userId);
  if (!approver.ok) return refuse(approver.reason, claim);
  if (!deps.namespaces.includes(claim.namespace))
    return refuse(`namespace ${claim.namespace} is outside the agent's namespaces`, claim);
  const key = proposalKey(claim);
  if (await deps.store.isClaimed(key)) return refuse(await alreadyDone(deps, key), claim);

  let plan;
  try {
    plan = await planRollback(deps.api, { ...claim, toRevision: claim.toRevision });
  } catch (error) {
    return refuse(errorMessage(error), claim);
  }
  if (plan.resourceVersion !== claim.resourceVersion || plan.fromRevision !== claim.fromRevision)
    return refuse(
      `deployment ${claim.namespace}/${claim.deployment} changed since the proposal (now revision ${plan.fromRevision}); nothing was changed`,
      claim,
    );
  // Claimed before any write: a second click, here or on another replica, finds it taken.
  if (!(await deps.store.claim(key))) return refuse(await alreadyDone(deps, key), claim);
  try {
    await applyRollback(deps.api, plan, { dryRun: true });
    audit({
      outcome: 'dry_run',
      reason: 'the API server accepted the change in a dry run',
      ...claimFields(claim),
    });
    await applyRollback(deps.api, plan, { dryRun: false });
  } catch (error) {
    await deps.store.release(key);
    const reason = errorMessage(error);
    if (error instanceof RollbackError && error.problem === 'stale') return refuse(reason, claim);
    audit({ outcome: 'failed', reason, ...claimFields(claim) });
    await tell(deps, click, `:x: The rollback failed, nothing was changed: ${reason}.`);
    return { outcome: 'failed', reason };
  }
  const at = deps.clock();
  // Noted under a key of its own: the claim's record is not rewritten (a replace is a write some
  // stores refuse), and a later click reads who acted and when.
  await deps.store.remember(noteKey(key), {
    channel: click.channel,
    ts: click.messageTs,
    since: at.toISOString(),
    by: click.userId,
  });
  const line = `Rolled back ${claim.deployment} to revision ${claim.toRevision} at ${hhmm(at)}, approved by <@${click.userId}>`;
  audit({
    outcome: 'rolled_back',
    reason: line,
    ...claimFields(claim),
    image: plan.images[0] ?? '',
    ...(approver.group ? { approverGroup: approver.group } : {}),
  });
  await slackCall(deps, 'thread reply', () =>
    deps.slack.postMessage({
      channel: click.channel,
      thread_ts: click.messageTs,
      text: `:rewind: ${line} (${describeTarget(plan)}).`,
    }),
  );
  await slackCall(deps, 'button replacement', () =>
    deps.slack.update({
      channel: click.channel,
      ts: click.messageTs,
      text: click.messageText ?? line,
      blocks: replaceButton(click.messageBlocks ?? [], line),
    }),
  );
  const rollout = followRollout(deps.api, claim, deps.follow).then(async (result) => {
    audit({
      outcome: result.state === 'complete' ? 'rollout_complete' : 'rollout_stuck',
      reason: result.detail,
      ...claimFields(claim),
    });
    await slackCall(deps, 'rollout reply', () =>
      deps.slack.postMessage({
        channel: click.channel,
        thread_ts: click.messageTs,
        text:
          result.state === 'complete'
            ? `:white_check_mark: The rollback of ${claim.deployment} is complete: ${result.detail}.`
            : `:warning: The rollback of ${claim.deployment} has not finished: ${result.detail}. Check it with \`kubectl rollout status deployment/${claim.deployment} -n ${claim.namespace}\`.`,
      }),
    );
    return result.state;
  });
  return { outcome: 'rolled_back', line, rollout };
}

/**
 * Whether the clicker may approve: listed by id, or a member of an approver group. A group whose
 * members cannot be read refuses the click (fail closed) with the reason, rather than guessing.
 */
async function approverCheck(
  deps: ApprovalDeps,
  userId: string,
): Promise<{ ok: true; group?: string } | { ok: false; reason: string }> {
  if (deps.actions.approvers.includes(userId)) return { ok: true };
  const groups = deps.actions.approverGroups;
  if (groups.length === 0 || !deps.groups)
    return { ok: false, reason: `<@${userId}> is not on the approvers list (SRE_AGENT_APPROVERS)` };
  const membership = await deps.groups.membership(userId);
  if (!membership.ok)
    return { ok: false, reason: `the approver groups could not be checked: ${membership.problem}` };
  if (membership.group === null)
    return {
      ok: false,
      reason: `<@${userId}> is not on the approvers list (SRE_AGENT_APPROVERS) nor in an approver group (${groups.join(', ')})`,
    };
  return { ok: true, group: membership.group };
}

function claimFields(claim: RollbackClaim) {
  return {
    proposal: claim.id,
    namespace: claim.namespace,
    deployment: claim.deployment,
    fromRevision: claim.fromRevision,
    toRevision: claim.toRevision,
  };
}

async function alreadyDone(deps: ApprovalDeps, key: string): Promise<string> {
  const note = await deps.store.recall(noteKey(key));
  return note?.by
    ? `this proposal was already rolled back by <@${note.by}> at ${hhmm(new Date(note.since))}`
    : 'this proposal is already being acted on (one action per proposal)';
}

function noteKey(key: string): string {
  return `${key}:done`;
}

/** The report's blocks with the button's block replaced by a line saying what was done. */
export function replaceButton(blocks: unknown[], line: string): unknown[] {
  const replaced = blocks.map((block) =>
    (block as { block_id?: unknown }).block_id === ACTION_BLOCK_ID
      ? { type: 'context', elements: [{ type: 'mrkdwn', text: `:rewind: ${line}` }] }
      : block,
  );
  return replaced.length > 0 ? replaced : [{ type: 'section', text: { type: 'mrkdwn', text: line } }];
}

async function tell(deps: ApprovalDeps, click: RollbackClick, text: string): Promise<void> {
  await slackCall(deps, 'ephemeral reply', () =>
    deps.slack.postEphemeral({ channel: click.channel, user: click.userId, text }),
  );
}

/** A Slack reply that fails is logged: the cluster change (or refusal) stands and is audited. */
async function slackCall(deps: ApprovalDeps, what: string, call: () => Promise<unknown>): Promise<void> {
  try {
    await call();
  } catch (error) {
    deps.logger.warn(`rollback: the ${what} could not be posted`, { error: errorMessage(error) });
  }
}
