import { errorMessage } from '../errors/errors.js';
import type { IgnoredEvent, NormalizeOptions, TriggerIncident } from './event-types.js';
import { isRecord } from './event-types.js';
import { isAlarmActionEvent, normalizeAlarmAction } from './normalize-alarm-action.js';
import { isEventBridgeAlarmEvent, normalizeEventBridge } from './normalize-eventbridge.js';
import { isLogsEvent, normalizeLogs } from './normalize-logs.js';
import { isPlainEvent, normalizePlain } from './normalize-plain.js';
import { isSnsEvent, normalizeSns } from './normalize-sns.js';

const SHAPES = [
  { is: isSnsEvent, normalize: normalizeSns },
  { is: isLogsEvent, normalize: normalizeLogs },
  // EventBridge events also say `source: aws.cloudwatch`: test for them before the alarm action.
  { is: isEventBridgeAlarmEvent, normalize: normalizeEventBridge },
  { is: isAlarmActionEvent, normalize: normalizeAlarmAction },
  { is: isPlainEvent, normalize: normalizePlain },
];

/**
 * Read any trigger event (DESIGN.md 6: SNS, alarm action, EventBridge, Logs subscription, or a plain
 * `{service}`) into the incident it names, or say why there is none. Pure; never throws.
 */
export function normalizeEvent(event: unknown, options: NormalizeOptions): TriggerIncident | IgnoredEvent {
  if (!isRecord(event)) {
    return {
      ignored: `the event is ${Array.isArray(event) ? 'an array' : typeof event}, not a JSON object`,
      kind: 'malformed',
    };
  }
  try {
    const shape = SHAPES.find((s) => s.is(event));
    if (shape) return shape.normalize(event, options);
  } catch (error) {
    return { ignored: `the event could not be read: ${errorMessage(error)}`, kind: 'malformed' };
  }
  const keys = Object.keys(event).slice(0, 8).join(', ') || 'none';
  return {
    ignored: `not a CloudWatch alarm (SNS, alarm action, EventBridge), a Logs subscription or {service}; top-level keys: ${keys}`,
    kind: 'unknown',
  };
}
