import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { Octokit } from '@octokit/rest';
import { parse as parseYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadScenario } from '../src/sandbox/scenario.js';
import { formatEnvExports, startSandbox } from '../src/sandbox/sandbox.js';

const fixtures = join(import.meta.dirname, 'fixtures', 'scenarios');
const publicScenario = join(import.meta.dirname, '..', 'scenarios', 'cart-service-loafers');
const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  );

describe('startSandbox', () => {
  let workDir: string;
  beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'sandbox-work-'));
  });
  afterAll(() => rm(workDir, { recursive: true, force: true }));

  it("gives the environment of DESIGN.md 4.1 plus Socket Mode's token and the scenario's clock, with a kubeconfig for the scenario namespace", async () => {
    const sandbox = await startSandbox(await loadScenario(join(fixtures, 'shop-checkout')), { workDir });
    try {
      expect(Object.keys(sandbox.env).sort()).toEqual([
        'GITHUB_API_URL',
        'GITHUB_REPOSITORY',
        'GITHUB_TOKEN',
        'KUBECONFIG',
        'SLACK_API_URL',
        'SLACK_APP_TOKEN',
        'SLACK_BOT_TOKEN',
        'SLACK_CHANNEL_ID',
        'SLACK_SIGNING_SECRET',
        'SRE_AGENT_NOW',
      ]);
      expect(sandbox.env.SRE_AGENT_NOW).toBe(sandbox.scenario.now);
      expect(sandbox.env).toMatchObject({
        KUBECONFIG: join(workDir, 'kubeconfig.yaml'),
        GITHUB_REPOSITORY: 'acme/shop',
        SLACK_CHANNEL_ID: 'C0SANDBOX1',
        GITHUB_API_URL: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
        SLACK_API_URL: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/api\/$/),
      });
      expect(sandbox.kubeconfigPath).toBe(sandbox.env.KUBECONFIG);
      const kubeconfig = parseYaml(await readFile(sandbox.kubeconfigPath, 'utf8')) as {
        clusters: { cluster: { server: string } }[];
        contexts: { context: { namespace: string } }[];
      };
      expect(kubeconfig.clusters[0]?.cluster.server).toBe(sandbox.urls.kubernetes);
      expect(kubeconfig.contexts[0]?.context.namespace).toBe('shop');
      // The client library uses the context's namespace, like kubectl does.
      const kubeConfig = new KubeConfig();
      kubeConfig.loadFromFile(sandbox.kubeconfigPath);
      expect(kubeConfig.getContextObject(kubeConfig.getCurrentContext())?.namespace).toBe('shop');
    } finally {
      await sandbox.close();
    }
    // A caller's work directory is left in place.
    expect(await exists(workDir)).toBe(true);
  });

  it('closes every server, even with keep-alive connections open, and removes its own temp dir', async () => {
    const sandbox = await startSandbox(await loadScenario(join(fixtures, 'payments-multidoc')));
    const agent = new Agent({ keepAlive: true });
    const status = await new Promise<number>((resolve, reject) => {
      request(`${sandbox.urls.kubernetes}/version`, { agent }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      })
        .on('error', reject)
        .end();
    });
    expect(status).toBe(200);
    const octokit = new Octokit({ baseUrl: sandbox.env.GITHUB_API_URL });
    expect((await octokit.rest.repos.get({ owner: 'acme', repo: 'payments' })).data.full_name).toBe(
      'acme/payments',
    );
    const started = Date.now();
    await sandbox.close();
    expect(Date.now() - started).toBeLessThan(1_000);
    await sandbox.close(); // a second close is harmless
    agent.destroy();
    expect(await exists(dirname(sandbox.kubeconfigPath))).toBe(false);
    for (const url of [sandbox.urls.kubernetes, sandbox.env.GITHUB_API_URL, sandbox.urls.slack]) {
      await expect(fetch(url)).rejects.toThrow();
    }
  });
});

describe('formatEnvExports', () => {
  it('prints one shell-quoted export line per variable, which a shell can eval', async () => {
    const env = {
      KUBECONFIG: "/tmp/it's here/kubeconfig.yaml",
      GITHUB_API_URL: 'http://127.0.0.1:1234',
      GITHUB_TOKEN: 'sandbox-github-token',
      GITHUB_REPOSITORY: 'acme/shop',
      SLACK_API_URL: 'http://127.0.0.1:5678/api/',
      SLACK_BOT_TOKEN: 'xoxb-sandbox',
      SLACK_CHANNEL_ID: 'C0SANDBOX1',
      SLACK_SIGNING_SECRET: 'a $secret `with` "quotes"',
    };
    const text = formatEnvExports(env);
    expect(text.split('\n')[0]).toBe(`export KUBECONFIG='/tmp/it'\\''s here/kubeconfig.yaml'`);
    expect(text.trimEnd().split('\n')).toHaveLength(8);
    const script = `${text}\nprintf '%s\\n' "$KUBECONFIG" "$SLACK_SIGNING_SECRET" "$SLACK_API_URL"`;
    const { stdout } = await promisify(execFile)('sh', ['-c', script], { env: {} });
    expect(stdout).toBe(`${env.KUBECONFIG}\n${env.SLACK_SIGNING_SECRET}\n${env.SLACK_API_URL}\n`);
  });
});

describe('the public cart-service scenario', () => {
  it('loads and serves the cart service pods and logs', async () => {
    const sandbox = await startSandbox(await loadScenario(publicScenario));
    try {
      expect(sandbox.env.GITHUB_REPOSITORY).toBe(sandbox.scenario.repository);
      const kubeConfig = new KubeConfig();
      kubeConfig.loadFromFile(sandbox.kubeconfigPath);
      const core = kubeConfig.makeApiClient(CoreV1Api);
      const pods = await core.listNamespacedPod({
        namespace: sandbox.scenario.namespace,
        labelSelector: 'app=cartservice',
      });
      expect(pods.items.length).toBeGreaterThan(0);
      const pod = pods.items[0];
      expect(pod?.spec?.containers.map((c) => c.name)).toContain('server');
      const logs = await core.readNamespacedPodLog({
        namespace: sandbox.scenario.namespace,
        name: pod?.metadata?.name ?? '',
        container: 'server',
      });
      expect(logs.length).toBeGreaterThan(0);
      const octokit = new Octokit({ baseUrl: sandbox.env.GITHUB_API_URL });
      const [owner = '', repo = ''] = sandbox.scenario.repository.split('/');
      for (const path of sandbox.scenario.expect.files) {
        const { data } = await octokit.rest.repos.getContent({ owner, repo, path });
        expect(!Array.isArray(data) && data.path).toBe(path);
      }
    } finally {
      await sandbox.close();
    }
  });
});
