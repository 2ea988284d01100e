/**
 * The report as GitHub-flavoured Markdown, for an issue, a pull request or a wiki page.
 */
import {
  commitParts,
  fileLabel,
  formatCost,
  formatDuration,
  formatTokens,
  gapLine,
  linkableUrl,
  oneLine,
  plural,
  slackOutcomeLabel,
  statusEmoji,
  statusLabel,
  withoutControlCharacters,
} from './render-format.js';
import type { Report } from './schema.js';

/**
 * Markup characters escaped, so a `<script>` or a stray `*` in a log line shows as written; a
 * line that would become a heading, too (`atLineStart`: the text begins a line). `_` is left
 * alone: GFM does not emphasise inside words, and escaping it would clutter every `snake_case`.
 */
function escapeMarkup(text: string, atLineStart: boolean): string {
  return text
    .replace(/[\\*[\]<>]/g, '\\$&')
    .replace(/(^|\n)([ \t]*)#/g, (all, lineStart: string, indent: string, offset: number) =>
      offset === 0 && !atLineStart ? all : `${lineStart}${indent}\\#`,
    );
}

const escapeBackticks = (text: string) => text.replace(/`/g, '\\`');

const atLineStart = (text: string, index: number) => index === 0 || text[index - 1] === '\n';

/**
 * Prose as Markdown that shows as written, except that code spans stay code spans: findings
 * quote code in backticks, and escaping them would show `` \` `` around it.
 *
 * A span is kept verbatim (nothing is markup inside one) when it sits on one line and holds no
 * `<`: an HTML tag or autolink outranks a code span in CommonMark and could start inside it, and
 * a line break inside could start a heading. Such a span, and its backticks, are escaped like
 * the rest. A backtick run with no closing run is escaped: literal in CommonMark on its own, it
 * could pair with a span the caller puts after this text on the same line.
 */
function prose(text: string): string {
  const clean = withoutControlCharacters(text);
  const out: string[] = [];
  let done = 0; // everything before this index is in `out`
  const runs = /`+/g;
  for (let open = runs.exec(clean); open !== null; open = runs.exec(clean)) {
    const ticks = open[0];
    // The closing run: exactly as many backticks, not part of a longer run.
    const closing = new RegExp(`(?<!\`)${ticks}(?!\`)`, 'g');
    closing.lastIndex = open.index + ticks.length;
    const close = closing.exec(clean);
    const end = close === null ? open.index + ticks.length : close.index + ticks.length;
    const span = clean.slice(open.index, end);
    out.push(escapeMarkup(clean.slice(done, open.index), atLineStart(clean, done)));
    if (close !== null && !span.includes('<') && !span.includes('\n')) out.push(span);
    else out.push(escapeBackticks(escapeMarkup(span, false)));
    done = end;
    runs.lastIndex = end;
  }
  out.push(escapeMarkup(clean.slice(done), atLineStart(clean, done)));
  return out.join('');
}

/** A code span that survives backticks inside it: the fence is longer than any run of them. */
function code(text: string): string {
  const content = oneLine(withoutControlCharacters(text));
  const longestRun = Math.max(0, ...(content.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longestRun + 1);
  const pad = content.startsWith('`') || content.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${content}${pad}${fence}`;
}

/** A link to a suspect file at its line, or just its name in code when there is no usable URL. */
function fileLink(label: string, url: string | undefined): string {
  const href = linkableUrl(url);
  if (href === undefined) return code(label);
  return `[${code(label)}](<${href}>)`;
}

/** Renders a report as GitHub-flavoured Markdown. */
export function renderMarkdown(report: Report): string {
  const out: string[] = [];
  const status = statusLabel(report.status);
  out.push(`## ${statusEmoji(report.status)} ${prose(report.service)}: ${status}`, '');
  out.push(`**Namespace:** ${code(report.namespace)} · **Status:** ${status}`, '');
  if (report.summary !== '') out.push(prose(report.summary), '');

  out.push(`### Root cause (confidence: ${report.rootCause.confidence})`, '');
  out.push(report.rootCause.statement === '' ? '_None stated._' : prose(report.rootCause.statement), '');

  const evidence = report.evidence ?? [];
  out.push(`### Evidence (${evidence.length})`, '');
  if (evidence.length === 0) out.push('_None recorded._');
  for (const item of evidence) {
    const ref = item.ref === undefined || item.ref === '' ? '' : ` (${code(item.ref)})`;
    out.push(`- **${item.source}**: ${prose(oneLine(item.detail))}${ref}`);
  }
  out.push('');

  const files = report.suspectFiles ?? [];
  if (files.length > 0) {
    out.push('### Suspect files', '');
    for (const file of files) out.push(`- ${fileLink(fileLabel(file), file.url)}`);
    out.push('');
  }

  const commits = report.suspectCommits ?? [];
  if (commits.length > 0) {
    out.push('### Suspect commits', '');
    for (const commit of commits) {
      const { sha, message, byline } = commitParts(commit);
      const parts = [
        code(sha),
        message === '' ? '' : prose(message),
        byline === '' ? '' : `— ${prose(byline)}`,
      ];
      out.push(`- ${parts.filter((part) => part !== '').join(' ')}`);
    }
    out.push('');
  }

  if (report.suggestedFix !== '') out.push('### Suggested fix', '', prose(report.suggestedFix), '');

  const gaps = report.gaps ?? [];
  if (gaps.length > 0) {
    out.push(`### Not checked (${gaps.length})`, '');
    for (const gap of gaps) out.push(`- ${prose(gapLine(gap))}`);
    out.push('');
  }

  out.push('---', '');
  const usage = report.usage;
  const facts = [
    `**Engine:** ${code(report.engine)}${report.degraded ? ' (degraded)' : ''}`,
    `**Slack:** ${prose(slackOutcomeLabel(report.slack))}`,
    `**Run:** ${[
      plural(usage.turns, 'turn'),
      plural(usage.toolCalls, 'tool call'),
      `tokens ${formatTokens(usage)}`,
      `cost ${formatCost(usage.costUsd)}`,
      formatDuration(report.durationMs),
    ].join(' · ')}`,
  ];
  for (const fact of facts) out.push(`- ${fact}`);
  const reasons = report.degradedReasons ?? [];
  if (reasons.length > 0) {
    out.push('- **Degraded because:**');
    for (const reason of reasons) out.push(`  - ${prose(oneLine(reason))}`);
  }
  return out.join('\n') + '\n';
}
