import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ROOT, median, run, type Row } from './measure.js';

/** Cold-start figures of the Lambda artifact: its zip size, and a fresh process importing the handler. */
export async function benchLambda(bare: number[]): Promise<Row[]> {
  const rows: Row[] = [];
  const out = await mkdtemp(path.join(os.tmpdir(), 'sre-agent-bench-lambda-'));
  try {
    const packaged = await run(process.execPath, [
      path.join(ROOT, 'deploy/aws/package-lambda.mjs'),
      '--out',
      out,
    ]);
    const zip = path.join(out, 'sre-agent-lambda.zip');
    if (packaged.code !== 0) {
      rows.push(row('Lambda package (zip)', `failed: ${packaged.stderr.trim().split('\n').at(-1) ?? ''}`));
    } else {
      rows.push(row('Lambda package (zip)', `${((await stat(zip)).size / 1e6).toFixed(2)} MB`));
    }
    // A cold start: a fresh process importing the handler module and nothing else. Interleaved
    // with `node -e 0`, so that machine noise hits both sides alike.
    const handlerModules: [string, string][] = [
      ['dist/lambda.js (tsc output)', path.join(ROOT, 'dist/lambda.js')],
    ];
    if (packaged.code === 0) {
      handlerModules.push([
        'dist/lambda/index.mjs (the packaged bundle)',
        path.join(out, 'package/dist/lambda/index.mjs'),
      ]);
    }
    for (const [label, file] of handlerModules) {
      const init: number[] = [];
      const baseline: number[] = [];
      for (let i = 0; i < 5; i++) {
        baseline.push((await run(process.execPath, ['-e', '0'])).ms);
        const started = await run(process.execPath, [
          '--input-type=module',
          '-e',
          `await import(${JSON.stringify(new URL(`file://${file}`).href)})`,
        ]);
        if (started.code !== 0)
          throw new Error(`importing ${file} failed: ${started.stderr.trim().split('\n').at(-1) ?? ''}`);
        init.push(started.ms);
      }
      const all = [...bare, ...baseline];
      rows.push({
        figure: `Lambda cold init: a fresh node importing ${label}`,
        ours: `${median(init).toFixed(0)} ms`,
        baseline: `${median(all).toFixed(0)} ms (node -e 0)`,
        ratio: median(init) / median(all),
        target: 'reported',
        met: null,
        note: '',
      });
    }
  } finally {
    await rm(out, { recursive: true, force: true });
  }
  return rows;
}

function row(figure: string, ours: string): Row {
  return { figure, ours, baseline: '-', ratio: null, target: 'reported', met: null, note: '' };
}
