/**
 * The report as the one JSON document `--output json` prints (DESIGN.md 4.4). Keys come in the
 * order the design lists them, then fields added since, so two runs diff cleanly and a reader
 * finds `status` and `summary` at the top however the report object was assembled.
 */
import type { Report } from './schema.js';

type KeyOrder = readonly string[];

const EVIDENCE: KeyOrder = ['source', 'detail', 'ref'];
const SUSPECT_FILE: KeyOrder = ['path', 'line', 'url'];
const SUSPECT_COMMIT: KeyOrder = ['sha', 'message', 'author', 'date'];
const ROOT_CAUSE: KeyOrder = ['statement', 'confidence'];
const GAP: KeyOrder = ['what', 'why'];
const SLACK: KeyOrder = ['posted', 'channel', 'ts', 'error'];
const USAGE: KeyOrder = [
  'turns',
  'toolCalls',
  'inputTokens',
  'cacheReadTokens',
  'cacheWriteTokens',
  'outputTokens',
  'costUsd',
];
const SANDBOX_MESSAGE: KeyOrder = ['channel', 'text', 'blocks', 'ts', 'thread_ts'];
const REPORT: KeyOrder = [
  'service',
  'namespace',
  'status',
  'summary',
  'rootCause',
  'evidence',
  'suspectFiles',
  'suspectCommits',
  'suggestedFix',
  'engine',
  'degraded',
  'slack',
  'usage',
  'durationMs',
  // Added after DESIGN.md 4.4 was written.
  'degradedReasons',
  'gaps',
  'proposedAction',
  'sandbox',
];

/** Nested objects whose keys are ordered too; anything else is copied as it is. */
const NESTED: Record<string, (value: unknown) => unknown> = {
  rootCause: (value) => ordered(value, ROOT_CAUSE),
  evidence: (value) => orderedList(value, EVIDENCE),
  suspectFiles: (value) => orderedList(value, SUSPECT_FILE),
  suspectCommits: (value) => orderedList(value, SUSPECT_COMMIT),
  gaps: (value) => orderedList(value, GAP),
  proposedAction: (value) =>
    ordered(value, ['kind', 'namespace', 'deployment', 'fromRevision', 'toRevision', 'image']),
  slack: (value) => ordered(value, SLACK),
  usage: (value) => ordered(value, USAGE),
  sandbox: (value) => {
    const sandbox = ordered(value, ['scenario', 'slackMessages']);
    if (isRecord(sandbox) && Array.isArray(sandbox['slackMessages'])) {
      sandbox['slackMessages'] = orderedList(sandbox['slackMessages'], SANDBOX_MESSAGE);
    }
    return sandbox;
  },
};

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A copy with `order`'s keys first, in that order, then the others as they came. */
function ordered(value: unknown, order: KeyOrder, nested: typeof NESTED = {}): unknown {
  if (!isRecord(value)) return value;
  const copy: Record<string, unknown> = {};
  const keys = [
    ...order.filter((key) => key in value),
    ...Object.keys(value).filter((key) => !order.includes(key)),
  ];
  for (const key of keys) {
    const shape = nested[key];
    copy[key] = shape === undefined ? value[key] : shape(value[key]);
  }
  return copy;
}

function orderedList(value: unknown, order: KeyOrder): unknown {
  return Array.isArray(value) ? value.map((item) => ordered(item, order)) : value;
}

/**
 * Renders a report as pretty-printed JSON (`JSON.stringify(report, null, 2)`) with a stable key
 * order, ending in a newline like the other renderers so the CLI can write it as it is.
 */
export function renderJson(report: Report): string {
  return JSON.stringify(ordered(report, REPORT, NESTED), null, 2) + '\n';
}
