/**
 * The README's shell blocks, run as written. A reader copies these lines first; a renamed flag or
 * a placeholder that cannot run must fail here, not on their machine.
 *
 * What is not run, and why, is said in the test output:
 * - a block whose first line is a `# needs …` comment (a real cluster, credentials, an AWS
 *   account): the README itself tells the reader so;
 * - `npm ci` (it would reinstall node_modules under the running suite; CI runs it before the
 *   tests) and `npm test` (the suite this file belongs to);
 * - a line whose program is not on PATH here (kubectl, curl).
 * A line that serves until stopped (`sandbox start`) runs in the background until the end, and is
 * stopped the way a reader would stop it, with Ctrl-C (SIGINT to its process group).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { Report } from '../src/report/schema.js';
import { findOnPath } from './helpers/kubectl.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const README = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

interface ShellLine {
  /** The line as written in the README (continuations joined). */
  text: string;
  /** Index of its shell block, in README order. */
  block: number;
  /** The block's `# needs …` marker, when it has one. */
  needs?: string;
}

/** Every command line of every ```sh / ```bash / ```shell block, comments left out. */
function shellLines(markdown: string): ShellLine[] {
  const lines: ShellLine[] = [];
  const fence = /^```(sh|bash|shell)[ \t]*\n([\s\S]*?)^```[ \t]*$/gm;
  let block = 0;
  for (const match of markdown.matchAll(fence)) {
    const body = (match[2] ?? '').replace(/\\\n\s*/g, ' ');
    const rows = body.split('\n').map((row) => row.trim());
    const first = rows.find((row) => row !== '');
    const needs = first?.match(/^#\s*(needs .+)$/)?.[1];
    for (const text of rows) if (text !== '' && !text.startsWith('#')) lines.push({ text, block, needs });
    block += 1;
  }
  return lines;
}

/** Parts of a line the suite cannot run inside itself, with the reason. */
const NOT_HERE: Record<string, string> = {
  'npm ci': 'it would reinstall node_modules under the running suite; CI runs it before the tests',
  'npm test': 'it is the suite this test belongs to',
};
const BUILTINS = new Set(['source', '.', 'export', 'cd']);

/** The command part of a line without its trailing comment, split on `&&`. */
function parts(text: string): string[] {
  return text
    .replace(/\s+#.*$/, '')
    .split('&&')
    .map((part) => part.trim())
    .filter((part) => part !== '');
}

/** The program a part runs: its first word after any `NAME=value` assignments. */
function program(part: string): string {
  return part.split(/\s+/).find((word) => !/^[A-Za-z_][A-Za-z0-9_]*=/.test(word)) ?? '';
}

type Plan =
  | { kind: 'run'; line: ShellLine; script: string; partsNotRun?: string }
  | { kind: 'serve'; line: ShellLine; script: string; envFile?: string }
  | { kind: 'env'; line: ShellLine; script: string }
  | { kind: 'not-run'; line: ShellLine; reason: string };

function plan(line: ShellLine): Plan {
  if (line.needs) return { kind: 'not-run', line, reason: `the README marks its block "${line.needs}"` };
  const all = parts(line.text);
  const reasons = all.filter((p) => NOT_HERE[p]).map((p) => `${p}: ${NOT_HERE[p]}`);
  const runnable = all.filter((p) => !NOT_HERE[p]);
  if (runnable.length === 0) return { kind: 'not-run', line, reason: reasons.join('; ') };
  const missing = [...new Set(runnable.map(program))].filter(
    (p) => !BUILTINS.has(p) && findOnPath(p) === undefined,
  );
  if (missing.length > 0)
    return { kind: 'not-run', line, reason: `${missing.join(', ')} is not on PATH here` };
  // Keep the comment: it is part of the line as written, and bash ignores it.
  const comment = line.text.match(/\s+#.*$/)?.[0] ?? '';
  const script = runnable.join(' && ') + comment;
  if (/\bsandbox start\b/.test(script)) {
    return { kind: 'serve', line, script, envFile: script.match(/--write-env\s+(\S+)/)?.[1] };
  }
  if (BUILTINS.has(program(runnable[0] ?? '')) && runnable.length === 1) return { kind: 'env', line, script };
  return { kind: 'run', line, script, ...(reasons.length > 0 ? { partsNotRun: reasons.join('; ') } : {}) };
}

interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Only PATH and HOME from this process: no developer key or kubeconfig reaches a README line. */
const baseEnv = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp' };

function runScript(script: string, timeoutMs: number): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', script], {
      cwd: ROOT,
      env: baseEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    const timer = setTimeout(() => process.kill(-(child.pid as number), 'SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** What a reader would look at after each kind of line, beyond its exit code. */
const OBSERVED: { line: RegExp; check: (r: RunResult) => void }[] = [
  {
    line: /sre-agent diagnose .*--output json/,
    check: (r) => {
      const report = JSON.parse(r.stdout) as Report;
      expect(report.status).toBe('diagnosed');
      expect(report.rootCause.statement).toMatch(/RedisCartStore\.cs/);
    },
  },
  {
    line: /sre-agent diagnose --service cart-service/,
    check: (r) => expect(r.stdout).toMatch(/RedisCartStore/),
  },
  { line: /sre-agent scenarios list/, check: (r) => expect(r.stdout).toMatch(/^cart-service-loafers\t/m) },
  {
    line: /sre-agent eval\b/,
    check: (r) => expect(r.stdout.trim().split('\n').at(-1)).toMatch(/^\d+ passed, 0 failed$/),
  },
  { line: /sre-agent config check/, check: (r) => expect(r.stdout).toMatch(/^server kubernetes /m) },
  { line: /kubectl get pods/, check: (r) => expect(r.stdout).toMatch(/^cartservice-\S+\s+1\/1\s+Running/m) },
  {
    line: /_sandbox\/messages/,
    check: (r) => {
      const { messages } = JSON.parse(r.stdout) as { messages: { text: string }[] };
      expect(messages.some((m) => /cart-service/.test(m.text))).toBe(true);
    },
  },
];

const plans = shellLines(README).map(plan);
const served: { child: ChildProcess; stderr: () => string; line: string }[] = [];

afterAll(() => {
  // Only when a test failed before the last one stopped them.
  for (const s of served)
    if (s.child.exitCode === null && s.child.signalCode === null)
      process.kill(-(s.child.pid as number), 'SIGKILL');
});

describe("the README's shell lines, run as written", () => {
  it('says which lines it does not run and why, and runs the ones a reader tries first', () => {
    const notRun = plans.flatMap((p) =>
      p.kind === 'not-run'
        ? [`  - ${p.line.text}\n    because ${p.reason}`]
        : p.kind === 'run' && p.partsNotRun
          ? [`  - part of: ${p.line.text}\n    ${p.partsNotRun}`]
          : [],
    );
    process.stderr.write(`README lines not run here (${notRun.length}):\n${notRun.join('\n')}\n`);
    const run = plans.filter((p) => p.kind !== 'not-run').map((p) => p.line.text);
    const mustRun = [
      /^npm ci && npx sre-agent diagnose --service cart-service --sandbox\b/,
      /^npx sre-agent sandbox start \S+ --write-env \S+/,
      /^npx sre-agent diagnose --service cart-service +#/,
      /^npx sre-agent scenarios list$/,
      /^npx sre-agent eval\b/,
      /^npx sre-agent config check --sandbox\b/,
    ];
    for (const pattern of mustRun)
      expect(run, String(pattern)).toEqual(expect.arrayContaining([expect.stringMatching(pattern)]));
  });

  for (const [index, p] of plans.entries()) {
    if (p.kind === 'not-run') continue;
    // Lines that set the environment (`source …`) carry into the later lines of their block.
    const envLines = plans
      .slice(0, index)
      .filter((q) => q.kind === 'env' && q.line.block === p.line.block)
      .map((q) => (q as { script: string }).script);
    const script = [...envLines, p.script].join('\n');

    if (p.kind === 'serve') {
      it(`serves in the background: ${p.line.text}`, async () => {
        if (p.envFile) await rm(p.envFile, { force: true });
        const child = spawn('bash', ['-c', script], {
          cwd: ROOT,
          env: baseEnv,
          stdio: ['ignore', 'pipe', 'pipe'],
          detached: true,
        });
        let stdout = '';
        let stderr = '';
        child.stdout?.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
        child.stderr?.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
        served.push({ child, stderr: () => stderr, line: p.line.text });
        const written = async () => (p.envFile ? await readFile(p.envFile, 'utf8').catch(() => '') : stdout);
        const deadline = Date.now() + 150_000;
        while (
          !(await written()).includes('SLACK_SIGNING_SECRET') &&
          child.exitCode === null &&
          Date.now() < deadline
        )
          await new Promise((r) => setTimeout(r, 100));
        expect(child.exitCode, stderr).toBeNull();
        const env = await written();
        for (const name of ['KUBECONFIG', 'GITHUB_API_URL', 'SLACK_API_URL', 'SLACK_CHANNEL_ID'])
          expect(env).toMatch(new RegExp(`^export ${name}=`, 'm'));
        expect(stdout).toContain(env.trim());
      }, 180_000);
      continue;
    }

    const timeoutMs = /\beval\b/.test(p.script) ? 480_000 : 180_000;
    const name = p.kind === 'run' && p.partsNotRun ? `${p.script} (from: ${p.line.text})` : p.line.text;
    it(
      `runs: ${name}`,
      async () => {
        const result = await runScript(script, timeoutMs - 5_000);
        expect(result.code, `${result.stderr}\n${result.stdout}`.slice(-4000)).toBe(0);
        OBSERVED.find((o) => o.line.test(p.script))?.check(result);
      },
      timeoutMs,
    );
  }

  it('stops what it served on Ctrl-C (SIGINT), cleanly', async () => {
    expect(served.length).toBeGreaterThan(0);
    for (const s of served) {
      const exited = new Promise<void>((r) => s.child.once('close', () => r()));
      process.kill(-(s.child.pid as number), 'SIGINT');
      await exited;
      expect(s.stderr(), s.line).toMatch(/sandbox stopped/);
    }
  }, 30_000);
});
