import type { IgnoredEvent, Json, NormalizeOptions, TriggerIncident } from './event-types.js';
import { isRecord, text } from './event-types.js';
import { alarmDataIncident } from './normalize-alarm-action.js';

const DETAIL_TYPE = 'CloudWatch Alarm State Change';

/** An EventBridge rule's event: `detail-type: CloudWatch Alarm State Change`. */
export function isEventBridgeAlarmEvent(event: Json): boolean {
  return event['detail-type'] === DETAIL_TYPE;
}

/** EventBridge: `detail` is the alarm data; the alarm's ARN is the event's first resource. */
export function normalizeEventBridge(event: Json, options: NormalizeOptions): TriggerIncident | IgnoredEvent {
  if (!isRecord(event.detail)) {
    return { ignored: `${DETAIL_TYPE} event without a detail`, kind: 'malformed', shape: 'eventbridge' };
  }
  const resources = Array.isArray(event.resources) ? event.resources : [];
  return alarmDataIncident(event.detail, text(resources[0]), 'eventbridge', options, event.tags);
}
