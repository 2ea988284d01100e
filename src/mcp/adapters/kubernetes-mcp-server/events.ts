import type { EventSummary } from '../../../servers/kubernetes/event-groups.js';
import { renderEvent } from '../../../servers/kubernetes/event-groups.js';
import type { CapabilityAdapter } from '../capability.js';
import { parseYamlObjects } from './listing.js';

const DEFAULT_LIMIT = 50;

/** `2026-11-20 12:27:41.402913 +0000 UTC` (Go's time.String) as ISO 8601. */
export function goTimeToIso(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const m = /^(\d{4}-\d\d-\d\d)[ T](\d\d:\d\d:\d\d)(?:\.\d+)?(?: ([+-])(\d\d):?(\d\d))?/.exec(value.trim());
  if (!m) return Number.isNaN(Date.parse(value)) ? undefined : new Date(value).toISOString();
  const zone = m[3] ? `${m[3]}${m[4]}:${m[5]}` : 'Z';
  const date = new Date(`${m[1]}T${m[2]}${zone}`);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString().replace('.000Z', 'Z');
}

const str = (v: unknown) => (typeof v === 'string' ? v : '');

/** One event of `events_list` (capitalised keys, no count) in our shape. */
function toSummary(raw: Record<string, unknown>): EventSummary {
  const involved = (raw.InvolvedObject ?? {}) as Record<string, unknown>;
  const objectKind = str(involved.Kind) || 'Object';
  const objectName = str(involved.Name);
  const time = goTimeToIso(raw.Timestamp);
  return {
    type: str(raw.Type) || 'Normal',
    reason: str(raw.Reason),
    object: `${objectKind}/${objectName}`,
    objectKind,
    objectName,
    namespace: str(raw.Namespace),
    message: str(raw.Message).trim().replace(/\s+/g, ' '),
    count: 1,
    ...(time ? { firstTimestamp: time, lastTimestamp: time } : {}),
    records: 1,
  };
}

/** Repeats (same type, reason, object, and message but for its numbers) as one line with a count. */
function collapse(events: EventSummary[]): EventSummary[] {
  const groups = new Map<string, EventSummary>();
  for (const e of events) {
    const key = [e.type, e.reason, e.object, e.message.replace(/\d+/g, '#')].join('\u0000');
    const seen = groups.get(key);
    if (!seen) {
      groups.set(key, { ...e });
      continue;
    }
    seen.count += 1;
    seen.records += 1;
    if ((e.lastTimestamp ?? '') > (seen.lastTimestamp ?? '')) {
      seen.lastTimestamp = e.lastTimestamp;
      seen.message = e.message;
    }
    if ((e.firstTimestamp ?? '') < (seen.firstTimestamp ?? '~')) seen.firstTimestamp = e.firstTimestamp;
  }
  return [...groups.values()].sort((a, b) => (b.lastTimestamp ?? '').localeCompare(a.lastTimestamp ?? ''));
}

/** `list_events` on kubernetes-mcp-server: `events_list` answers in YAML; filters are applied here. */
export const eventsAdapter: CapabilityAdapter = async (args, ctx) => {
  const namespace = typeof args.namespace === 'string' ? args.namespace : (ctx.namespaces[0] ?? 'default');
  const outcome = await ctx.call('events_list', { namespace });
  if (!outcome.ok) return { ok: false, text: outcome.text, error: outcome.error };
  const objectName = typeof args.objectName === 'string' ? args.objectName : undefined;
  const objectKind = typeof args.objectKind === 'string' ? args.objectKind.toLowerCase() : undefined;
  const type = typeof args.type === 'string' ? args.type : undefined;
  const limit = typeof args.limit === 'number' ? args.limit : DEFAULT_LIMIT;
  const matching = collapse(parseYamlObjects(outcome.text).map(toSummary)).filter(
    (e) =>
      (!objectName || e.objectName === objectName || e.objectName.startsWith(`${objectName}-`)) &&
      (!objectKind || e.objectKind.toLowerCase() === objectKind) &&
      (!type || e.type === type),
  );
  const events = matching.slice(0, limit);
  const warnings = events.filter((e) => e.type === 'Warning').length;
  const headline = `${warnings} Warning and ${events.length - warnings} Normal event(s) in namespace ${namespace}, newest first:`;
  return {
    ok: true,
    text: [headline, ...events.map(renderEvent)].join('\n'),
    structured: { namespace, events, matched: matching.length, includesNodeEvents: false },
  };
};
