import { alarmIncident, readDimensions, readTags } from './alarm-incident.js';
import type { IgnoredEvent, Json, NormalizeOptions, TriggerIncident } from './event-types.js';
import { isRecord, text } from './event-types.js';
import type { AlarmFacts } from './service-mapping.js';

/** An SNS delivery: `Records[].Sns`. */
export function isSnsEvent(event: Json): boolean {
  return (
    Array.isArray(event.Records) &&
    event.Records.some((r) => isRecord(r) && (isRecord(r.Sns) || r.EventSource === 'aws:sns'))
  );
}

/** Dimensions of a metric alarm (`Trigger.Dimensions`) or of a metric-math one (`Trigger.Metrics`). */
function triggerDimensions(trigger: unknown): Record<string, string> {
  if (!isRecord(trigger)) return {};
  const out = readDimensions(trigger.Dimensions);
  const metrics = Array.isArray(trigger.Metrics) ? trigger.Metrics : [];
  for (const metric of metrics) {
    const stat = isRecord(metric) && isRecord(metric.MetricStat) ? metric.MetricStat : undefined;
    const inner = stat && isRecord(stat.Metric) ? stat.Metric : undefined;
    for (const [k, v] of Object.entries(readDimensions(inner?.Dimensions))) if (!(k in out)) out[k] = v;
  }
  return out;
}

function snsRecord(record: unknown, options: NormalizeOptions): TriggerIncident | IgnoredEvent {
  const sns = isRecord(record) && isRecord(record.Sns) ? record.Sns : undefined;
  const raw = sns ? text(sns.Message) : undefined;
  if (!raw) return { ignored: 'SNS record without a Message', kind: 'malformed', shape: 'sns' };
  let message: unknown;
  try {
    message = JSON.parse(raw);
  } catch {
    return {
      ignored: 'SNS message is not JSON, so not a CloudWatch alarm notification',
      kind: 'malformed',
      shape: 'sns',
    };
  }
  const name = isRecord(message) ? text(message.AlarmName) : undefined;
  if (!isRecord(message) || !name || typeof message.NewStateValue !== 'string') {
    return {
      ignored: 'SNS message has no AlarmName and NewStateValue: not a CloudWatch alarm notification',
      kind: 'malformed',
      shape: 'sns',
    };
  }
  const facts: AlarmFacts = {
    name,
    arn: text(message.AlarmArn),
    state: message.NewStateValue,
    stateTime: text(message.StateChangeTime),
    reason: text(message.NewStateReason),
    description: text(message.AlarmDescription),
    dimensions: triggerDimensions(message.Trigger),
    tags: readTags(message.Tags ?? message.tags),
  };
  return alarmIncident(facts, 'sns', options);
}

/**
 * SNS → Lambda: `Records[].Sns.Message` is the alarm notification as JSON text. SNS delivers one
 * record per invocation; should there be several, the first one in ALARM is the incident.
 */
export function normalizeSns(event: Json, options: NormalizeOptions): TriggerIncident | IgnoredEvent {
  const records = Array.isArray(event.Records) ? event.Records : [];
  let first: IgnoredEvent | undefined;
  for (const record of records) {
    const result = snsRecord(record, options);
    if (!('ignored' in result)) return result;
    first ??= result;
  }
  return first ?? { ignored: 'SNS event without records', kind: 'malformed', shape: 'sns' };
}
