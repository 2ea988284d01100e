import type { Env } from './load.js';

/** `${VAR}`, `${env:VAR}` (Cursor's form) or `${VAR:-fallback}`. */
const REFERENCE = /\$\{(?:env:)?([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/** A `${VAR}` whose variable is unset and has no fallback. */
export class MissingVariableError extends Error {
  override readonly name = 'MissingVariableError';
  constructor(readonly variable: string) {
    super(`\${${variable}} is not set in the environment`);
  }
}

/**
 * Replace every `${VAR}` in a config string with the variable's value from `env`. An unset
 * variable without a fallback throws: a header or kubeconfig silently left empty would fail
 * later, far from its cause.
 */
export function interpolate(value: string, env: Env): string {
  return value.replace(REFERENCE, (_match, name: string, fallback: string | undefined) => {
    const found = env[name];
    if (found !== undefined && found !== '') return found;
    if (fallback !== undefined) return fallback;
    throw new MissingVariableError(name);
  });
}
