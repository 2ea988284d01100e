import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadScenario } from '../src/sandbox/scenario.js';
import { startSandbox } from '../src/sandbox/sandbox.js';
import type { Sandbox } from '../src/sandbox/sandbox.js';
import { describeWithKubectl, reportKubectlChecksNotRun } from './helpers/kubectl.js';

const run = promisify(execFile);
const fixture = join(import.meta.dirname, 'fixtures', 'scenarios', 'shop-checkout');

let sandbox: Sandbox;
let home: string;

beforeAll(async () => {
  sandbox = await startSandbox(await loadScenario(fixture));
  home = await mkdtemp(join(tmpdir(), 'kubectl-home-'));
});
afterAll(async () => {
  await sandbox.close();
  await rm(home, { recursive: true, force: true });
});

/** Run kubectl with the sandbox's kubeconfig and a private HOME, so no real config or cache is used. */
async function kubectl(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { PATH: process.env.PATH ?? '/usr/bin', HOME: home };
  try {
    const { stdout, stderr } = await run('kubectl', ['--kubeconfig', sandbox.kubeconfigPath, ...args], {
      env,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

/** kubectl's table output as rows of whitespace-separated columns (fine for cells without spaces). */
function rows(stdout: string): string[][] {
  return stdout
    .trim()
    .split('\n')
    .map((line) => line.trim().split(/\s{2,}/));
}

reportKubectlChecksNotRun('the kubectl checks in test/sandbox-kubectl.test.ts');

describeWithKubectl('kubectl against the sandbox', () => {
  it('get pods: the scenario namespace, with kubectl columns and ages from the scenario clock', async () => {
    const { code, stdout, stderr } = await kubectl('get', 'pods');
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(rows(stdout)).toEqual([
      ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE'],
      ['checkoutservice-6d5f8b7c9-k2x7p', '0/1', 'CrashLoopBackOff', '4 (2m15s ago)', '20m'],
      ['paymentservice-7b8c9d6f5-q4w8z', '2/2', 'Running', '0', '2d4h'],
    ]);
  });

  it('get pods -o wide adds IP and node', async () => {
    const { stdout } = await kubectl('get', 'pods', '-o', 'wide');
    const [header, first] = rows(stdout);
    expect(header).toEqual([
      'NAME',
      'READY',
      'STATUS',
      'RESTARTS',
      'AGE',
      'IP',
      'NODE',
      'NOMINATED NODE',
      'READINESS GATES',
    ]);
    expect(first?.slice(5, 7)).toEqual(['10.4.0.17', 'gke-shop-pool-1-a1b2']);
  });

  it('get pods -A shows every namespace', async () => {
    const { stdout } = await kubectl('get', 'pods', '-A', '-l', 'app in (checkoutservice,paymentservice)');
    expect(rows(stdout).map((r) => r.slice(0, 2))).toEqual([
      ['NAMESPACE', 'NAME'],
      ['shop', 'checkoutservice-6d5f8b7c9-k2x7p'],
      ['shop', 'paymentservice-7b8c9d6f5-q4w8z'],
    ]);
  });

  it('logs, with --tail, --previous and -c', async () => {
    const current = await kubectl('logs', 'checkoutservice-6d5f8b7c9-k2x7p', '--tail', '6');
    expect(current.code).toBe(0);
    expect(current.stdout.split('\n')[0]).toBe(
      '2026-11-20T14:27:44.903Z ERROR panic: assignment to entry in nil map',
    );
    const previous = await kubectl('logs', 'checkoutservice-6d5f8b7c9-k2x7p', '--previous');
    expect(previous.stdout).toContain('2026-11-20T14:14:58.447Z ERROR panic');
    const envoy = await kubectl('logs', 'paymentservice-7b8c9d6f5-q4w8z', '-c', 'envoy');
    expect(envoy.stdout).toContain('upstream reset: connection termination');
  });

  it('get events, with a field selector', async () => {
    const { stdout } = await kubectl('get', 'events', '--field-selector', 'type=Warning');
    expect(rows(stdout)).toEqual([
      ['LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'MESSAGE'],
      [
        '80s (x12 over 18m)',
        'Warning',
        'BackOff',
        'pod/checkoutservice-6d5f8b7c9-k2x7p',
        'Back-off restarting failed container server in pod checkoutservice-6d5f8b7c9-k2x7p_shop(3b1c)',
      ],
    ]);
  });

  it('get deploy (a short name resolved through discovery)', async () => {
    const { stdout } = await kubectl('get', 'deploy');
    expect(rows(stdout)).toEqual([
      ['NAME', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE'],
      ['checkoutservice', '0/1', '1', '0', '50d'],
      ['paymentservice', '1/1', '1', '1', '50d'],
    ]);
  });

  it('get no, svc, cm -o name and -o json', async () => {
    expect((await kubectl('get', 'no', '-o', 'name')).stdout.trim()).toBe('node/gke-shop-pool-1-a1b2');
    expect((await kubectl('get', 'svc,cm', '-o', 'name')).stdout.trim().split('\n')).toEqual([
      'service/checkoutservice',
      'configmap/checkout-config',
    ]);
    const json = JSON.parse(
      (await kubectl('get', 'pod', 'paymentservice-7b8c9d6f5-q4w8z', '-o', 'json')).stdout,
    ) as {
      spec: { containers: { name: string }[] };
    };
    expect(json.spec.containers.map((c) => c.name)).toEqual(['server', 'envoy']);
  });

  it('describe pod finds the pod and its events', async () => {
    const { stdout } = await kubectl('describe', 'pod', 'checkoutservice-6d5f8b7c9-k2x7p');
    expect(stdout).toMatch(/Restart Count:\s+4/);
    expect(stdout).toMatch(/Warning\s+BackOff/);
  });

  it('reports a missing pod and a refused write as server errors', async () => {
    const missing = await kubectl('get', 'pod', 'nope');
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim()).toBe('Error from server (NotFound): pods "nope" not found');
    const deleted = await kubectl('delete', 'pod', 'checkoutservice-6d5f8b7c9-k2x7p');
    expect(deleted.code).toBe(1);
    expect(deleted.stderr).toContain('MethodNotAllowed');
  });
});
