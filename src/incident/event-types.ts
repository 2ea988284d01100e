import type { Incident } from './incident.js';

/** An incident as a trigger event carries it, with what the trigger needs beyond the diagnosis. */
export interface TriggerIncident extends Incident {
  /** Slack `response_url` of the slash command that asked for it (dispatched jobs report back there). */
  responseUrl?: string;
  /** Who asked (a Slack user id), for the acknowledgement texts. */
  requestedBy?: string;
  /** The alarm behind it (ARN, else name) and when it went into ALARM: its recovery finds the report by it. */
  alarmRef?: { key: string; since: string };
}

/** An alarm back to `OK`: its report, if one was posted, gets a reply in its thread. */
export interface AlarmRecovery {
  alarm: string;
  /** The alarm's ARN, else its name: as `alarmRef.key` of the incident that reported it. */
  key: string;
  /** When it changed to OK (ISO 8601). */
  at: string;
}

/** An event that names no incident to act on, and why (an `OK` state, a control message, junk). */
export interface IgnoredEvent {
  ignored: string;
  /**
   * `not-actionable`: a well-formed event that asks for nothing (an `OK` state, a control message);
   * `malformed`: a known shape with unreadable content; `unknown`: no shape this agent reads.
   */
  kind: 'not-actionable' | 'malformed' | 'unknown';
  /** Which shape the event was recognised as, when it was. */
  shape?: EventShape;
  /** Set for an alarm's `OK` transition. */
  recovery?: AlarmRecovery;
}

export type EventShape = 'sns' | 'alarm-action' | 'eventbridge' | 'logs' | 'plain';

export interface NormalizeOptions {
  /** The trigger's clock: the Logs cooldown window and plain invocations' keys are read from it. */
  now: Date;
  /** Which trigger is reading the event; a plain invocation has no other source. Default `lambda`. */
  source?: 'lambda' | 'job' | 'slack';
  /** A storm of log events for one service is one incident per window this long. Default 10 minutes. */
  logsCooldownMs?: number;
}

export const DEFAULT_LOGS_COOLDOWN_MS = 10 * 60_000;

/** Narrow `normalizeEvent`'s answer. */
export function isIgnored(value: TriggerIncident | IgnoredEvent): value is IgnoredEvent {
  return 'ignored' in value;
}

export type Json = Record<string, unknown>;

/** A plain JSON object (not an array, not null). */
export function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A non-empty trimmed string, or undefined. */
export function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}
