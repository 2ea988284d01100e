import type { EngineContext } from '../../engine.js';
import { suspectOf } from '../tool-data.js';
import { recentCommitDetails } from './recent-change.js';

/** Files that grant a cloud or cluster identity its permissions: IAM policy code and role definitions. */
const PERMISSION_FILE =
  /(?:^|\/)(?:iam|polic(?:y|ies)|roles?|permissions?|rbac)(?:\/|[._-])|\.rego$|(?:^|\/)[\w-]*(?:iam|policy|role)[\w-]*\.(?:tf|json|ya?ml|hcl)$/i;

/** What a cloud API says when the caller's identity lacks the permission. */
export const PERMISSION_DENIED =
  /UnauthorizedOperation|AccessDenied|not authori[sz]ed to perform|Forbidden|\b403\b|PermissionDenied|AuthorizationFailed/i;

/**
 * The recent commit that changed the permissions of the identity whose call was refused: it
 * touched a permission file, and its files or message name what was refused (`words`: the
 * service, the driver, the action). A commit whose diff is not shown counts by path and message.
 */
export async function permissionChange(
  ctx: EngineContext,
  words: readonly string[],
): Promise<{ note: string } | null> {
  const about = new RegExp(words.map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'i');
  for (const commit of await recentCommitDetails(ctx)) {
    const file = commit.files.find((f) => PERMISSION_FILE.test(f.path));
    if (!file) continue;
    if (!about.test(`${commit.message ?? ''} ${commit.files.map((f) => `${f.path} ${f.patch}`).join(' ')}`))
      continue;
    const subject = (commit.message ?? '').split('\n')[0] ?? '';
    const note = `Commit ${commit.sha.slice(0, 7)} "${subject}" (${commit.author ?? 'unknown'}, ${commit.date ?? ''}) changed those permissions in ${file.path}, shortly before the refusals.`;
    ctx.casebook.suspectCommits.unshift(suspectOf(commit));
    ctx.casebook.suspectFiles.unshift({ path: file.path });
    ctx.casebook.evidence.push({ source: 'github', detail: note, ref: commit.sha });
    return { note };
  }
  return null;
}
