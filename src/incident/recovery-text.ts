import type { AlarmRecovery } from './event-types.js';

/** `14:52 UTC`: the reply is read in the incident's thread, where the day is already known. */
function clock(at: Date): string {
  return `${at.toISOString().slice(11, 16)} UTC`;
}

/** "23 min", "2 h 5 min", "40 s": how long the alarm lasted. */
function lasted(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  return `${hours} h${minutes % 60 ? ` ${minutes % 60} min` : ''}`;
}

/** The thread reply for an alarm back to OK: "recovered at 14:52 UTC, 23 min after the alarm". */
export function recoveryText(recovery: AlarmRecovery, since: string): string {
  const at = new Date(recovery.at);
  const start = Date.parse(since);
  const after = Number.isNaN(start) ? '' : `, ${lasted(at.getTime() - start)} after the alarm`;
  return `:large_green_circle: Alarm "${recovery.alarm}" recovered at ${clock(at)}${after}.`;
}
