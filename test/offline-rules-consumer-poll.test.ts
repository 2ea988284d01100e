import { describe, expect, it } from 'vitest';

import { OfflineEngine } from '../src/llm/offline/engine.js';
import { engineContext, fakeTools, running, said, type FakeCluster } from './helpers/offline-fakes.js';

/**
 * Principle: a queue consumer whose pods are all up but whose client says it outlasted the
 * broker's patience (max.poll.interval.ms, the session timeout, an ack timeout) is too slow per
 * batch; the change that made each message's work heavier, or let more in per fetch, is the culprit.
 */
const SHA = '5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed';
const DECOY = 'deadbeefdeadbeefdeadbeefdeadbeefdeadbeef';

function consumer(service: string, log: string, commits: FakeCluster['commits']): FakeCluster {
  const pod = `${service}-6c5d4b7f8-r4t5y`;
  return {
    workloads: {
      [service]: {
        workload: { kind: 'Deployment', name: service },
        pods: [{ name: pod, startTime: '2026-12-01T09:00:00Z', containers: [running(service)] }],
      },
    },
    logs: { [pod]: log },
    commits,
  };
}

async function diagnose(c: FakeCluster, service: string) {
  const ctx = engineContext(fakeTools(c), { service });
  return { findings: await new OfflineEngine().diagnose(ctx), ctx };
}

describe('a queue consumer too slow for its poll interval', () => {
  it('reads librdkafka MAXPOLL and names the per-message HTTP call a handler gained', async () => {
    const maxpoll = (n: number) =>
      `%4|17330${n}1000.512|MAXPOLL|rdkafka#consumer-1| [thrd:main]: Application maximum poll interval (300000ms) exceeded by ${200 + n}ms (adjust max.poll.interval.ms for long-running message processing): leaving group`;
    const log = [
      'INFO consumer started, subscribed to fulfilment.orders',
      maxpoll(1),
      maxpoll(2),
      maxpoll(3),
    ].join('\n');
    const c = consumer('stock-reserver', `${log}\n`, [
      {
        sha: DECOY,
        message: 'api: add health details',
        date: '2026-12-01T10:00:00Z',
        files: [
          {
            path: 'api/views.py',
            patch:
              '@@ -3,2 +3,3 @@ def health():\n     status = {"ok": True}\n+    status["db"] = db.ping()\n     return status',
          },
        ],
      },
      {
        sha: SHA,
        message: 'reserve: check live stock for every order line',
        date: '2026-12-01T08:30:00Z',
        files: [
          {
            path: 'reserver/handlers.py',
            patch: [
              '@@ -12,4 +12,6 @@ def reserve(msg):',
              '     order = json.loads(msg.value())',
              '+    for line in order["lines"]:',
              '+        line["stock"] = requests.get(f"{STOCK_URL}/{line[\'sku\']}", timeout=10).json()',
              '     store.save(order)',
            ].join('\n'),
          },
        ],
      },
    ]);
    const { findings, ctx } = await diagnose(c, 'stock-reserver');
    expect(findings.status).toBe('diagnosed');
    const text = said(findings);
    expect(text).toMatch(/Kafka consumer that is too slow per batch/);
    expect(text).toMatch(/max\.poll\.interval\.ms = 300000 ms|max\.poll\.interval\.ms is 300000 ms/);
    expect(text).toContain('requests.get');
    expect(ctx.casebook.evidence[0]?.detail).toMatch(/^Application maximum poll interval/);
    expect(ctx.casebook.suspectCommits[0]?.sha).toBe(SHA);
    expect(ctx.casebook.suspectFiles[0]?.path).toBe('reserver/handlers.py');
    expect(findings.suggestedFix).toMatch(/smaller max\.poll\.records/);
  });

  it('reads kafkajs losing its membership and names the session timeout a commit cut', async () => {
    const lost = (minute: number) =>
      `{"level":"ERROR","timestamp":"2026-12-01T11:${minute}:00.000Z","logger":"kafkajs","message":"[Runner] Error when sending heartbeat","groupId":"invoicer","error":"The coordinator is not aware of this member","retryCount":0}`;
    const c = consumer('invoicer', `${[10, 20, 30, 40].map(lost).join('\n')}\n`, [
      {
        sha: SHA,
        message: 'consumer: detect dead members faster',
        date: '2026-12-01T07:00:00Z',
        files: [
          {
            path: 'src/kafka.ts',
            patch: [
              '@@ -8,4 +8,4 @@ export const consumer = kafka.consumer({',
              "   groupId: 'invoicer',",
              '-  sessionTimeout: 60000,',
              '+  sessionTimeout: 6000,',
              '   heartbeatInterval: 3000,',
            ].join('\n'),
          },
        ],
      },
    ]);
    const { findings, ctx } = await diagnose(c, 'invoicer');
    expect(findings.status).toBe('diagnosed');
    const text = said(findings);
    expect(text).toMatch(/longer than the group allows \(the session timeout/);
    expect(text).toContain('sessionTimeout: 6000');
    expect(ctx.casebook.suspectCommits[0]?.sha).toBe(SHA);
    expect(ctx.casebook.suspectFiles[0]?.path).toBe('src/kafka.ts');
  });

  it('names a manifest that let more records into each poll through an env entry', async () => {
    const warn = (m: number) =>
      `2026-12-01T11:${m}:05.100Z  WARN 1 --- [ntainer#0-0-C-1] o.a.k.c.c.internals.ConsumerCoordinator  : [Consumer clientId=consumer-ledger-1, groupId=ledger] consumer poll timeout has expired. This means the time between subsequent calls to poll() was longer than the configured max.poll.interval.ms, which typically implies that the poll loop is spending too much time processing messages.`;
    const c = consumer('ledger-writer', `${[10, 20, 30].map(warn).join('\n')}\n`, [
      {
        sha: SHA,
        message: 'ledger-writer: bigger batches',
        date: '2026-12-01T06:00:00Z',
        files: [
          {
            path: 'k8s/ledger-writer/deployment.yaml',
            patch: [
              '@@ -30,6 +30,6 @@ spec:',
              '         env:',
              '           - name: SPRING_KAFKA_CONSUMER_MAX_POLL_RECORDS',
              '-            value: "200"',
              '+            value: "2000"',
            ].join('\n'),
          },
        ],
      },
    ]);
    const { findings, ctx } = await diagnose(c, 'ledger-writer');
    expect(findings.status).toBe('diagnosed');
    expect(said(findings)).toContain('value: "2000"');
    expect(ctx.casebook.suspectFiles[0]?.path).toBe('k8s/ledger-writer/deployment.yaml');
  });

  it('reads a RabbitMQ acknowledgement timeout and the prefetch a commit raised', async () => {
    const closed = (m: number) =>
      `2026-12-01 11:${m}:00,120 ERROR worker: channel closed: pika.exceptions.ChannelClosedByBroker: (406, 'PRECONDITION_FAILED - delivery acknowledgement on channel 1 timed out. Timeout value used: 1800000 ms. This timeout value can be configured, see consumers doc guide to learn more')`;
    const c = consumer('thumbnailer', `${[5, 40].map(closed).join('\n')}\n`, [
      {
        sha: SHA,
        message: 'thumbs: take more jobs at once',
        date: '2026-12-01T07:00:00Z',
        files: [
          {
            path: 'thumbs/consume.py',
            patch:
              '@@ -9,3 +9,3 @@ def main():\n     channel = conn.channel()\n-    channel.basic_qos(prefetch_count=10)\n+    channel.basic_qos(prefetch_count=200)\n     channel.basic_consume("thumbs", on_message)',
          },
        ],
      },
    ]);
    const { findings, ctx } = await diagnose(c, 'thumbnailer');
    expect(findings.status).toBe('diagnosed');
    const text = said(findings);
    expect(text).toMatch(/RabbitMQ consumer that is too slow per batch/);
    expect(text).toMatch(/consumer_timeout is 1800000 ms/);
    expect(text).toContain('prefetch_count=200');
    expect(ctx.casebook.suspectCommits[0]?.sha).toBe(SHA);
  });

  it('does not read ordinary rebalancing during a rollout as a slow consumer', async () => {
    const line = (m: number) =>
      `2026-12-01T11:${m}:00Z INFO [Consumer clientId=c-1, groupId=g] The group is rebalancing, so a rejoin is needed`;
    const c = consumer('invoicer', `${[10, 11, 12, 13, 14].map(line).join('\n')}\n`, []);
    const { findings } = await diagnose(c, 'invoicer');
    expect(said(findings)).not.toMatch(/too slow/);
  });
});
