import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The package root, from dist/triggers/ or src/triggers/ alike. */
export const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const PUBLIC_SCENARIOS = fileURLToPath(new URL('../../scenarios', import.meta.url));

export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version?: string;
  };
  return pkg.version ?? '0.0.0';
}
