/**
 * The report as the one Slack post (DESIGN.md 4.4.1): Block Kit blocks within every Slack limit,
 * with every piece of report text escaped and its mentions made plain (DESIGN.md 5.4). Evidence
 * beyond the first few goes to a thread reply.
 */
import { gapLine, oneLine, runFooter, statusEmoji, statusLabel } from './render-format.js';
import {
  SLACK_LIMITS,
  commitLine,
  context,
  evidenceLine,
  fileLine,
  header,
  section,
  slackMessageSize,
  type SlackBlock,
  type SlackMessage,
} from './render-slack-blocks.js';
import type { Report } from './schema.js';
import { slackMrkdwn, truncate } from './slack-text.js';

export type { SlackBlock, SlackMessage } from './render-slack-blocks.js';
export { SLACK_LIMITS, slackMessageSize } from './render-slack-blocks.js';

/** How many evidence items the main message shows; the rest go to the thread. */
export const SLACK_TOP_EVIDENCE = 5;

/** Caps, in characters of escaped text, for one attempt at fitting a message. */
interface Budget {
  summary: number;
  rootCause: number;
  evidenceDetail: number;
  evidenceRef: number;
  fix: number;
  files: number;
  commits: number;
  line: number;
  url: number;
  degraded: number;
  /** How many gaps the main message lists, and the length of each. */
  gaps: number;
  gapLine: number;
}

const ROOMY: Budget = {
  summary: 2000,
  rootCause: 2500,
  evidenceDetail: 400,
  evidenceRef: 120,
  fix: 2000,
  files: 5,
  commits: 5,
  line: 250,
  url: 1000,
  degraded: 1000,
  gaps: 8,
  gapLine: 300,
};

/**
 * Ever tighter budgets, tried in order until the message fits. Evidence is cut first, since the
 * thread can carry it; the last budget fits by construction (about 4,000 characters at worst,
 * even if JSON doubles every one of them).
 */
const SHORT_EVIDENCE: Budget = { ...ROOMY, evidenceDetail: 100, evidenceRef: 60 };
const BUDGETS: readonly Budget[] = [
  ROOMY,
  { ...ROOMY, evidenceDetail: 200, evidenceRef: 80 },
  SHORT_EVIDENCE,
  {
    ...SHORT_EVIDENCE,
    summary: 1200,
    rootCause: 1500,
    fix: 1200,
    files: 3,
    commits: 3,
    line: 200,
    gaps: 5,
    gapLine: 200,
  },
  {
    ...SHORT_EVIDENCE,
    summary: 600,
    rootCause: 800,
    fix: 600,
    files: 2,
    commits: 2,
    line: 160,
    url: 500,
    gaps: 3,
    gapLine: 160,
  },
  {
    summary: 300,
    rootCause: 400,
    evidenceDetail: 80,
    evidenceRef: 40,
    fix: 300,
    files: 1,
    commits: 1,
    line: 120,
    url: 300,
    degraded: 200,
    gaps: 2,
    gapLine: 120,
  },
];

/** The one-line notification text: status, service, summary. */
function fallbackText(report: Report, summaryMax: number): string {
  const head = `${statusLabel(report.status)}: ${truncate(oneLine(report.service), 100)}`;
  return report.summary === ''
    ? slackMrkdwn(head, 300)
    : slackMrkdwn(`${head} — ${oneLine(report.summary)}`, summaryMax);
}

function moreLine(shown: number, total: number, where: string): string {
  return total > shown ? `\n_${total - shown} more ${where}_` : '';
}

function build(report: Report, budget: Budget): SlackMessage {
  const blocks: SlackBlock[] = [];
  const service = oneLine(report.service);
  const status = statusLabel(report.status);
  const emoji = statusEmoji(report.status);
  const serviceRoom = SLACK_LIMITS.headerText - emoji.length - status.length - 3;
  blocks.push(header(`${emoji} ${truncate(service, serviceRoom)}: ${status}`));

  if (report.summary !== '') blocks.push(section(slackMrkdwn(report.summary, budget.summary)));

  const statement =
    report.rootCause.statement === ''
      ? '_None stated._'
      : slackMrkdwn(report.rootCause.statement, budget.rootCause);
  blocks.push(section(`*Root cause* (confidence: *${report.rootCause.confidence}*)\n${statement}`));

  const evidence = report.evidence ?? [];
  if (evidence.length > 0) {
    const top = evidence.slice(0, SLACK_TOP_EVIDENCE);
    const lines = top.map((item) => evidenceLine(item, budget.evidenceDetail, budget.evidenceRef));
    const title =
      evidence.length > top.length ? `*Evidence* (${top.length} of ${evidence.length})` : '*Evidence*';
    blocks.push(
      section(`${title}\n${lines.join('\n')}${moreLine(top.length, evidence.length, 'in the thread')}`),
    );
  }

  const files = report.suspectFiles ?? [];
  if (files.length > 0) {
    const lines = files.slice(0, budget.files).map((file) => fileLine(file, budget.line, budget.url));
    const title = files.length === 1 ? '*Suspect file*' : '*Suspect files*';
    blocks.push(section(`${title}\n${lines.join('\n')}${moreLine(lines.length, files.length, 'not shown')}`));
  }

  const commits = report.suspectCommits ?? [];
  if (commits.length > 0) {
    const lines = commits.slice(0, budget.commits).map((commit) => commitLine(commit, budget.line));
    const title = commits.length === 1 ? '*Suspect commit*' : '*Suspect commits*';
    blocks.push(
      section(`${title}\n${lines.join('\n')}${moreLine(lines.length, commits.length, 'not shown')}`),
    );
  }

  if (report.suggestedFix !== '') {
    blocks.push(section(`*Suggested fix*\n${slackMrkdwn(report.suggestedFix, budget.fix)}`));
  }

  // What could not be read sits under the findings: a reader weighs the verdict by it.
  const gaps = report.gaps ?? [];
  if (gaps.length > 0) {
    const lines = gaps.slice(0, budget.gaps).map((gap) => `• ${slackMrkdwn(gapLine(gap), budget.gapLine)}`);
    blocks.push(
      section(
        `*Not checked* (${gaps.length})\n${lines.join('\n')}${moreLine(lines.length, gaps.length, 'not shown')}`,
      ),
    );
  }

  const footer = [slackMrkdwn(runFooter(report), 500)];
  const reasons = report.degradedReasons ?? [];
  if (report.degraded || reasons.length > 0) {
    const why = reasons.length > 0 ? `: ${reasons.map(oneLine).join('; ')}` : '';
    footer.push(`:warning: ${slackMrkdwn(`Degraded${why}`, budget.degraded)}`);
  }
  blocks.push(context(footer));

  return { text: fallbackText(report, Math.min(300, budget.summary)), blocks };
}

/**
 * Renders the report as the Slack post: header, summary, root cause, the top evidence, suspect
 * files (linked at their line) and commits, the suggested fix, and a footer about the run. Long
 * fields are shortened, evidence first, until the whole message is under Slack's size limit.
 */
export function renderSlackMessage(report: Report): SlackMessage {
  let message = build(report, ROOMY);
  for (const budget of BUDGETS.slice(1)) {
    if (slackMessageSize(message) < SLACK_LIMITS.messageChars) break;
    message = build(report, budget);
  }
  return message;
}

/**
 * The evidence the main post leaves out (everything after the first five), for a thread reply.
 * Items are packed into sections of at most 3,000 characters; what would push the reply past
 * Slack's limits is counted in a last line instead. With nothing left over, `blocks` is empty.
 */
export function renderSlackEvidenceThread(report: Report): SlackMessage {
  const evidence = report.evidence ?? [];
  const rest = evidence.slice(SLACK_TOP_EVIDENCE);
  const service = truncate(oneLine(report.service), 100);
  if (rest.length === 0) return { text: slackMrkdwn(`${service}: no further evidence`, 300), blocks: [] };

  const first = SLACK_TOP_EVIDENCE + 1;
  const text = slackMrkdwn(`${service}: evidence ${first}–${evidence.length} of ${evidence.length}`, 300);
  const blocks: SlackBlock[] = [];
  // Room for the closing "N more" line and for the JSON of the blocks that frame the items.
  const budget = SLACK_LIMITS.messageChars - 1000;
  let size = slackMessageSize({ text, blocks: [] });
  let chunk = `*More evidence* (${first}–${evidence.length})`;
  let shown = 0;
  for (const item of rest) {
    const line = evidenceLine(item, 300, 100);
    const cost = JSON.stringify(line).length;
    if (size + cost > budget || blocks.length >= SLACK_LIMITS.blocks - 2) break;
    if (chunk.length + 1 + line.length > SLACK_LIMITS.sectionText) {
      blocks.push(section(chunk));
      size += 60; // the JSON around one section's text
      chunk = line;
    } else {
      chunk = `${chunk}\n${line}`;
    }
    size += cost;
    shown += 1;
  }
  blocks.push(section(chunk));
  if (shown < rest.length) blocks.push(context([`_${rest.length - shown} more evidence items not shown_`]));
  return { text, blocks };
}
