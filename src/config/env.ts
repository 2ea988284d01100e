import type { Env } from './load.js';

/** The process environment, read once at the edge and passed down as a frozen copy. */
export function readProcessEnv(): Env {
  return Object.freeze({ ...process.env });
}
