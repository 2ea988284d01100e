/**
 * Guard: the model can only read (DESIGN.md 5.1, 5.2).
 *
 * Threat: a configured MCP server offers a tool that posts to Slack (`slack_post_message`), writes
 * to GitHub (`create_or_update_file`, `merge_pull_request`) or changes the cluster (`pods_delete`,
 * `resources_create_or_update`), and an allowlist — written by hand, copied from a README — lets it
 * through. With it the model could choose the channel, or act on what a prompt injection asks.
 *
 * Such a tool is never offered to the model, whatever the allowlist says. It is recognised by its
 * annotations (an explicit `readOnlyHint: false` or `destructiveHint: true`) and by its name (a
 * write verb). Annotations are trusted only to withhold, never to allow: a server that claims
 * `readOnlyHint: true` for `delete_pod` is still withheld by name. The host's own report post is
 * not affected: it is never offered to the model in the first place.
 */
import type { Tool } from '@modelcontextprotocol/sdk/types.js';

/** Verbs that name a write wherever they stand in a tool's name. */
// prettier-ignore
const WRITE_VERBS = new Set([
  'post', 'send', 'create', 'update', 'upsert', 'delete', 'remove', 'patch', 'put', 'apply',
  'replace', 'scale', 'restart', 'exec', 'merge', 'push', 'write', 'edit', 'set', 'add', 'upload',
  'invite', 'kick', 'archive', 'unarchive', 'close', 'reopen', 'fork', 'approve', 'reply', 'react',
  'cordon', 'uncordon', 'drain', 'evict', 'taint', 'label', 'annotate', 'install', 'uninstall',
  'upgrade', 'rollback', 'deploy', 'trigger', 'dispatch', 'cancel', 'rerun', 'retry', 'lock',
  'unlock', 'pin', 'unpin', 'star', 'unstar', 'transfer', 'rename', 'move', 'join', 'leave', 'kill',
  'stop', 'start', 'run', 'submit', 'assign', 'unassign', 'dismiss', 'enable', 'disable',
  'grant', 'revoke', 'rotate', 'reset', 'sync', 'publish', 'commit', 'schedule', 'suspend', 'resume',
  'pause', 'mute', 'unmute', 'kubectl', 'shell', 'execute', 'modify', 'insert', 'drop', 'truncate',
  'destroy', 'terminate', 'reboot', 'promote', 'revert', 'undo', 'notify',
]);

/** Verbs that make a tool a read when they come first (`get_workflow_run`, `list_runs`). */
// prettier-ignore
const READ_VERBS = new Set([
  'get', 'list', 'search', 'read', 'describe', 'view', 'fetch', 'show', 'find', 'query', 'count',
  'watch', 'check', 'explain', 'diff', 'lookup', 'inspect', 'summarize', 'download',
]);

/** Writes that no read verb in front excuses (`get_or_create_branch`). */
const ALWAYS_WRITES = new Set([
  'create',
  'update',
  'upsert',
  'delete',
  'remove',
  'post',
  'send',
  'merge',
  'push',
  'write',
  'exec',
  'apply',
  'patch',
]);

/** The words of a tool name: `slack_post_message` → slack, post, message; `createIssue` → create, issue. */
function nameWords(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
}

/** The write verb in a tool's name, or undefined for a name that reads. */
export function writeVerbIn(name: string): string | undefined {
  const words = nameWords(name);
  if (READ_VERBS.has(words[0] ?? '')) return words.find((word) => ALWAYS_WRITES.has(word));
  return words.find((word) => WRITE_VERBS.has(word));
}

/**
 * Why a tool may never be offered to the model, or null when it reads. `Tool` is the MCP
 * listing's shape; only its name and annotations are read.
 */
export function writeToolReason(tool: Pick<Tool, 'name' | 'annotations'>): string | null {
  const hints = tool.annotations;
  const why =
    hints?.readOnlyHint === false
      ? 'the server annotates it readOnlyHint: false'
      : hints?.destructiveHint === true
        ? 'the server annotates it destructiveHint: true'
        : writeVerbIn(tool.name) !== undefined
          ? `its name says it writes ('${writeVerbIn(tool.name)}')`
          : null;
  return why === null
    ? null
    : `${why}: a tool that posts, writes to a repository or changes the cluster is never offered to the model, whatever the allowlist says`;
}
