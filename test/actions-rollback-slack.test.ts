import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signRollbackToken, verifyRollbackToken, type RollbackClaim } from '../src/actions/action-token.js';
import { loadActionSettings } from '../src/config/actions.js';
import { loadScenario } from '../src/sandbox/scenario.js';
import { startSandbox, type Sandbox } from '../src/sandbox/sandbox.js';
import { serveSlack } from '../src/triggers/serve-slack.js';
import { capturingLogger, click, clickPayload, until } from './helpers/rollback-clicks.js';
import { postCommand, startResponseUrls, type ResponseUrls } from './helpers/slack-command.js';

// Issue 15, "Done when": a stuck rollout, actions on, one approver; every refusal changes nothing,
// the approver's click rolls back once, a replay changes nothing. Real signed HTTP requests against
// `serve slack`, the sandbox's Kubernetes API and Slack.

const SCENARIO = join(import.meta.dirname, '..', 'scenarios', 'frontend-imagepull-after-rollout');
const APPROVER = 'U0ALICE';
const quiet = { stdout() {}, stderr() {}, stderrIsTty: false, stdoutIsTty: false };

let sandbox: Sandbox;
let responses: ResponseUrls;
let workDir: string;

beforeAll(async () => {
  sandbox = await startSandbox(await loadScenario(SCENARIO));
  responses = await startResponseUrls();
  workDir = await mkdtemp(join(tmpdir(), 'sre-agent-actions-'));
});
afterAll(async () => {
  await responses.close();
  await sandbox.close();
  await rm(workDir, { recursive: true, force: true });
});

interface Block {
  type: string;
  block_id?: string;
  elements?: Array<{ action_id?: string; value?: string; text?: { text: string } | string }>;
}
interface Writes {
  writes: Array<{ name: string; images: string[]; revision?: string }>;
  dryRuns: unknown[];
}

const writes = async (): Promise<Writes> =>
  (await (await fetch(`${sandbox.urls.kubernetes}/_sandbox/writes`)).json()) as Writes;
const ephemerals = async () =>
  (
    (await (await fetch(`${sandbox.env.SLACK_API_URL}_sandbox/ephemerals`)).json()) as {
      ephemerals: Array<{ user: string; text: string }>;
    }
  ).ephemerals;

describe('rollback approved in Slack (serve slack, HTTP)', () => {
  it('offers the button, refuses non-approvers, forged, expired and stale tokens, and rolls back once', async () => {
    const secret = sandbox.env.SLACK_SIGNING_SECRET;
    const auditFile = join(workDir, 'audit.jsonl');
    const env = {
      ...sandbox.env,
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      SRE_AGENT_ACTIONS: 'rollback',
      SRE_AGENT_APPROVERS: APPROVER,
      // The default store: Leases in the cluster, which is how replicas agree on one action.
    };
    const lines: string[] = [];
    let stop!: () => void;
    const stopped = new Promise<void>((resolve) => (stop = resolve));
    const serving = serveSlack(
      { port: '0', llm: 'offline', auditLog: auditFile },
      {
        env,
        output: quiet,
        logger: capturingLogger(lines),
        stop: stopped,
        follow: { timeoutMs: 5_000, intervalMs: 50 },
      },
    );
    try {
      const listening = await until(async () => lines.find((l) => /listening on /.test(l)));
      const endpoint = (/listening on (http:\/\/[^/]+)/.exec(listening) ?? [])[1] as string;

      // The report of a /sre diagnose carries the button.
      const asked = await postCommand(
        `${endpoint}/slack/commands`,
        { text: 'diagnose frontend', response_url: responses.url('cmd') },
        { secret },
      );
      expect(asked.status).toBe(200);
      const report = await until(async () =>
        sandbox
          .slackMessages()
          .find((m) => !m.thread_ts && (m.blocks as Block[] | undefined)?.some((b) => b.type === 'actions')),
      );
      const actions = (report.blocks as Block[]).find((b) => b.type === 'actions');
      const button = actions?.elements?.[0];
      expect(button?.action_id).toBe('sre_agent_rollback');
      expect(JSON.stringify(button?.text)).toMatch(/Roll back frontend to revision 14 \(…:0\.10\.3\)/);
      const token = button?.value as string;
      const message = { ts: report.ts, text: report.text, blocks: report.blocks as unknown[] };

      // A bad signature: 401, and nothing happens.
      const forgedRequest = await click(
        endpoint,
        clickPayload(APPROVER, sandbox.env.SLACK_CHANNEL_ID, message, token, responses.url('click')),
        'not-the-secret',
      );
      expect(forgedRequest.status).toBe(401);

      // Each refusal: acknowledged at once, an ephemeral reply to the clicker, no change.
      const key = loadActionSettings(undefined, env, {}).tokenKey as Buffer;
      const claim = (verifyRollbackToken(key, token, new Date()) as { claim: RollbackClaim }).claim;
      const [head, body = '', signature] = token.split('.');
      const tampered = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as RollbackClaim;
      tampered.toRevision = 13;
      const refusals: Array<[string, string, RegExp]> = [
        ['U0BOB', token, /not on the approvers list/],
        [
          APPROVER,
          `${head}.${Buffer.from(JSON.stringify(tampered)).toString('base64url')}.${signature}`,
          /signature does not match/,
        ],
        [APPROVER, signRollbackToken(key, { ...claim, expiresAt: Date.now() - 1_000 }), /expired/],
        [
          APPROVER,
          signRollbackToken(key, { ...claim, id: 'stale-one', resourceVersion: '1' }),
          /changed since the proposal/,
        ],
      ];
      for (const [user, value, reason] of refusals) {
        const before = (await ephemerals()).length;
        const answer = await click(
          endpoint,
          clickPayload(user, sandbox.env.SLACK_CHANNEL_ID, message, value, responses.url('click')),
          secret,
        );
        expect(answer.status).toBe(200);
        expect(answer.ms).toBeLessThan(3_000);
        const reply = await until(async () => (await ephemerals()).slice(before)[0]);
        expect(reply.user).toBe(user);
        expect(reply.text).toMatch(reason);
      }
      expect(await writes()).toEqual({ writes: [], dryRuns: [] });

      // The approver's click: dry run, then exactly one write, a thread reply, the button replaced.
      expect(
        (
          await click(
            endpoint,
            clickPayload(APPROVER, sandbox.env.SLACK_CHANNEL_ID, message, token, responses.url('click')),
            secret,
          )
        ).status,
      ).toBe(200);
      const rolled = await until(async () =>
        sandbox.slackMessages().find((m) => m.thread_ts === report.ts && /Rolled back/.test(m.text)),
      );
      expect(rolled.text).toMatch(
        /Rolled back frontend to revision 14 at \d\d:\d\d UTC, approved by <@U0ALICE>/,
      );
      const state = await writes();
      expect(state.dryRuns).toHaveLength(1);
      expect(state.writes).toEqual([
        expect.objectContaining({
          name: 'frontend',
          images: ['ghcr.io/fuzzylabs/microservices-demo/frontend:0.10.3'],
        }),
      ]);
      const updated = sandbox.slackMessages().find((m) => m.ts === report.ts);
      expect((updated?.blocks as Block[]).some((b) => b.type === 'actions')).toBe(false);
      expect(JSON.stringify(updated?.blocks)).toMatch(/Rolled back frontend to revision 14/);
      await until(async () =>
        sandbox
          .slackMessages()
          .find((m) => m.thread_ts === report.ts && /rollback of frontend is complete/.test(m.text)),
      );

      // A replay of the same click: already done, by whom; still one write.
      const before = (await ephemerals()).length;
      await click(
        endpoint,
        clickPayload(APPROVER, sandbox.env.SLACK_CHANNEL_ID, message, token, responses.url('click')),
        secret,
      );
      const replay = await until(async () => (await ephemerals()).slice(before)[0]);
      expect(replay.text).toMatch(/already rolled back by <@U0ALICE>/);
      expect((await writes()).writes).toHaveLength(1);

      // The audit trail: every refusal, the dry run, the rollback, the rollout's end.
      const audit = (await readFile(auditFile, 'utf8'))
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { type: string; outcome?: string; user?: string });
      const outcomes = audit.filter((e) => e.type === 'action').map((e) => e.outcome);
      // Four refused clicks, the replay, and the request whose signature did not verify.
      expect(outcomes.filter((o) => o === 'refused')).toHaveLength(6);
      expect(JSON.stringify(audit)).toMatch(/bad request signature/);
      expect(outcomes).toEqual(expect.arrayContaining(['dry_run', 'rolled_back', 'rollout_complete']));
    } finally {
      stop();
      expect(await serving).toBe(0);
    }
  }, 180_000);
});
