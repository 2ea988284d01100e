import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHandler, type LambdaResult } from '../src/lambda.js';
import type { SandboxSlackMessage } from '../src/report/schema.js';
import { loadScenario } from '../src/sandbox/scenario.js';
import { startSandbox, type Sandbox } from '../src/sandbox/sandbox.js';
import { createLogger, silentLogger } from '../src/util/log.js';
import {
  alarmActionEvent,
  eventBridgeAlarmEvent,
  fluentBitLine,
  logsEvent,
  snsAlarmEvent,
} from './helpers/cloudwatch-events.js';

// The Lambda handler, in-process, against the cart scenario served the way `sandbox start` serves
// it: real MCP servers, the local Slack, and dedupe Leases in the local Kubernetes API.
const SCENARIO = join(import.meta.dirname, '..', 'scenarios', 'cart-service-loafers');

let sandbox: Sandbox;
let lines: Record<string, unknown>[];
let handler: ReturnType<typeof createHandler>;

const context = (id: string, remainingMs = 300_000) => ({
  awsRequestId: id,
  functionName: 'sre-agent',
  getRemainingTimeInMillis: () => remainingMs,
});

const topLevelPosts = (): SandboxSlackMessage[] => sandbox.slackMessages().filter((m) => !m.thread_ts);

async function newPosts<T>(action: () => Promise<T>): Promise<{ result: T; posts: SandboxSlackMessage[] }> {
  const before = topLevelPosts().length;
  const result = await action();
  return { result, posts: topLevelPosts().slice(before) };
}

beforeAll(async () => {
  sandbox = await startSandbox(await loadScenario(SCENARIO));
  lines = [];
  const env = {
    ...sandbox.env,
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    SRE_AGENT_LOGS_COOLDOWN: '5m',
  };
  handler = createHandler({
    env: () => env,
    logger: createLogger({ write: (line) => lines.push(JSON.parse(line) as Record<string, unknown>) }),
  });
});
afterAll(() => sandbox.close());

describe('Lambda handler: each CloudWatch shape diagnoses and posts once', () => {
  it('SNS: the same alarm delivered twice at once → one post; a later redelivery stops before diagnosing', async () => {
    const event = snsAlarmEvent();
    const { result, posts } = await newPosts(() =>
      Promise.all([handler(event, context('req-1')), handler(structuredClone(event), context('req-2'))]),
    );
    expect(posts).toHaveLength(1);
    expect(posts[0]?.text.toLowerCase()).toContain('loafers');
    expect(result.map((r) => r.status)).toEqual(['reported', 'reported']);
    expect(result.filter((r) => r.posted)).toHaveLength(1);
    expect(result.find((r) => !r.posted)?.reason).toBe('another delivery already posted this incident');

    const later = await newPosts(() => handler(event, context('req-3')));
    expect(later.result).toMatchObject({ status: 'duplicate', service: 'cart-service' });
    expect(later.posts).toHaveLength(0);
    // JSON log lines, each carrying the request id.
    expect(
      lines.some(
        (l) =>
          l.awsRequestId === 'req-3' &&
          l.msg === 'another delivery of this incident already posted its report: nothing to do',
      ),
    ).toBe(true);
  });

  it('alarm action: service from the PodName dimension, minus its hash', async () => {
    const event = alarmActionEvent({
      name: 'cartservice-restarts',
      dimensions: { ClusterName: 'shop', Namespace: 'default', PodName: 'cartservice-7d4f9c8b6-x2x4q' },
    });
    const { result, posts } = await newPosts(() => handler(event, context('req-4')));
    expect(result).toMatchObject({
      status: 'reported',
      service: 'cartservice',
      reportStatus: 'diagnosed',
      posted: true,
    });
    expect(posts).toHaveLength(1);
    expect(posts[0]?.text).toMatch(/RedisCartStore/);
  });

  it('EventBridge: service from `service=` in the alarm description', async () => {
    const event = eventBridgeAlarmEvent({
      name: 'checkout-errors',
      dimensions: {},
      description: 'Errors when adding to the cart. service=cart-service',
    });
    const { result, posts } = await newPosts(() => handler(event, context('req-5')));
    expect(result).toMatchObject({ status: 'reported', service: 'cart-service', posted: true });
    expect(posts).toHaveLength(1);
  });

  it('plain {service} invocation, with the cluster credentials in KUBECONFIG_DATA (base64)', async () => {
    const { KUBECONFIG, ...rest } = sandbox.env;
    const kubeconfigData = (await readFile(KUBECONFIG)).toString('base64');
    const env = { ...rest, PATH: process.env.PATH, HOME: process.env.HOME, KUBECONFIG_DATA: kubeconfigData };
    const fromData = createHandler({ env: () => env, logger: silentLogger });
    const { result, posts } = await newPosts(() => fromData({ service: 'cart-service' }, context('req-6')));
    expect(result).toMatchObject({
      status: 'reported',
      service: 'cart-service',
      reportStatus: 'diagnosed',
      posted: true,
    });
    expect(posts).toHaveLength(1);
  });

  it('Logs subscription: a storm for one service is one post per cooldown window', async () => {
    const batch = (iso: string, n: number) =>
      logsEvent({
        events: [
          {
            id: `event-${n}`,
            timestamp: Date.parse(iso),
            message: fluentBitLine(`ERROR AddItem failed #${n}`, 'cartservice-7d4f9c8b6-x2x4q', {
              app: 'cartservice',
            }),
          },
        ],
      });
    const storm = await newPosts(async () => {
      const first = await Promise.all([
        handler(batch('2026-11-20T14:26:00Z', 1), context('logs-1')),
        handler(batch('2026-11-20T14:26:01Z', 2), context('logs-2')),
      ]);
      const rest: LambdaResult[] = [];
      for (const n of [3, 4, 5])
        rest.push(await handler(batch(`2026-11-20T14:2${n + 3}:00Z`, n), context(`logs-${n}`)));
      return [...first, ...rest];
    });
    expect(storm.posts).toHaveLength(1);
    expect(storm.result.slice(2).map((r) => r.status)).toEqual(['duplicate', 'duplicate', 'duplicate']);
    const nextWindow = await newPosts(() => handler(batch('2026-11-20T14:31:00Z', 6), context('logs-6')));
    expect(nextWindow.result).toMatchObject({ status: 'reported', posted: true });
    expect(nextWindow.posts).toHaveLength(1);
  });
});

describe('Lambda handler: what it does not act on', () => {
  it('ignores OK states, control messages, malformed and unknown events: a clear log line, no throw, no post', async () => {
    const cases: [unknown, RegExp][] = [
      [snsAlarmEvent({ state: 'OK' }), /changed to OK; only ALARM starts a diagnosis/],
      [eventBridgeAlarmEvent({ state: 'INSUFFICIENT_DATA' }), /changed to INSUFFICIENT_DATA/],
      [logsEvent({ messageType: 'CONTROL_MESSAGE' }), /control message/],
      [{ Records: [{ Sns: { Message: '{{{' } }] }, /SNS message is not JSON/],
      [{ awslogs: { data: 'bm90IGd6aXA=' } }, /not base64 of gzipped JSON/],
      [{ detail: 'what' }, /not a CloudWatch alarm .* top-level keys: detail/],
      [null, /not a JSON object/],
    ];
    const { result, posts } = await newPosts(async () => {
      const out: LambdaResult[] = [];
      for (const [i, [event]] of cases.entries()) out.push(await handler(event, context(`ignored-${i}`)));
      return out;
    });
    expect(posts).toHaveLength(0);
    for (const [i, [, reason]] of cases.entries()) {
      expect(result[i]?.status).toBe('ignored');
      expect(result[i]?.reason).toMatch(reason);
      const line = lines.find(
        (l) => l.awsRequestId === `ignored-${i}` && String(l.msg).startsWith('event ignored: '),
      );
      expect(line?.msg).toMatch(reason);
    }
  });

  it('takes its deadline from the remaining time less the margin', async () => {
    await handler(snsAlarmEvent({ state: 'OK' }), context('deadline-1', 200_000));
    const line = lines.find(
      (l) => l.awsRequestId === 'deadline-1' && String(l.msg).startsWith('run deadline'),
    );
    expect(line).toMatchObject({
      msg: 'run deadline at most 160000ms: 200000ms remaining less a 40000ms margin',
    });
  });
});
