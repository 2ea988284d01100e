import type { EngineContext } from '../../engine.js';
import { correlateChange, type ChangeLink } from './recent-change.js';

/**
 * A change correlation whose find counts only when `accept` says it shows the mechanism (a removed
 * cleanup line, an added USER). The correlation records its find in the casebook as it goes; a
 * find that is refused is taken back out, since naming it would be a false lead.
 */
export async function tentativeChange(
  ctx: EngineContext,
  clue: Parameters<typeof correlateChange>[1],
  accept: (change: ChangeLink) => boolean,
): Promise<ChangeLink | null> {
  const { casebook } = ctx;
  const before = {
    commits: casebook.suspectCommits.length,
    evidence: casebook.evidence.length,
    files: [...casebook.suspectFiles],
  };
  const change = await correlateChange(ctx, clue);
  if (change && accept(change)) return change;
  casebook.suspectCommits.length = before.commits;
  casebook.evidence.length = before.evidence;
  casebook.suspectFiles.splice(0, casebook.suspectFiles.length, ...before.files);
  return null;
}
