// `npm ci` and `npm install` run this. It builds dist/ unless dist/ was already built from exactly
// these sources: npx installs the project into its cache on a first `npx sre-agent`, which runs
// prepare again in this directory, and a full rebuild then would replace dist/ under anything
// already running from it (a test run, a second command).
import { spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { currentStamp, root, stampFile } from './build-stamp.mjs';

const built = await readFile(stampFile, 'utf8').catch(() => '');
if (built.trim() === (await currentStamp())) {
  console.error('sre-agent: dist/ is up to date with the sources; build skipped (npm run build forces one)');
} else {
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const result = spawnSync(npm, ['run', 'build'], { cwd: root, stdio: 'inherit' });
  process.exitCode = result.status ?? 1;
}
