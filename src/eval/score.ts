import type { Report } from '../report/schema.js';
import type { ScenarioExpect } from '../sandbox/scenario-types.js';

export interface Score {
  pass: boolean;
  /** Why it failed, one line each; empty when it passed. */
  failures: string[];
}

/**
 * Score a report against a scenario's `expect` (DESIGN.md 4.6): status; every root-cause group
 * matched by one of its strings (case-insensitive, in the statement or the summary); every
 * expected file among the suspect files; every expected commit prefixing a suspect commit; no
 * forbidden string anywhere in the report or the Slack messages.
 */
export function scoreReport(report: Report, expect: ScenarioExpect): Score {
  const failures: string[] = [];
  if (report.status !== expect.status) failures.push(`status ${report.status}, expected ${expect.status}`);
  const said = `${report.rootCause.statement}\n${report.summary}`.toLowerCase();
  for (const group of expect.rootCause) {
    if (!group.some((s) => said.includes(s.toLowerCase())))
      failures.push(`root cause lacks any of: ${group.join(' | ')}`);
  }
  const files = report.suspectFiles.map((f) => f.path.replace(/^\/+/, ''));
  for (const file of expect.files) {
    if (!files.includes(file))
      failures.push(`suspect files lack ${file}${files.length ? ` (got ${files.join(', ')})` : ''}`);
  }
  const shas = report.suspectCommits.map((c) => c.sha.toLowerCase());
  for (const commit of expect.commits) {
    if (!shas.some((sha) => sha.startsWith(commit.toLowerCase())))
      failures.push(`suspect commits lack ${commit}`);
  }
  const everything = JSON.stringify(report);
  for (const secret of expect.forbid) {
    if (everything.includes(secret)) failures.push(`forbidden string appears: ${secret.slice(0, 3)}…`);
  }
  return { pass: failures.length === 0, failures };
}
