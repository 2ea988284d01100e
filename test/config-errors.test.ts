import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadScenario } from '../src/sandbox/scenario.js';
import { startSandbox, type Sandbox } from '../src/sandbox/sandbox.js';
import { runCli } from './helpers/cli.js';

/** Issue 13: a run that cannot work is a usage error (exit 2), before anything is read or posted. */
describe('configuration errors are errors', () => {
  let sandbox: Sandbox;
  let home: string;
  beforeAll(async () => {
    sandbox = await startSandbox(await loadScenario(path.resolve('scenarios/cart-service-loafers')));
    // A home without ~/.kube/config, so that only the environment decides cluster access.
    home = await mkdtemp(path.join(tmpdir(), 'no-kube-home-'));
  });
  afterAll(() => sandbox.close());

  const diagnose = (env: Record<string, string | undefined>, extra: string[] = []) =>
    runCli(['diagnose', '--service', 'cart-service', '--output', 'json', ...extra], { HOME: home, ...env });

  it('no cluster configured: exit 2 naming KUBECONFIG, nothing posted', async () => {
    const { code, stdout, stderr } = await diagnose({ ...sandbox.env, KUBECONFIG: undefined });
    expect(code).toBe(2);
    expect(stdout).toBe('');
    const errorLines = stderr
      .trim()
      .split('\n')
      .filter((l) => /KUBECONFIG/.test(l));
    expect(errorLines).toHaveLength(1);
    expect(errorLines[0]).toMatch(/set KUBECONFIG/);
    expect(sandbox.slackMessages()).toEqual([]);
  });

  it('a KUBECONFIG that does not exist is named', async () => {
    const { code, stderr } = await diagnose({ ...sandbox.env, KUBECONFIG: path.join(home, 'nope.yaml') });
    expect(code).toBe(2);
    expect(stderr).toMatch(/nope\.yaml, which does not exist/);
  });

  it('posting on and no channel: exit 2 naming SLACK_CHANNEL_ID; --no-slack runs', async () => {
    const env = { ...sandbox.env, SLACK_CHANNEL_ID: undefined };
    const refused = await diagnose(env);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/SLACK_CHANNEL_ID/);
    expect(sandbox.slackMessages()).toEqual([]);
    const ran = await diagnose(env, ['--no-slack']);
    expect(ran.code, ran.stderr).toBe(0);
    expect(JSON.parse(ran.stdout)).toMatchObject({ service: 'cart-service', slack: { posted: false } });
  });

  it('no repository: exit 2 naming GITHUB_REPOSITORY', async () => {
    const { code, stderr } = await diagnose({ ...sandbox.env, GITHUB_REPOSITORY: undefined });
    expect(code).toBe(2);
    expect(stderr).toMatch(/set GITHUB_REPOSITORY \(owner\/repo\)/);
    expect(sandbox.slackMessages()).toEqual([]);
  });

  it('a replay clock that is not a time: exit 2 naming SRE_AGENT_NOW, nothing posted', async () => {
    const { code, stdout, stderr } = await diagnose({ ...sandbox.env, SRE_AGENT_NOW: 'yesterday' });
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/SRE_AGENT_NOW is 'yesterday', not a date-time/);
    expect(sandbox.slackMessages()).toEqual([]);
  });

  it("the sandbox's clock decides: the same recorded errors, read weeks later, are a past episode", async () => {
    const asRecorded = JSON.parse((await diagnose({ ...sandbox.env }, ['--no-slack'])).stdout) as {
      status: string;
      rootCause: { statement: string };
    };
    expect(asRecorded.status).toBe('diagnosed');
    const later = new Date(Date.parse(sandbox.scenario.now) + 21 * 86_400_000).toISOString();
    const weeksLater = JSON.parse(
      (await diagnose({ ...sandbox.env, SRE_AGENT_NOW: later }, ['--no-slack'])).stdout,
    ) as { status: string; rootCause: { statement: string } };
    expect(weeksLater.status).toBe('healthy');
    expect(weeksLater.rootCause.statement).toMatch(/transient episode .* ended at/);
  });
});
