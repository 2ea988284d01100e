import { isoTime } from './log-time.js';

/**
 * One JSON log line read whatever logger wrote it. Loggers agree on little beyond "an object per
 * line": .NET's JsonConsoleFormatter writes `LogLevel`/`Message`/`Exception`, Serilog's compact
 * format `@l`/`@m`/`@x`, Elastic Common Schema `log.level`/`error.stack_trace` (dotted keys or nested
 * objects), python-json-logger `levelname`/`exc_info`, structlog `event`/`exception`, pino and bunyan
 * numeric levels with `err.stack`, zap `stacktrace`, logstash-logback `stack_trace`, log4j2's
 * JsonLayout a `thrown` object with its frames as an array. Field names are matched without regard
 * to case, so `Message` and `message` are one field.
 */
export interface StructuredLine {
  time?: string;
  level?: 'error' | 'warn' | 'info' | 'debug';
  /** The message, then the error's one-line summary, then the request and its status when logged. */
  text: string;
  /** A stack trace: the exception's first line (`Type: message`) followed by its frames. */
  stack?: string;
  errorType?: string;
}

type Obj = Record<string, unknown>;

const LEVEL_FIELDS = ['level', 'severity', 'loglevel', 'log.level', '@l', 'levelname', 'log_level', 'lvl'];
const MESSAGE_FIELDS = ['message', 'msg', '@m', 'renderedmessage', 'event', '@mt', 'messagetemplate'];
const TIME_FIELDS = ['timestamp', 'time', 'ts', '@timestamp', '@t', 'asctime', 'datetime'];
/** Fields holding the error: a string (message or whole `Type: msg\n   at …` text) or an object. */
const ERROR_FIELDS = ['exception', 'error', 'err', '@x', 'exc_info', 'exc_text', 'thrown', 'throwable'];
const STACK_FIELDS = ['stack', 'stacktrace', 'stack_trace', 'error.stack', 'error.stack_trace', 'exc_info'];
const TYPE_FIELDS = ['exc_type', 'error.type', 'error.kind', 'exception.type', 'exception.class'];

/** A line of a stack trace in the common runtimes' shapes (Java/.NET/Node `at`, Python, Go, Ruby). */
const STACK_LINE =
  /^(?:\s+at\s|\s*File "[^"]+", line \d+|Traceback \(most recent call last\)|\s+\/\S+\.go:\d+|\s+from \S+\.rb:\d+)/m;

function isObj(value: unknown): value is Obj {
  return Boolean(value) && typeof value === 'object' && !Array.isArray(value);
}

/** A field by name, case-insensitive; `a.b` is a literal dotted key or the nested path. */
function field(o: Obj, name: string): unknown {
  const lower = name.toLowerCase();
  for (const [key, value] of Object.entries(o)) if (key.toLowerCase() === lower) return value;
  const dot = lower.indexOf('.');
  if (dot <= 0) return undefined;
  const head = field(o, lower.slice(0, dot));
  return isObj(head) ? field(head, lower.slice(dot + 1)) : undefined;
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim().length > 0 ? value : undefined;
}

function firstStr(o: Obj, names: string[]): string | undefined {
  for (const name of names) {
    const value = str(field(o, name));
    if (value) return value;
  }
  return undefined;
}

const LEVEL_WORDS: Record<string, StructuredLine['level']> = {
  error: 'error',
  err: 'error',
  fatal: 'error',
  critical: 'error',
  crit: 'error',
  severe: 'error',
  panic: 'error',
  dpanic: 'error',
  fail: 'error',
  alert: 'error',
  emerg: 'error',
  emergency: 'error',
  warn: 'warn',
  warning: 'warn',
  info: 'info',
  information: 'info',
  notice: 'info',
  default: 'info',
  debug: 'debug',
  dbug: 'debug',
  trace: 'debug',
  trce: 'debug',
  verbose: 'debug',
};

/** A numeric level: syslog's 0–7 (GELF), Python's `levelno` 10–50, pino/bunyan's 10–60. */
function numericLevel(value: number, python: boolean): StructuredLine['level'] {
  if (value < 10) return value <= 3 ? 'error' : value === 4 ? 'warn' : value <= 6 ? 'info' : 'debug';
  if (python) return value >= 40 ? 'error' : value >= 30 ? 'warn' : value >= 20 ? 'info' : 'debug';
  return value >= 50 ? 'error' : value >= 40 ? 'warn' : value >= 30 ? 'info' : 'debug';
}

function levelOf(o: Obj): StructuredLine['level'] {
  for (const name of LEVEL_FIELDS) {
    const value = field(o, name);
    if (typeof value === 'number') return numericLevel(value, false);
    const word = str(value)?.trim().toLowerCase();
    if (word && word in LEVEL_WORDS) return LEVEL_WORDS[word];
  }
  const levelno = field(o, 'levelno');
  if (typeof levelno === 'number') return numericLevel(levelno, true);
  // Serilog's compact format leaves `@l` out for Information.
  if (field(o, '@t') !== undefined && (field(o, '@m') ?? field(o, '@mt')) !== undefined) return 'info';
  return undefined;
}

/** log4j2's JsonLayout frames: `{class, method, file, line}` objects; printed as Java prints them. */
function framesText(frames: unknown): string | undefined {
  if (!Array.isArray(frames)) return undefined;
  const lines = frames.filter(isObj).map((f) => {
    const cls = str(f.class) ?? str(f.className) ?? '';
    const method = str(f.method) ?? str(f.methodName) ?? '';
    const file = str(f.file) ?? str(f.fileName) ?? 'Unknown Source';
    const line =
      typeof f.line === 'number' ? `:${f.line}` : typeof f.lineNumber === 'number' ? `:${f.lineNumber}` : '';
    return `\tat ${cls}.${method}(${file}${line})`;
  });
  return lines.length ? lines.join('\n') : undefined;
}

interface ErrorParts {
  summary?: string;
  stack?: string;
  type?: string;
}

/** An error held as an object: `{type|name|class, message, stack|stack_trace|extendedStackTrace}`. */
function errorFromObject(e: Obj): ErrorParts {
  const type = firstStr(e, ['type', 'name', 'class', 'classname', 'kind']);
  const message = firstStr(e, ['message', 'msg', 'localizedmessage', 'reason']);
  let stack = firstStr(e, ['stack', 'stacktrace', 'stack_trace', 'stacktracestring', 'backtrace']);
  const frames = framesText(field(e, 'extendedstacktrace') ?? field(e, 'stacktrace') ?? field(e, 'frames'));
  // A frames-only stack gets the exception's header, so that the reader knows what was thrown.
  if (!stack && frames) stack = `${type ?? 'Error'}${message ? `: ${message}` : ''}\n${frames}`;
  const summary = message ? (type ? `${type}: ${message}` : message) : stack?.split('\n')[0];
  return { summary, stack, type };
}

function errorOf(o: Obj): ErrorParts {
  for (const name of ERROR_FIELDS) {
    const value = field(o, name);
    if (isObj(value)) {
      const parts = errorFromObject(value);
      if (parts.summary || parts.stack) return parts;
    }
    const text = str(value);
    if (!text) continue;
    // `exc_info: true` and friends say only that there was one.
    if (/^(true|false|none|null)$/i.test(text.trim())) continue;
    // A whole `Type: message\n   at …` text: its first line is the summary, the rest the frames.
    if (text.includes('\n'))
      return {
        summary: text
          .split('\n')
          .find((l) => l.trim())
          ?.trim(),
        stack: text,
      };
    return { summary: text };
  }
  const message = firstStr(o, ['error.message', 'exception.message']);
  return message ? { summary: message } : {};
}

/** The summary of a Python traceback is its last line (`ValueError: …`), not `Traceback (…):`. */
function summaryOf(stack: string, fallback?: string): string | undefined {
  const lines = stack.split('\n').filter((l) => l.trim());
  if (/^Traceback \(most recent call last\)/.test(lines[0]?.trim() ?? '')) return lines.at(-1)?.trim();
  return fallback ?? lines[0]?.trim();
}

function timeOf(o: Obj): string | undefined {
  for (const name of TIME_FIELDS) {
    const value = field(o, name);
    if (typeof value === 'number' && Number.isFinite(value) && value > 0)
      return new Date(value > 1e12 ? value : value * 1000).toISOString();
    const text = str(value);
    // python-json-logger's asctime: `2026-12-03 09:41:59,194`.
    if (text) return isoTime(text);
  }
  return undefined;
}

/** Read one JSON object line; null when the line is not a JSON object. */
export function parseStructuredLine(raw: string): StructuredLine | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return null;
  }
  if (!isObj(parsed)) return null;
  const o = parsed;
  let message = firstStr(o, MESSAGE_FIELDS) ?? '';
  const error = errorOf(o);
  let stack = error.stack ?? firstStr(o, STACK_FIELDS);
  // A message that is itself a trace (Cloud Logging's convention for Error Reporting, a logged
  // `err.stack`): the trace is the stack, its first line the message.
  if (!stack && STACK_LINE.test(message.split('\n').slice(1).join('\n'))) {
    stack = message;
    const first = message.split('\n')[0]?.trim() ?? '';
    message = /^Traceback \(most recent call last\)/.test(first) ? '' : first;
  }
  const errorType = error.type ?? firstStr(o, TYPE_FIELDS);
  const summary = stack ? summaryOf(stack, error.summary) : error.summary;
  const status = field(o, 'http.resp.status') ?? field(o, 'status') ?? field(o, 'statuscode');
  const request = [firstStr(o, ['http.req.method', 'method']), firstStr(o, ['http.req.path', 'path', 'url'])]
    .filter(Boolean)
    .join(' ');
  // The message often is the error's own message already (`msg` = `err.message`): the error's
  // summary adds nothing then, not even its type prefix (`Error: …`).
  const known = (text: string) =>
    message.includes(text) || message.includes(text.replace(/^[A-Za-z_][\w.$]*:\s+/, ''));
  const parts = [
    message,
    summary && !known(summary) ? summary : undefined,
    request && typeof status === 'number' ? `${request} -> ${status}` : request,
  ].filter(Boolean);
  const level =
    levelOf(o) ??
    (typeof status === 'number' && status >= 500 ? 'error' : undefined) ??
    // No level at all, but an exception with its stack: something failed.
    (stack && summary ? 'error' : undefined);
  return {
    ...(stack ? { stack } : {}),
    ...(errorType ? { errorType } : {}),
    time: timeOf(o),
    level,
    text: parts.join(': '),
  };
}
