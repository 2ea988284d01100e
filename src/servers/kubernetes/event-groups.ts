import type { CoreV1Event } from '@kubernetes/client-node';

import { isoTime } from './pod-summary.js';

/** One line of `list_events`: every event with the same type, reason, object and message, merged. */
export interface EventSummary {
  type: string;
  reason: string;
  /** `Kind/name` of the object the event is about. */
  object: string;
  objectKind: string;
  objectName: string;
  /** Namespace the event was recorded in (`default` for Node events in most clusters). */
  namespace: string;
  message: string;
  /** Total occurrences: the sum of the merged events' counts. */
  count: number;
  firstTimestamp?: string;
  lastTimestamp?: string;
  /** How many separate Event records were merged into this line. */
  records: number;
  /** True when the merged messages differed in their numbers (pids, sizes); the newest is kept. */
  messageVaries?: true;
}

/** Longest message kept; scheduler messages can run to kilobytes and repeat themselves. */
const maxMessageChars = 500;

/**
 * Events collapsed by type + reason + object + message, newest first: repeats that Kubernetes
 * recorded as separate objects (after expiry, or from several sources) read as one line. Messages
 * that differ only in their numbers (`Killed process 2309935 … anon-rss:126285kB`) count as repeats.
 */
export function collapseEvents(events: readonly CoreV1Event[]): EventSummary[] {
  const groups = new Map<string, EventSummary>();
  for (const event of events) {
    const summary = summariseEvent(event);
    const key = [summary.type, summary.reason, summary.object, summary.message.replace(/\d+/g, '#')].join(
      '\u0000',
    );
    const existing = groups.get(key);
    groups.set(key, existing ? merge(existing, summary) : summary);
  }
  return [...groups.values()].sort(
    (a, b) =>
      timeOf(b.lastTimestamp) - timeOf(a.lastTimestamp) ||
      timeOf(b.firstTimestamp) - timeOf(a.firstTimestamp),
  );
}

/** A line a model reads: `<last> <type> <reason> <Kind/name> x<count> (first <first>): <message>`. */
export function renderEvent(event: EventSummary): string {
  const first =
    event.firstTimestamp && event.firstTimestamp !== event.lastTimestamp
      ? ` (first ${event.firstTimestamp})`
      : '';
  const varies = event.messageVaries ? ' (numbers vary; newest shown)' : '';
  return (
    `${event.lastTimestamp ?? '-'} ${event.type} ${event.reason} ${event.object} x${event.count}${first}${varies}: ` +
    event.message
  );
}

function summariseEvent(event: CoreV1Event): EventSummary {
  const first =
    isoTime(event.firstTimestamp) ?? isoTime(event.eventTime) ?? isoTime(event.metadata.creationTimestamp);
  const last = isoTime(event.lastTimestamp) ?? isoTime(event.series?.lastObservedTime) ?? first;
  const objectKind = event.involvedObject.kind ?? 'Object';
  const objectName = event.involvedObject.name ?? '';
  const message = (event.message ?? '').trim().replace(/\s+/g, ' ');
  return {
    type: event.type ?? 'Normal',
    reason: event.reason ?? '',
    object: `${objectKind}/${objectName}`,
    objectKind,
    objectName,
    namespace: event.metadata.namespace ?? '',
    message: message.length > maxMessageChars ? `${message.slice(0, maxMessageChars)}…` : message,
    count: event.count ?? event.series?.count ?? 1,
    ...(first ? { firstTimestamp: first } : {}),
    ...(last ? { lastTimestamp: last } : {}),
    records: 1,
  };
}

function merge(a: EventSummary, b: EventSummary): EventSummary {
  const byTime = (x: string, y: string) => timeOf(x) - timeOf(y);
  const first = [a.firstTimestamp, b.firstTimestamp].filter((t): t is string => !!t).sort(byTime)[0];
  const last = [a.lastTimestamp, b.lastTimestamp]
    .filter((t): t is string => !!t)
    .sort(byTime)
    .at(-1);
  const newer = timeOf(b.lastTimestamp) > timeOf(a.lastTimestamp) ? b : a;
  return {
    ...a,
    message: newer.message,
    ...(a.messageVaries || a.message !== b.message ? { messageVaries: true as const } : {}),
    count: a.count + b.count,
    records: a.records + b.records,
    ...(first ? { firstTimestamp: first } : {}),
    ...(last ? { lastTimestamp: last } : {}),
  };
}

function timeOf(iso: string | undefined): number {
  return iso ? Date.parse(iso) : 0;
}
