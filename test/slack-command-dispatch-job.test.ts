import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { BatchV1Api, KubeConfig, type V1Job } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../src/report/schema.js';
import { loadScenario } from '../src/sandbox/scenario.js';
import { startSandbox, type Sandbox } from '../src/sandbox/sandbox.js';
import { createKubernetesJobDispatcher } from '../src/slack-command/dispatch-kubernetes-job.js';
import { startSlackCommandServer } from '../src/slack-command/server.js';
import { silentLogger } from '../src/util/log.js';
import { BIN, runCli } from './helpers/cli.js';
import { eventually, postCommand, startResponseUrls, type ResponseUrls } from './helpers/slack-command.js';

// `sre-agent serve slack --dispatch kubernetes-job` as a child process: each command becomes a
// batch/v1 Job in the sandbox's Kubernetes API, which the test then reads back and runs.
const IMAGE = 'registry.example.com/sre-agent:0.1.0';

let sandbox: Sandbox;
let responses: ResponseUrls;
let child: ChildProcess;
let stderr = '';
let endpoint: string;
let batch: BatchV1Api;

beforeAll(async () => {
  sandbox = await startSandbox(
    await loadScenario(join(import.meta.dirname, '..', 'scenarios', 'cart-service-loafers')),
  );
  responses = await startResponseUrls();
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(sandbox.kubeconfigPath);
  batch = kubeConfig.makeApiClient(BatchV1Api);
  const args = ['serve', 'slack', '--port', '0', '--dispatch', 'kubernetes-job', '--job-image', IMAGE];
  args.push(
    '--job-namespace',
    'default',
    '--job-service-account',
    'sre-agent-runner',
    '--job-secret',
    'sre-agent-tokens',
  );
  child = spawn(process.execPath, ['--', BIN, ...args], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...sandbox.env, SRE_AGENT_NAMESPACES: 'default' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  const url = await eventually(() => /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr)?.[1], 20_000);
  endpoint = `${url}/slack/commands`;
});

afterAll(async () => {
  if (child?.exitCode === null) {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
  await responses?.close();
  await sandbox?.close();
});

const send = (fields: Record<string, string>) =>
  postCommand(endpoint, fields, { secret: sandbox.env.SLACK_SIGNING_SECRET });

async function diagnosisJobs(): Promise<V1Job[]> {
  return (
    await batch.listNamespacedJob({
      namespace: 'default',
      labelSelector: 'app.kubernetes.io/component=diagnosis',
    })
  ).items;
}

describe('serve slack --dispatch kubernetes-job', () => {
  let job: V1Job;

  it('creates a Job with the image, command, service account, deadline and environment expected', async () => {
    const ack = await send({ text: 'diagnose cart-service', response_url: responses.url('job') });
    expect(ack.status).toBe(200);
    expect(ack.ms).toBeLessThan(3_000);
    const dispatched = await eventually(() =>
      responses.messages('job').find((m) => m.text.includes('Dispatched')),
    );
    const jobs = await diagnosisJobs();
    expect(jobs).toHaveLength(1);
    job = jobs[0] as V1Job;
    expect(dispatched.text).toContain(`Job \`${job.metadata?.name}\` in \`default\``);
    expect(job.metadata?.name).toMatch(/^sre-agent-cart-service-[0-9a-f]{10}$/);
    expect(job.spec).toMatchObject({ backoffLimit: 0, activeDeadlineSeconds: 300 + 120 });
    const pod = job.spec?.template.spec;
    expect(pod).toMatchObject({ serviceAccountName: 'sre-agent-runner', restartPolicy: 'Never' });
    expect(pod?.securityContext?.runAsNonRoot).toBe(true);
    const container = pod?.containers[0];
    expect(container?.image).toBe(IMAGE);
    expect(container?.command).toEqual(['sre-agent', 'run-event', '--timeout', '300s']);
    expect(container?.envFrom).toEqual([{ secretRef: { name: 'sre-agent-tokens', optional: true } }]);
    const env = Object.fromEntries((container?.env ?? []).map((e) => [e.name, e.value]));
    expect(JSON.parse(env.SRE_TRIGGER_JSON ?? '{}')).toMatchObject({
      service: 'cart-service',
      namespace: 'default',
      requestedBy: 'U0ALICE',
      responseUrl: responses.url('job'),
      dedupeKey: expect.stringMatching(/^slack:default\/cart-service:\d+$/),
    });
    expect(env).toMatchObject({ SLACK_CHANNEL_ID: 'C0SANDBOX1', SRE_AGENT_NAMESPACES: 'default' });
    // Tokens reach the Job through the Secret only, never in its spec.
    for (const secret of ['SLACK_BOT_TOKEN', 'GITHUB_TOKEN', 'SLACK_SIGNING_SECRET'])
      expect(env).not.toHaveProperty(secret);
  });

  it('points a repeat at the dispatched Job, and a second replica asked the same reuses it (409)', async () => {
    const repeat = await send({ text: 'diagnose cart-service', response_url: responses.url('repeat') });
    expect(repeat.json?.text).toContain(`dispatched`);
    expect(repeat.json?.text).toContain(`Job \`${job.metadata?.name}\``);

    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromFile(sandbox.kubeconfigPath);
    const replica = await startSlackCommandServer(
      {
        signingSecret: sandbox.env.SLACK_SIGNING_SECRET,
        dispatcher: createKubernetesJobDispatcher({
          api: kubeConfig.makeApiClient(BatchV1Api),
          namespace: 'default',
          image: IMAGE,
          serviceAccount: 'sre-agent-runner',
          timeoutSeconds: 300,
          env: {},
          channel: 'C0SANDBOX1',
          logger: silentLogger,
        }),
        validate: (service, namespace) => Promise.resolve({ service, namespace: namespace ?? 'default' }),
        concurrency: 1,
        queueLimit: 1,
        cooldownMs: 10 * 60_000,
        channel: 'C0SANDBOX1',
        logger: silentLogger,
      },
      { port: 0, host: '127.0.0.1' },
    );
    try {
      const ack = await postCommand(
        `${replica.url}/slack/commands`,
        { text: 'diagnose cart-service', response_url: responses.url('replica') },
        { secret: sandbox.env.SLACK_SIGNING_SECRET },
      );
      expect(ack.status).toBe(200);
      await replica.idle();
      expect(responses.messages('replica').at(-1)?.text).toContain(`Job \`${job.metadata?.name}\``);
      expect(await diagnosisJobs()).toHaveLength(1);
    } finally {
      await replica.close();
    }
  });

  it("runs as the Job would: its command and environment (plus the Secret's tokens) post the report and link it back", async () => {
    const container = job.spec?.template.spec?.containers[0];
    const env = Object.fromEntries((container?.env ?? []).map((e) => [e.name, e.value ?? '']));
    const secret = {
      KUBECONFIG: sandbox.env.KUBECONFIG,
      SLACK_BOT_TOKEN: sandbox.env.SLACK_BOT_TOKEN,
      SLACK_API_URL: sandbox.env.SLACK_API_URL,
      GITHUB_TOKEN: sandbox.env.GITHUB_TOKEN,
      GITHUB_API_URL: sandbox.env.GITHUB_API_URL,
      GITHUB_REPOSITORY: sandbox.env.GITHUB_REPOSITORY,
      SRE_AGENT_RESPONSE_URL_PREFIX: responses.url(''),
      // The replayed cluster's clock: its recorded events are read as of the scenario's now.
      SRE_AGENT_NOW: sandbox.env.SRE_AGENT_NOW,
    };
    const [, ...args] = container?.command ?? [];
    const result = await runCli([...args, '--output', 'json'], { ...env, ...secret });
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as Report;
    expect(report.slack.posted).toBe(true);
    expect(report.rootCause.statement.toLowerCase()).toContain('loafers');
    const final = await eventually(() => responses.messages('job').find((m) => m.text.includes('report on')));
    expect(final.text).toContain(`p${report.slack.ts?.replace('.', '')}|open it>`);
  });
});
