import { parseLogLine } from '../../util/log-lines.js';

/**
 * Spring Boot's failure analysis: when the context cannot start, a FailureAnalyzer explains why in
 * a block the LoggingFailureAnalysisReporter prints after the stack of exceptions:
 *
 *   ***************************
 *   APPLICATION FAILED TO START
 *   ***************************
 *
 *   Description:
 *
 *   Failed to bind properties under 'acme.timeout' to java.time.Duration:
 *
 *       Property: acme.timeout
 *       Value: "30 seconds"
 *       Origin: class path resource [application.yml] - 7:14
 *       Reason: failed to convert java.lang.String to java.time.Duration
 *
 *   Action:
 *
 *   Update your application's configuration
 *
 * The same block explains a missing bean, a port in use, a DataSource with no URL, a bean cycle, a
 * config file that does not exist, a validation failure: the Description is the cause in Spring's
 * own words, the Action its advice. Spring Boot 3.4+ may log it inside one JSON line (structured
 * logging); the message is then read out of the line first.
 */
export interface SpringFailure {
  /** The description's lines, trimmed, blank lines dropped. */
  description: string[];
  /** The description's first line: the analyzer's one-sentence cause. */
  headline: string;
  /** The Action paragraph(s), joined. */
  action?: string;
  /** `Property` / `Value` / `Origin` / `Reason` groups (a binding or validation failure). */
  properties: BoundProperty[];
}

export interface BoundProperty {
  property?: string;
  value?: string;
  origin?: string;
  reason?: string;
}

/** Where a property's value came from, as Origin states it. */
export type PropertyOrigin =
  | { kind: 'file'; path: string; line?: number; column?: number }
  | { kind: 'env'; name: string }
  | { kind: 'source'; name: string; source: string };

const BANNER = 'APPLICATION FAILED TO START';
const STARS = /^\*{5,}$/;
const FIELD = /^(Property|Value|Origin|Reason):\s?(.*)$/;
/** A new log record (a timestamped line, a JSON line) ends the Action paragraph. */
const NEW_RECORD = /^(?:\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}|\{|\[\d{4}-)/;

/** The log as lines, JSON records opened so that a message's embedded lines are lines too. */
function textLines(log: string): string[] {
  return log.split('\n').flatMap((raw) => {
    const trimmed = raw.trim();
    if (!trimmed.startsWith('{') || !trimmed.endsWith('}') || !trimmed.includes(BANNER)) return [raw];
    return parseLogLine(trimmed).text.split('\n');
  });
}

function fields(lines: string[]): BoundProperty[] {
  const groups: BoundProperty[] = [];
  let current: BoundProperty | null = null;
  for (const line of lines) {
    const m = line.match(FIELD);
    if (!m) continue;
    const key = (m[1] as string).toLowerCase() as keyof BoundProperty;
    // A new Property line (or a repeated field) starts the next group.
    if (!current || key === 'property' || current[key] !== undefined) {
      current = {};
      groups.push(current);
    }
    current[key] = (m[2] as string).trim();
  }
  return groups;
}

/** Every failure-analysis block in a log, oldest first. */
export function springFailures(log: string): SpringFailure[] {
  if (!log.includes(BANNER)) return [];
  const lines = textLines(log);
  const found: SpringFailure[] = [];
  for (let i = 0; i < lines.length; i++) {
    if ((lines[i] as string).trim() !== BANNER || !STARS.test((lines[i - 1] ?? '').trim())) continue;
    let j = i + 1;
    while (j < lines.length && !/^Description:\s*$/.test((lines[j] as string).trim()) && j < i + 6) j++;
    if ((lines[j] ?? '').trim() !== 'Description:') continue;
    const description: string[] = [];
    let k = j + 1;
    for (; k < lines.length && k < j + 80; k++) {
      const text = (lines[k] as string).trim();
      if (text === 'Action:' || NEW_RECORD.test(text)) break;
      if (text) description.push(text);
    }
    const action: string[] = [];
    if ((lines[k] ?? '').trim() === 'Action:') {
      for (let a = k + 1; a < lines.length && a < k + 20; a++) {
        const text = (lines[a] as string).trim();
        if (NEW_RECORD.test(text) || STARS.test(text)) break;
        if (text) action.push(text);
      }
    }
    if (!description.length) continue;
    found.push({
      description,
      headline: description[0] as string,
      ...(action.length ? { action: action.join(' ') } : {}),
      properties: fields(description),
    });
    i = k;
  }
  return found;
}

/**
 * Read an Origin: `class path resource [application-prod.yml] from app.jar - 14:16`,
 * `URL [file:/config/application.yml] - 3:9`, `file [./config/application.properties] - 2:1`,
 * `System Environment Property "ACME_TIMEOUT"`, `"server.port" from property source "commandLineArgs"`.
 */
export function readOrigin(origin: string | undefined): PropertyOrigin | null {
  if (!origin) return null;
  const resource = origin.match(
    /\b(?:class path resource|URL|file|ServletContext resource)\s*\[([^\]]+)\](?:\s+from\s+\S+)?(?:\s+-\s+(\d+):(\d+))?/,
  );
  if (resource) {
    const path = (resource[1] as string).replace(/^file:/, '').replace(/^classpath:/, '');
    return {
      kind: 'file',
      path,
      ...(resource[2] ? { line: Number(resource[2]), column: Number(resource[3]) } : {}),
    };
  }
  const env = origin.match(/System Environment Property "([^"]+)"/i);
  if (env) return { kind: 'env', name: env[1] as string };
  const source = origin.match(/"([^"]+)" from property source "([^"]+)"/);
  if (source) return { kind: 'source', name: source[1] as string, source: source[2] as string };
  return null;
}

/**
 * The files a description names when no Origin does: a config file that does not exist
 * (`Config data resource 'file [config/app.yml]' via location …`), or the `originating from`
 * clause of an invalid property value.
 */
export function describedOrigin(failure: SpringFailure): PropertyOrigin | null {
  for (const line of failure.description) {
    const originating = line.match(/\(originating from '(.+)'\)/);
    const origin = readOrigin(originating?.[1] ?? line);
    if (origin) return origin;
  }
  return null;
}

/** `Invalid value 'x' for configuration property 'y' (originating from …)`: the property and value. */
export function invalidValue(failure: SpringFailure): BoundProperty | null {
  for (const line of failure.description) {
    const m = line.match(/Invalid value '(.*)' for configuration property '([^']+)'/);
    if (m) return { property: m[2], value: m[1] };
  }
  return null;
}
