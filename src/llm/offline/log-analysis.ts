import { normaliseMessage, parseLogLine, type LogLine } from '../../util/log-lines.js';
import { withoutTypePrefix } from './quote.js';
import { parseStackFrame, type StackFrame } from './stack-frames.js';

/** One distinct failure found in a log, with how often it happened. */
export interface LogSignature {
  kind: 'exception' | 'error' | 'warning';
  /** Exception type (`System.InvalidOperationException`, `ValueError`, `panic`), when there is one. */
  type?: string;
  message: string;
  frames: StackFrame[];
  /** The innermost frame of the application's own code: where to look in the repository. */
  appFrame?: StackFrame;
  count: number;
  firstAt?: string;
  lastAt?: string;
  /** The line as printed, for evidence. */
  sample: string;
}

export interface LogAnalysis {
  lines: number;
  signatures: LogSignature[];
}

// "System.InvalidOperationException: msg", "java.lang.IllegalStateException: msg", "ValueError: msg",
// "Unhandled exception. System.X: msg", "Exception in thread "main" java.lang.X: msg", "Caused by: X: msg"
const EXCEPTION_HEADER =
  /(?:^|Unhandled exception\.\s+|Exception in thread "[^"]*"\s+|Caused by:\s+|Uncaught\s+)((?:[A-Za-z_][\w$]*\.){0,8}[A-Z][\w$]*(?:Exception|Error|Fault))(?: \(0x[0-9A-Fa-f]{1,8}\))?(?::\s+(.{0,500}))?$/;
/** .NET's inner exception, under the outer one: ` ---> System.Security.Authentication.AuthenticationException: …`. */
const INNER_EXCEPTION =
  /^\s*--->\s+((?:[A-Za-z_][\w$]*\.){0,8}[A-Z][\w$]*(?:Exception|Error))(?: \(0x[0-9A-Fa-f]{1,8}\))?:\s+(.{0,300})$/;
/** The words of a failure in a line that carries no level: `sh: 1: migrat: not found`, `psql: error: …`. */
const UNLEVELLED_FAILURE =
  /\b(?:error|fatal|panic|failed|failure|refused|denied|forbidden|cannot|can't|unable to|not found|no such file|no space left|bad address|timed out|unreachable|segmentation fault|core dumped|killed)\b/i;
/** Tallies (`183 sent, 2 failed`, `failed=0`, `"errors": 2`) report outcomes; they are not failures. */
const COUNTER =
  /\b\d+\s+(?:failed|failures?|errors?|refused|denied|timed out)\b|["']?\b(?:failed|failures?|errors?)["']?\s*[=:]\s*\d+/gi;

export function withoutCounters(text: string): string {
  return text.replace(COUNTER, ' ');
}
const GO_PANIC = /^panic:\s+(.{1,500})$/;
/** Ruby, uncaught: `/app/lib/worker.rb:17:in 'Worker#perform': undefined method 'fetch' for nil (NoMethodError)`. */
const RUBY_UNCAUGHT = /^(\S+?\.rb:\d+:in [`'].{1,200}?'): (.{0,500}) \(((?:[A-Z]\w*::)*[A-Z]\w*)\)$/;
/**
 * Rails: `NoMethodError (undefined method 'name' for nil):`, `ActiveRecord::RecordNotFound (Couldn't find Order):`,
 * `Aws::STS::Errors::AccessDenied (Not authorized…):` — any namespaced class is an exception class here.
 */
const RAILS_HEADER =
  /^((?:[A-Z]\w*::)+[A-Z]\w*|[A-Z]\w*(?:Error|Exception|NotFound|Invalid|Timeout|Refused|Denied))\s+\((.{0,500})\):?$/;
/** Elixir: `** (KeyError) key :currency not found in: %{}`, `** (exit) an exception was raised:` above it. */
const ELIXIR_HEADER = /^\*\* \(((?:[A-Z]\w*\.)*[A-Z]\w*)\) (.{0,500})$/;
/**
 * Rust: `thread 'main' panicked at src/config.rs:14:37:` with the message on the next line (1.73+),
 * or `thread 'main' panicked at 'msg', src/main.rs:4:5` before that.
 */
const RUST_PANIC = /^thread '([^']*)' panicked at (?:'(.{0,400})', )?(\S+?\.rs):(\d+)(?::\d+)?:?\s*(.*)$/;
const PY_TRACEBACK = /^Traceback \(most recent call last\):/;
// PHP prints `Stack trace:`, `#0 …` frames, then `thrown in …`.
const CONTINUATION =
  /^(\s+|---|Caused by:|goroutine \d+|\S+\(.*\)$|\[recovered\]|\[signal |created by |Stack trace:|#\d+ |\s*$)/;

/** Python prints the outermost frame first; every other runtime prints the innermost first. */
function pythonOrder(stackLines: string[]): boolean {
  return stackLines.some((l) => PY_TRACEBACK.test(l.trim()) || /^\s*File "/.test(l));
}

interface Block {
  header: LogLine;
  type?: string;
  message: string;
  frames: StackFrame[];
}

function exceptionHeader(line: LogLine): { type: string; message: string } | null {
  const go = line.text.match(GO_PANIC);
  if (go) return { type: 'panic', message: go[1] as string };
  const other = line.text.match(RAILS_HEADER) ?? line.text.match(ELIXIR_HEADER);
  if (other) return { type: other[1] as string, message: (other[2] ?? '').trim() };
  const m = line.text.match(EXCEPTION_HEADER);
  if (!m) return null;
  return { type: m[1] as string, message: (m[2] ?? '').trim() };
}

/** Walk the lines once, grouping each exception header with the frames that follow (or precede, for Python). */
function findBlocks(lines: LogLine[]): { blocks: Block[]; consumed: Set<number> } {
  const blocks: Block[] = [];
  const consumed = new Set<number>();
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as LogLine;
    if (PY_TRACEBACK.test(line.text)) {
      const frames: StackFrame[] = [];
      let j = i + 1;
      for (; j < lines.length && j < i + 200; j++) {
        const raw = (lines[j] as LogLine).raw;
        const frame = parseStackFrame(raw);
        if (frame) frames.push(frame);
        else if (!/^\s/.test(raw) && raw.trim()) break;
        consumed.add(j);
      }
      const last = lines[j];
      const header = last
        ? (exceptionHeader(last) ?? { type: last.text.split(':')[0] ?? 'Exception', message: last.text })
        : null;
      consumed.add(i).add(j);
      // Python prints the outermost frame first: reverse so that frames[0] is where it was raised.
      blocks.push({
        header: last ?? line,
        type: header?.type,
        message: header?.message ?? '',
        frames: frames.reverse(),
      });
      i = j;
      continue;
    }
    const rust = line.text.match(RUST_PANIC);
    if (rust) {
      // The message follows on the next line in current Rust; `note: run with RUST_BACKTRACE` ends it.
      const next = lines[i + 1];
      const inline = (rust[2] ?? rust[5] ?? '').trim();
      const following = !inline && next && !/^note:|^stack backtrace:/.test(next.text) ? next.text : '';
      if (following) consumed.add(i + 1);
      const message = inline || following;
      const frame = parseStackFrame(`\tat ${rust[3] as string}:${rust[4] as string}`);
      consumed.add(i);
      blocks.push({
        header: line,
        // `ParseIntError { kind: InvalidDigit }` names what failed better than "panic".
        type: message.match(/\b([A-Z]\w*Error)\b/)?.[1] ?? 'panic',
        message,
        frames: frame ? [frame] : [],
      });
      continue;
    }
    const ruby = line.text.match(RUBY_UNCAUGHT);
    if (ruby) {
      // The raising frame leads the line; the callers follow as `from …` lines.
      const frames = [parseStackFrame(ruby[1] as string)];
      let j = i + 1;
      for (; j < lines.length && j < i + 200 && /^\s*from /.test((lines[j] as LogLine).raw); j++) {
        frames.push(parseStackFrame((lines[j] as LogLine).raw));
        consumed.add(j);
      }
      consumed.add(i);
      blocks.push({
        header: line,
        type: ruby[3] as string,
        message: ruby[2] as string,
        frames: frames.filter((f): f is StackFrame => f !== null),
      });
      i = j - 1;
      continue;
    }
    if (line.stack) {
      // A structured line that carries its own stack: the stack's lines are the frames.
      const stackLines = line.stack.split('\n');
      const python = pythonOrder(stackLines);
      // The exception's own line may follow a line of context (`request failed` above `java.lang.X: …`).
      const header = python
        ? undefined
        : stackLines.slice(0, 6).find((l) => exceptionHeader({ raw: l, text: l.trim() }));
      const first = (python ? stackLines.filter((l) => l.trim()).at(-1) : (header ?? stackLines[0])) ?? '';
      const parsed = exceptionHeader({ raw: first, text: first.trim() });
      // zap and logrus print frames only (`main.main\n\t/src/main.go:45`): the line's own text is the message.
      const framesOnly =
        !parsed &&
        (Boolean(parseStackFrame(first)) ||
          (/^[\w./*()$-]+$/.test(first.trim()) && Boolean(parseStackFrame(stackLines[1] ?? ''))));
      const frames = (framesOnly ? stackLines : stackLines.slice(1)).flatMap((l) => parseStackFrame(l) ?? []);
      consumed.add(i);
      // .NET's inner exception inside the logged text: the innermost cause says most.
      const inner = stackLines.map((l) => l.match(INNER_EXCEPTION)).findLast(Boolean);
      const message = parsed?.message ?? (framesOnly ? line.text : first.trim());
      blocks.push({
        header: line,
        type: line.errorType ?? parsed?.type ?? 'Error',
        message: inner ? `${message} ---> ${inner[1] as string}: ${inner[2] as string}` : message,
        frames: python ? frames.reverse() : frames,
      });
      continue;
    }
    const header = exceptionHeader(line);
    if (!header) continue;
    const frames: StackFrame[] = [];
    let inner: RegExpMatchArray | null = null;
    let j = i + 1;
    for (; j < lines.length && j < i + 200; j++) {
      const next = lines[j] as LogLine;
      // The innermost cause says most (a TLS failure under "a connection was established, but…").
      inner = next.raw.match(INNER_EXCEPTION) ?? inner;
      const frame = parseStackFrame(next.raw);
      if (frame) {
        // Go prints the function on the line before its file:line.
        const previous = lines[j - 1]?.raw.match(/^(\S+)\(.*\)$/);
        frames.push(!frame.function && previous ? { ...frame, function: previous[1] } : frame);
      } else if (!CONTINUATION.test(next.raw) || exceptionHeader(next)?.type === header.type) break;
      consumed.add(j);
    }
    consumed.add(i);
    const message = inner
      ? `${header.message} ---> ${inner[1] as string}: ${inner[2] as string}`
      : header.message;
    blocks.push({ header: line, ...header, message, frames });
    i = j - 1;
  }
  return { blocks, consumed };
}

function add(map: Map<string, LogSignature>, key: string, make: () => LogSignature, time?: string): void {
  const existing = map.get(key);
  if (existing) {
    existing.count += 1;
    if (time) {
      existing.firstAt ??= time;
      existing.lastAt = time;
    }
    return;
  }
  const created = make();
  created.firstAt = time;
  created.lastAt = time;
  map.set(key, created);
}

/** Find every distinct exception, error and warning in a log, counted, most significant first. */
export function analyzeLog(text: string): LogAnalysis {
  const lines = text
    .split('\n')
    .filter((l) => l.length > 0)
    .map(parseLogLine);
  // Continuation lines (an exception under its log line) carry no timestamp: they inherit the last one.
  let lastTime: string | undefined;
  for (const line of lines) {
    if (line.time) lastTime = line.time;
    else line.time = lastTime;
  }
  const { blocks, consumed } = findBlocks(lines);
  // .NET's console logger prints `fail: Category[event]` and the message on the next, indented line.
  lines.forEach((line, index) => {
    const next = lines[index + 1];
    if (!/^[\w.`+<>-]+\[\d+\]$/.test(line.text) || !next || !/^\s/.test(next.raw)) return;
    line.text = `${next.text} (${line.text})`;
    consumed.add(index + 1);
  });
  // PostgreSQL (and the clients that relay it) prints the specifics of an error on a `DETAIL:` line after it.
  lines.forEach((line, index) => {
    const next = lines[index + 1];
    if (!next || consumed.has(index) || !/^DETAIL:\s/.test(next.text)) return;
    if (!/^(ERROR|FATAL|PANIC)?:?\s|error/i.test(line.raw) && line.level !== 'error') return;
    line.text = `${line.text} (${next.text})`;
    consumed.add(index + 1);
  });
  // A message that ends in `:` or `key=` has its detail on the indented lines after it (HashiCorp's
  // hclog prints a multi-line value as `error=` then `  | …` lines): the detail is the message.
  lines.forEach((line, index) => {
    if (consumed.has(index) || (line.level !== 'error' && line.level !== 'warn')) return;
    if (!/(?::|\w=)\s*$/.test(line.text)) return;
    const detail: string[] = [];
    for (let i = index + 1; i < lines.length && i <= index + 12; i++) {
      const next = lines[i] as LogLine;
      if (consumed.has(i) || !/^[ \t|]/.test(next.raw)) break;
      const text = next.raw.replace(/^[\s|]+/, '').trim();
      if (text) detail.push(text);
      consumed.add(i);
    }
    if (detail.length) line.text = `${line.text} ${detail.join(' ')}`.slice(0, 600);
  });
  const signatures = new Map<string, LogSignature>();
  for (const block of blocks) {
    const appFrame = block.frames.find((f) => f.app);
    const key = `x|${block.type}|${normaliseMessage(block.message)}|${appFrame ? `${appFrame.file}:${appFrame.line}` : ''}`;
    add(
      signatures,
      key,
      () => ({
        kind: 'exception',
        type: block.type,
        message: withoutTypePrefix(block.type, block.message),
        frames: block.frames,
        appFrame,
        count: 1,
        sample: block.header.text.slice(0, 500),
      }),
      block.header.time,
    );
  }
  lines.forEach((line, index) => {
    // A logger's prefix with nothing after it (Rails prints the exception on the next lines).
    if (consumed.has(index) || !line.text) return;
    // Lines with no level at all (shell, psql, entrypoint scripts) count when their words say failure.
    const level = line.level ?? (UNLEVELLED_FAILURE.test(withoutCounters(line.text)) ? 'error' : undefined);
    if (level !== 'error' && level !== 'warn') return;
    const kind = level === 'error' ? 'error' : 'warning';
    add(
      signatures,
      `${kind}|${normaliseMessage(line.text)}`,
      () => ({
        kind,
        message: line.text.slice(0, 500),
        frames: [],
        count: 1,
        sample: line.text.slice(0, 500),
      }),
      line.time,
    );
  });
  const rank = { exception: 0, error: 1, warning: 2 } as const;
  return {
    lines: lines.length,
    signatures: [...signatures.values()].sort((a, b) => rank[a.kind] - rank[b.kind] || b.count - a.count),
  };
}
