/** Structured logging to stderr: stdout belongs to the report and to stdio MCP protocol. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

const order: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface LoggerOptions {
  level?: LogLevel;
  /** JSON lines when false (default when stderr is not a TTY); a short human form when true. */
  pretty?: boolean;
  write?: (line: string) => void;
  name?: string;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const min = order[options.level ?? 'info'];
  const pretty = options.pretty ?? false;
  const write = options.write ?? ((line: string) => process.stderr.write(line + '\n'));
  const emit = (level: LogLevel, msg: string, fields?: Record<string, unknown>) => {
    if (order[level] < min) return;
    if (pretty) {
      const extra = fields && Object.keys(fields).length ? ' ' + JSON.stringify(fields) : '';
      write(`${level === 'info' ? '' : level + ': '}${msg}${extra}`);
    } else {
      write(
        JSON.stringify({
          time: new Date().toISOString(),
          level,
          ...(options.name ? { name: options.name } : {}),
          msg,
          ...fields,
        }),
      );
    }
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
  };
}

/** A logger that drops everything; for tests and library use. */
export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
