import type { EventShape, IgnoredEvent, NormalizeOptions, TriggerIncident } from './event-types.js';
import { isRecord, text } from './event-types.js';
import { mapAlarmService, type AlarmFacts } from './service-mapping.js';

const MAX_TEXT = 2_000;

/** `2026-11-20T14:29:00.000+0000` (CloudWatch's spelling) → ISO; anything unparsable stays as it is. */
export function isoTime(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  const ms = Date.parse(raw);
  return Number.isNaN(ms) ? raw : new Date(ms).toISOString();
}

/** Dimensions as SNS writes them (`[{name, value}]`) or as alarm data does (`{Name: value}`). */
export function readDimensions(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (Array.isArray(value)) {
    for (const item of value) {
      if (!isRecord(item)) continue;
      const name = text(item.name) ?? text(item.Name);
      const v = text(item.value) ?? text(item.Value);
      if (name && v && !(name in out)) out[name] = v;
    }
  } else if (isRecord(value)) {
    for (const [name, v] of Object.entries(value)) if (typeof v === 'string' && !(name in out)) out[name] = v;
  }
  return out;
}

/** Tags as `{key: value}` or as AWS lists them (`[{Key, Value}]`). */
export function readTags(value: unknown): Record<string, string> {
  if (!Array.isArray(value)) return readDimensions(value);
  const out: Record<string, string> = {};
  for (const item of value) {
    if (!isRecord(item)) continue;
    const key = text(item.Key) ?? text(item.key);
    const v = text(item.Value) ?? text(item.value);
    if (key && v) out[key] = v;
  }
  return out;
}

/** Dimensions of every metric of an alarm's `configuration.metrics` (EventBridge and alarm actions). */
export function metricDimensions(configuration: unknown): Record<string, string> {
  const metrics =
    isRecord(configuration) && Array.isArray(configuration.metrics) ? configuration.metrics : [];
  const out: Record<string, string> = {};
  for (const metric of metrics) {
    const stat = isRecord(metric) && isRecord(metric.metricStat) ? metric.metricStat : undefined;
    const inner = stat && isRecord(stat.metric) ? stat.metric : undefined;
    for (const [k, v] of Object.entries(readDimensions(inner?.dimensions))) if (!(k in out)) out[k] = v;
  }
  return out;
}

/**
 * The incident an alarm's state change names, or why it is ignored: only `ALARM` is acted on.
 * The dedupe key is the alarm and the time of its state change, so every delivery of one change,
 * whatever its shape (SNS, alarm action, EventBridge), claims the same key.
 */
export function alarmIncident(
  facts: AlarmFacts,
  shape: EventShape,
  options: NormalizeOptions,
): TriggerIncident | IgnoredEvent {
  const key = facts.arn ?? facts.name;
  if (facts.state !== 'ALARM') {
    const at = isoTime(facts.stateTime);
    return {
      ignored: `alarm '${facts.name}' changed to ${facts.state || 'no state'}; only ALARM starts a diagnosis`,
      kind: 'not-actionable',
      shape,
      ...(facts.state === 'OK' && at ? { recovery: { alarm: facts.name, key, at } } : {}),
    };
  }
  const mapping = mapAlarmService(facts);
  const changedAt = isoTime(facts.stateTime) ?? 'no-state-time';
  const lines = [
    `CloudWatch alarm "${facts.name}" is in ALARM${facts.reason ? `: ${facts.reason}` : ''}`,
    ...(facts.description ? [`Alarm description: ${facts.description}`] : []),
    `Service ${mapping.service} was mapped from ${mapping.from}.`,
  ];
  return {
    service: mapping.service,
    ...(mapping.namespace ? { namespace: mapping.namespace } : {}),
    source: options.source ?? 'lambda',
    alarm: facts.name,
    text: lines.join('\n').slice(0, MAX_TEXT),
    dedupeKey: `alarm:${key}:${changedAt}`,
    ...(changedAt !== 'no-state-time' ? { alarmRef: { key, since: changedAt } } : {}),
  };
}
