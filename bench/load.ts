import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { loadScenario } from '../dist/sandbox/scenario.js';
import { startSandbox } from '../dist/sandbox/sandbox.js';
import { signSlackRequest } from '../dist/slack-command/signature.js';
import { BIN, ROOT, median, percentile, type Row } from './measure.js';

const COMMANDS = 200;
const CONCURRENCY = 50;
const SERVICES = ['cart-service', 'frontend', 'redis-cart', 'cartservice', 'checkout'];

/** 200 signed slash commands, 50 at a time, to `sre-agent serve slack` running against the sandbox. */
export async function benchLoad(): Promise<{ rows: Row[] }> {
  const sandbox = await startSandbox(await loadScenario(path.join(ROOT, 'scenarios/cart-service-loafers')));
  const child = spawn(process.execPath, ['--', BIN, 'serve', 'slack', '--port', '0', '--llm', 'offline'], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...sandbox.env, SRE_AGENT_DEDUPE: 'memory' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  try {
    let stderr = '';
    const endpoint = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`serve slack did not start: ${stderr.slice(-500)}`)),
        20_000,
      );
      child.stderr.on('data', (c: Buffer) => {
        stderr += c.toString('utf8');
        const m = stderr.match(/listening on (\S+\/slack\/commands)/);
        if (m) {
          clearTimeout(timer);
          resolve(m[1] as string);
        }
      });
    });
    const latencies: number[] = [];
    let failures = 0;
    let next = 0;
    const worker = async () => {
      while (next < COMMANDS) {
        const i = next++;
        const body = new URLSearchParams({
          command: '/sre',
          text: `diagnose ${SERVICES[i % SERVICES.length]}`,
          user_id: `U${i}`,
          channel_id: sandbox.env.SLACK_CHANNEL_ID,
          response_url: 'https://hooks.slack.com/commands/bench',
        }).toString();
        const timestamp = String(Math.floor(Date.now() / 1000));
        const started = performance.now();
        const response = await fetch(endpoint, {
          method: 'POST',
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            'x-slack-request-timestamp': timestamp,
            'x-slack-signature': signSlackRequest(sandbox.env.SLACK_SIGNING_SECRET, timestamp, body),
          },
          body,
        });
        await response.text();
        latencies.push(performance.now() - started);
        if (response.status !== 200) failures += 1;
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    const status = await readFile(`/proc/${child.pid}/status`, 'utf8').catch(() => '');
    const hwm = status.match(/VmHWM:\s+(\d+) kB/);
    const p99 = percentile(latencies, 99);
    return {
      rows: [
        {
          figure: `slash commands: acknowledgement latency, ${COMMANDS} at ${CONCURRENCY} concurrent (p50 / p99)`,
          ours: `${median(latencies).toFixed(0)} / ${p99.toFixed(0)} ms${failures ? `, ${failures} non-200` : ''}`,
          baseline: '3000 ms (Slack’s limit)',
          ratio: p99 / 3000,
          target: 'p99 ≤ 300 ms (≤ 0.10)',
          met: p99 <= 300 && failures === 0,
          note: p99 <= 300 ? '' : `missed: p99 ${p99.toFixed(0)} ms while diagnoses run on the same 2 cores`,
        },
        {
          figure: 'slash-command server: peak memory under that load (diagnoses running in-process)',
          ours: hwm ? `${(Number(hwm[1]) / 1024).toFixed(0)} MiB` : 'n/a',
          baseline: '-',
          ratio: null,
          target: 'reported',
          met: null,
          note: '',
        },
      ],
    };
  } finally {
    child.kill('SIGKILL');
    await sandbox.close();
  }
}
