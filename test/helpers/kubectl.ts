import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/** The path of `name` on PATH (as a shell would find it), or undefined. */
export function findOnPath(name: string, searchPath = process.env.PATH ?? ''): string | undefined {
  for (const dir of searchPath.split(path.delimiter)) {
    if (dir === '') continue;
    const candidate = path.join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here; try the next directory
    }
  }
  return undefined;
}

/** kubectl when it is on PATH. The sandbox's kubectl checks need it; nothing else in the suite does. */
export const KUBECTL = findOnPath('kubectl');

/**
 * Where kubectl is missing, one test that says so plainly, in its name and on stderr, instead of
 * kubectl checks that would fail for a reason unrelated to the code. It still asserts something
 * that can fail: that kubectl really cannot be started, so a lookup bug cannot hide the checks.
 * Where kubectl is present this registers nothing and the checks run.
 */
export function reportKubectlChecksNotRun(what: string): void {
  if (KUBECTL !== undefined) return;
  it(`did not run ${what}: kubectl is not on PATH (install kubectl to run them)`, () => {
    process.stderr.write(
      `kubectl is not on PATH: ${what} did not run. Install a current kubectl to run them.\n`,
    );
    const attempt = spawnSync('kubectl', ['version', '--client'], { env: { PATH: process.env.PATH } });
    expect((attempt.error as NodeJS.ErrnoException | undefined)?.code).toBe('ENOENT');
  });
}

/** `describe` for a block of kubectl checks: registered where kubectl is on PATH, and only there. */
export function describeWithKubectl(name: string, body: () => void): void {
  if (KUBECTL !== undefined) describe(name, body);
}

/** `it` for a check that is all kubectl: registered where kubectl is on PATH, and only there. */
export function itWithKubectl(name: string, check: () => Promise<void>): void {
  if (KUBECTL !== undefined) it(name, check);
}
