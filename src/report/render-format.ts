/**
 * Small formatting pieces every renderer shares, so the terminal, markdown and Slack forms of a
 * report say the same thing in the same words.
 */
import type {
  Gap,
  Report,
  ReportStatusName,
  SlackOutcome,
  SuspectCommit,
  SuspectFile,
  Usage,
} from './schema.js';

/** `850ms`, `12.3s`, `2m 05s`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return 'n/a';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const totalSeconds = Math.round(ms / 1000);
  return `${Math.floor(totalSeconds / 60)}m ${String(totalSeconds % 60).padStart(2, '0')}s`;
}

/** `$0.0123`, `$1.25`; `n/a` when the price is unknown (null). */
export function formatCost(costUsd: number | null): string {
  if (costUsd === null || !Number.isFinite(costUsd)) return 'n/a';
  return `$${costUsd < 1 ? costUsd.toFixed(4) : costUsd.toFixed(2)}`;
}

/**
 * `1,234`: thousands separated the same way whatever the machine's locale. Not `toLocaleString`:
 * its first call loads ICU's number formatting, tens of milliseconds of every run's one post.
 */
export function formatCount(n: number): string {
  const rounded = Math.round(n);
  if (!Number.isFinite(rounded) || Math.abs(rounded) >= 1e21) return rounded.toLocaleString('en-US');
  return String(rounded).replace(/\B(?=(\d{3})+$)/g, ',');
}

/** `12,000 in · 800 out · 9,000 cache read · 1,000 cache write`. */
export function formatTokens(usage: Usage): string {
  return [
    `${formatCount(usage.inputTokens)} in`,
    `${formatCount(usage.outputTokens)} out`,
    `${formatCount(usage.cacheReadTokens)} cache read`,
    `${formatCount(usage.cacheWriteTokens)} cache write`,
  ].join(' · ');
}

/** `1 tool call`, `14 tool calls`. */
export function plural(n: number, word: string): string {
  return `${formatCount(n)} ${word}${n === 1 ? '' : 's'}`;
}

/** Words a person reads for a status (`timed_out` → `timed out`). */
export function statusLabel(status: ReportStatusName): string {
  return status.replace(/_/g, ' ');
}

/** The Slack emoji shortcode that heads a report of this status. */
export function statusEmoji(status: ReportStatusName): string {
  const emoji: Record<ReportStatusName, string> = {
    diagnosed: ':rotating_light:',
    healthy: ':white_check_mark:',
    inconclusive: ':grey_question:',
    timed_out: ':hourglass:',
    failed: ':x:',
  };
  return emoji[status];
}

/** `src/cart/RedisCartStore.cs:87`, or the path alone when no line is known. */
export function fileLabel(file: SuspectFile): string {
  return file.line === undefined ? file.path : `${file.path}:${file.line}`;
}

/** The first seven characters of a hex SHA; anything else as it is. */
export function shortSha(sha: string): string {
  return /^[0-9a-f]{8,}$/i.test(sha) ? sha.slice(0, 7) : sha;
}

/** The subject line of a commit message, which is what a reader scans for. */
export function firstLine(text: string): string {
  return text.split(/\r?\n/, 1)[0]?.trim() ?? '';
}

/** Text on one line: runs of whitespace (newlines included) become one space. */
export function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/**
 * Text cut to `max` characters by dropping its middle at word boundaries, marked ` … `: a log
 * line keeps its start and its end, where wrapped errors put the cause (`… connect: connection
 * refused`).
 */
export function shortenMiddle(text: string, max: number): string {
  if (text.length <= max) return text;
  const marker = ' … ';
  const room = max - marker.length;
  if (room < 20) return text.slice(0, Math.max(0, max));
  let head = text.slice(0, Math.floor(room * 0.35));
  let tail = text.slice(text.length - (room - head.length));
  const space = head.lastIndexOf(' ');
  if (space > head.length / 2) head = head.slice(0, space);
  const tailSpace = tail.indexOf(' ');
  if (tailSpace >= 0 && tailSpace < tail.length / 2) tail = tail.slice(tailSpace + 1);
  return `${head}${marker}${tail}`;
}

/** `3f9c2ab  Fix cart limit — Jane Doe, 2026-11-19` without the parts that are missing. */
export function commitParts(commit: SuspectCommit): { sha: string; message: string; byline: string } {
  const byline = [commit.author, commit.date].filter((part) => part !== undefined && part !== '').join(', ');
  return { sha: shortSha(commit.sha), message: oneLine(firstLine(commit.message ?? '')), byline };
}

/** `pod logs of cart-7d9 — the Kubernetes API answered 500`: what could not be read, and why. */
export function gapLine(gap: Gap): string {
  return `${oneLine(gap.what)} — ${oneLine(gap.why)}`;
}

/** An http(s) URL safe to link to, or undefined (no `javascript:` links, no broken markup). */
export function linkableUrl(url: string | undefined): string | undefined {
  if (url === undefined || url.length > 2000 || !/^https?:\/\/[^\s<>"]+$/i.test(url)) return undefined;
  return url;
}

/** `posted to C0123 (ts 1700000000.000100)` or `not posted: channel_not_found`. */
export function slackOutcomeLabel(slack: SlackOutcome): string {
  if (slack.posted) {
    const where = slack.channel === null ? 'posted' : `posted to ${slack.channel}`;
    return slack.ts === null ? where : `${where} (ts ${slack.ts})`;
  }
  return slack.error === undefined || slack.error === '' ? 'not posted' : `not posted: ${slack.error}`;
}

/** `offline · 12.3s · 14 tool calls · $0.0123`: the one-line account of a run. */
export function runFooter(report: Report): string {
  return [
    report.engine,
    formatDuration(report.durationMs),
    plural(report.usage.toolCalls, 'tool call'),
    formatCost(report.usage.costUsd),
  ].join(' · ');
}

/**
 * Text without control characters other than tab and newline (C0, DEL, C1), which become spaces,
 * and without lone surrogates, which become U+FFFD: report text comes from logs and a model, and
 * an ANSI escape in it must not drive the reader's terminal, nor a broken character bloat JSON.
 */
export function withoutControlCharacters(text: string): string {
  return (
    text
      // eslint-disable-next-line no-control-regex -- removing them is the point
      .replace(/[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/g, ' ')
      .replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD')
  );
}
