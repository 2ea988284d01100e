import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The repository root, from dist-bench/bench/. */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const BIN = `${ROOT}bin/sre-agent.js`;

export interface Spawned {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
  /** Peak resident set size of the child, in MiB, from GNU time. */
  maxRssMiB?: number;
  /** CPU time (user + system) of the child and of the children it waited for, from GNU time. */
  cpuMs?: number;
}

/** Run a command, timing it; with `measureRss`, under /usr/bin/time -v to read the peak RSS. */
export function run(
  command: string,
  args: string[],
  env: Record<string, string | undefined> = {},
  measureRss = false,
): Promise<Spawned> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const [cmd, argv] = measureRss ? ['/usr/bin/time', ['-v', command, ...args]] : [command, args];
    const child = spawn(cmd, argv, {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => {
      const rss = stderr.match(/Maximum resident set size \(kbytes\): (\d+)/);
      const user = stderr.match(/User time \(seconds\): ([\d.]+)/);
      const system = stderr.match(/System time \(seconds\): ([\d.]+)/);
      resolve({
        code,
        stdout,
        stderr,
        ms: performance.now() - started,
        ...(rss ? { maxRssMiB: Number(rss[1]) / 1024 } : {}),
        ...(user && system ? { cpuMs: (Number(user[1]) + Number(system[1])) * 1000 } : {}),
      });
    });
  });
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

/** Tokens as the fake Messages API counts them: about four characters a token. */
export const approxTokens = (text: string): number => Math.ceil(text.length / 4);

export interface Row {
  figure: string;
  ours: string;
  baseline: string;
  ratio: number | null;
  target: string;
  met: boolean | null;
  note: string;
}
