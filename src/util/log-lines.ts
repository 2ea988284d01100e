import { accessLogTime, isoTime, leadingTime } from './log-time.js';
import { parseStructuredLine } from './structured-log-line.js';

/** A log line split into what the analysis needs: time, level and the message text. */
export interface LogLine {
  raw: string;
  time?: string;
  level?: 'error' | 'warn' | 'info' | 'debug';
  /** The text after timestamps and level markers; for JSON lines, message and error joined. */
  text: string;
  /** A stack trace carried inside a structured line (pino's `err.stack`, Python's `exc_info`). */
  stack?: string;
  /** The error's type when a structured line names it (`err.type`, `exc_type`). */
  errorType?: string;
}

/** The request and status of an access-log line: `"GET /orders HTTP/1.1" 502 0`. */
const ACCESS_STATUS = /"[A-Z]{3,7} \S+ HTTP\/[\d.]+" (\d{3}) /;
/** klog's header: `E1203 05:58:14.259012       1 reflector.go:158] `. */
const KLOG = /^([IWEF])\d{4} \d{2}:\d{2}:\d{2}(?:\.\d+)?\s+\d+\s+[\w./-]+:\d+\]\s?/;
/** Ruby's Logger: `E, [2026-12-01T10:00:00.123456 #1] ERROR -- progname: message`. */
const RUBY_LOGGER =
  /^[DIWEFA], \[(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?)\s+#\d+\]\s+([A-Z]+) -- [^:]{0,100}:\s?/;
/** Leading id tags (`[c9ce29d1-4915-…] `, `[req-8f2a]`): bracketed, no spaces, holding a digit. */
const ID_TAGS = /^(?:\[[\w.:-]*\d[\w.:-]*\]\s*)+/;
/** Python's logging without a format: `ERROR:payments.charge:card declined`. */
const PYTHON_DEFAULT = /^(CRITICAL|ERROR|WARNING|INFO|DEBUG):[\w.]{1,100}:/;
const LEVEL_WORD =
  /^(?:\[?\s*(?:level=)?(ERROR|ERR|FATAL|CRITICAL|CRIT|SEVERE|WARN|WARNING|INFO|DEBUG|TRACE|fail|crit|warn|info|dbug|trce|error|fatal|warning|debug)\s*\]?:?)(?=\s|$)\s*/i;
/**
 * Syslog severities some servers print in brackets: HAProxy's `[ALERT]    (1) : config : …`, nginx's
 * `[emerg] 1#1: …`. Only bracketed, so that a sentence starting with "Notice" keeps no level.
 */
const SYSLOG_LEVEL = /^\[\s*(ALERT|EMERG|EMERGENCY|NOTICE)\s*\](?=\s|$)\s*/i;
/**
 * Context pairs a logger prints before the level, as Sidekiq's formatter does:
 * `pid=1 tid=hbv1 class=PushJob jid=3f01 elapsed=0.13 WARN: message`. The colon after the level is
 * required, so that a logfmt line whose message merely starts with a level word keeps no level.
 */
const CONTEXT_THEN_LEVEL = /^(?:[\w.-]+=\S+\s+){1,12}(ERROR|FATAL|WARN|WARNING|INFO|DEBUG|TRACE):\s+/;

function levelOf(word: string | undefined): LogLine['level'] {
  if (!word) return undefined;
  const w = word.toLowerCase();
  if (
    [
      'error',
      'err',
      'fatal',
      'critical',
      'crit',
      'severe',
      'panic',
      'fail',
      'alert',
      'emerg',
      'emergency',
    ].includes(w)
  )
    return 'error';
  if (['warn', 'warning'].includes(w)) return 'warn';
  if (['info', 'notice'].includes(w)) return 'info';
  return 'debug';
}

function parseJsonLine(raw: string): LogLine | null {
  const line = parseStructuredLine(raw);
  return line ? { raw, ...line } : null;
}

/** Split a log line into time, level and text. Handles plain, logfmt-ish, .NET console and JSON lines. */
export function parseLogLine(raw: string): LogLine {
  const trimmed = raw.trimEnd();
  if (trimmed.startsWith('{') && trimmed.endsWith('}')) {
    const json = parseJsonLine(trimmed);
    if (json) return json;
  }
  let rest = trimmed;
  let time: string | undefined;
  const ruby = rest.match(RUBY_LOGGER);
  if (ruby)
    return {
      raw: trimmed,
      time: isoTime(ruby[1] as string),
      level: levelOf(ruby[2]),
      text: rest.slice(ruby[0].length).replace(ID_TAGS, '').trim(),
    };
  // klog (Kubernetes components, operators): the level is the first letter; the year is not printed,
  // so no time is claimed rather than a guessed one.
  const klog = rest.match(KLOG);
  if (klog)
    return {
      raw: trimmed,
      level: ({ E: 'error', F: 'error', W: 'warn', I: 'info' } as const)[klog[1] as 'E' | 'F' | 'W' | 'I'],
      text: rest.slice(klog[0].length).trim(),
    };
  // Rails' tagged logging repeats the request id before every line of an exception, frames too.
  const t = leadingTime(rest);
  const tags = t ? null : rest.match(ID_TAGS);
  if (tags) return parseLogLine(rest.slice(tags[0].length));
  if (t) {
    time = t.time;
    // gunicorn and uWSGI print the process id in brackets between the time and the level: `[1] [INFO]`.
    rest = t.rest.replace(/^\[\d+\]\s+(?=\[)/, '');
  } else {
    // An access log (Common Log Format) carries its time after the client's address.
    time = accessLogTime(rest);
  }
  let level: LogLine['level'];
  const l =
    rest.match(LEVEL_WORD) ??
    rest.match(SYSLOG_LEVEL) ??
    rest.match(PYTHON_DEFAULT) ??
    rest.match(CONTEXT_THEN_LEVEL);
  if (l) {
    level = levelOf(l[1]);
    rest = rest.slice(l[0].length);
  } else {
    const kv = rest.match(/\blevel=(\w+)/i);
    if (kv) level = levelOf(kv[1]);
  }
  // Go's `panic:` is both a level and an exception header: keep the word, mark the level.
  if (!level && /^panic:/.test(rest)) level = 'error';
  // An access-log line has no level; a 5xx status is the server failing, as JSON lines' status is read.
  if (!level && Number(rest.match(ACCESS_STATUS)?.[1]) >= 500) level = 'error';
  return { raw: trimmed, time, level, text: rest.trim() };
}

/**
 * A message reduced to its shape: ids, numbers, hex and quoted values replaced, so that the same
 * failure with different request ids counts as one signature.
 */
export function normaliseMessage(text: string): string {
  return text
    .replace(/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, '<id>')
    .replace(/\b0x[0-9a-f]+\b/gi, '<hex>')
    .replace(/\b[0-9a-f]{16,}\b/gi, '<hex>')
    .replace(/[\w.:-]*\d[\w.:-]*/g, '<n>')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 300);
}
