import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { benchCaching } from './caching.js';
import { benchLoad } from './load.js';
import { benchContext } from './context.js';
import { ROOT, type Row } from './measure.js';
import { benchOverhead } from './overhead.js';
import { benchParallel } from './parallel.js';

/** `npm run bench`: every figure a ratio measured side by side in this one run; writes bench/results.md and .json. */
async function main(): Promise<void> {
  const started = Date.now();
  const sections: { title: string; rows: Row[]; detail?: string }[] = [];
  const step = async (title: string, f: () => Promise<{ rows: Row[]; detail?: string }>) => {
    process.stderr.write(`bench: ${title}…\n`);
    sections.push({ title, ...(await f()) });
  };
  await step('Prompt caching', benchCaching);
  await step('Context', benchContext);
  await step('Parallel tools', benchParallel);
  await step('Overhead', benchOverhead);
  await step('Load', benchLoad);

  const machine = `${os.cpus()[0]?.model ?? 'cpu'} × ${os.cpus().length}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${os.platform()}`;
  const md = [
    '# Benchmarks',
    '',
    `Command: \`npm run bench\` · machine: ${machine} · ${new Date().toISOString()} · ${((Date.now() - started) / 1000).toFixed(0)} s`,
    '',
    'Every ratio is ours ÷ baseline, both measured in this run.',
    '',
    ...sections.flatMap((s) => [
      `## ${s.title}`,
      '',
      '| figure | ours | baseline | ratio | target | met |',
      '|---|---|---|---|---|---|',
      ...s.rows.map(
        (r) =>
          `| ${r.figure} | ${r.ours} | ${r.baseline} | ${r.ratio === null ? '-' : r.ratio.toFixed(2)} | ${r.target} | ${r.met === null ? '-' : r.met ? 'yes' : `no — ${r.note}`} |`,
      ),
      '',
      ...(s.detail ? [s.detail, ''] : []),
    ]),
  ].join('\n');
  await mkdir(path.join(ROOT, 'bench'), { recursive: true });
  await writeFile(path.join(ROOT, 'bench/results.md'), md);
  await writeFile(path.join(ROOT, 'bench/results.json'), JSON.stringify({ machine, sections }, null, 2));
  process.stdout.write(md + '\n');
}

await main();
