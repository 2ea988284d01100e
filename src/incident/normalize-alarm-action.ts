import { alarmIncident, metricDimensions, readTags } from './alarm-incident.js';
import type { EventShape, IgnoredEvent, Json, NormalizeOptions, TriggerIncident } from './event-types.js';
import { isRecord, text } from './event-types.js';

/** A CloudWatch alarm's Lambda action: `{source: 'aws.cloudwatch', alarmArn, alarmData}`. */
export function isAlarmActionEvent(event: Json): boolean {
  return event.source === 'aws.cloudwatch' && isRecord(event.alarmData);
}

/**
 * The alarm data both the alarm action (`alarmData`) and EventBridge (`detail`) carry:
 * `alarmName`, `state {value, reason, timestamp}`, `configuration {description, metrics[]}`.
 */
export function alarmDataIncident(
  data: Json,
  arn: string | undefined,
  shape: EventShape,
  options: NormalizeOptions,
  extraTags?: unknown,
): TriggerIncident | IgnoredEvent {
  const name = text(data.alarmName);
  const state = isRecord(data.state) ? data.state : undefined;
  if (!name || !state || typeof state.value !== 'string') {
    return { ignored: 'alarm data without alarmName and state.value', kind: 'malformed', shape };
  }
  const configuration = isRecord(data.configuration) ? data.configuration : {};
  return alarmIncident(
    {
      name,
      arn,
      state: state.value,
      stateTime: text(state.timestamp),
      reason: text(state.reason),
      description: text(configuration.description),
      dimensions: metricDimensions(configuration),
      tags: readTags(data.tags ?? extraTags),
    },
    shape,
    options,
  );
}

/** The direct alarm action shape; dimensions come as an object per metric. */
export function normalizeAlarmAction(event: Json, options: NormalizeOptions): TriggerIncident | IgnoredEvent {
  const data = event.alarmData as Json;
  return alarmDataIncident(data, text(event.alarmArn), 'alarm-action', options, event.tags);
}
