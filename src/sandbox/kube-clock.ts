import type { IncomingMessage } from 'node:http';

// kubectl computes the ages `describe` prints from its own clock, not the server's: replayed as
// stored, an incident from scenario time reads "12d" old (or "<invalid>" when the scenario's now
// is ahead of the machine's). For `kubectl describe` only, the sandbox moves every timestamp by
// the distance between the two clocks, so ages read as at the scenario's now. Absolute times in
// that output then read as today; every other client sees the scenario's own times.

const timestamp = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** Milliseconds to add to the scenario's times for this request, or 0 when it is not `kubectl describe`. */
export function describeClockShift(req: IncomingMessage, scenarioNow: Date, machineNow: Date): number {
  const command = req.headers['kubectl-command'];
  return typeof command === 'string' && command.startsWith('kubectl describe')
    ? machineNow.getTime() - scenarioNow.getTime()
    : 0;
}

/** A copy of an API answer with every RFC 3339 timestamp moved by `shiftMs`, kept in the same form. */
export function shiftTimes(value: unknown, shiftMs: number): unknown {
  if (shiftMs === 0) return value;
  if (typeof value === 'string') {
    if (!timestamp.test(value)) return value;
    const moved = new Date(Date.parse(value) + shiftMs).toISOString();
    // Keep second precision where the original had it (metav1.Time), micro precision otherwise.
    return value.includes('.') ? moved.replace(/\.(\d{3})Z$/, '.$1000Z') : moved.replace(/\.\d{3}Z$/, 'Z');
  }
  if (Array.isArray(value)) return value.map((item) => shiftTimes(item, shiftMs));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, v]) => [key, shiftTimes(v, shiftMs)]));
  }
  return value;
}
