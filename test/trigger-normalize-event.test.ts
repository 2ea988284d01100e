import { describe, expect, it } from 'vitest';
import { isIgnored, type IgnoredEvent, type TriggerIncident } from '../src/incident/event-types.js';
import { normalizeEvent } from '../src/incident/normalize-event.js';
import { podNameWithoutHash, toServiceName } from '../src/incident/service-mapping.js';
import {
  alarmActionEvent,
  eventBridgeAlarmEvent,
  fluentBitLine,
  logsEvent,
  snsAlarmEvent,
} from './helpers/cloudwatch-events.js';

const now = new Date('2026-11-20T14:30:00Z');
const read = (event: unknown, options: { logsCooldownMs?: number } = {}) =>
  normalizeEvent(event, { now, ...options });

function incident(result: TriggerIncident | IgnoredEvent): TriggerIncident {
  if (isIgnored(result)) throw new Error(`expected an incident, got: ${result.ignored}`);
  return result;
}

function ignored(result: TriggerIncident | IgnoredEvent): IgnoredEvent {
  if (!isIgnored(result)) throw new Error(`expected the event to be ignored, got ${result.service}`);
  return result;
}

describe('normalizeEvent: the four CloudWatch shapes and a plain invocation', () => {
  it('reads an SNS alarm notification: service from the dimension, alarm text, key from ARN and state time', () => {
    const result = incident(read(snsAlarmEvent()));
    expect(result).toMatchObject({ service: 'cart-service', source: 'lambda', alarm: 'cart-service-5xx' });
    expect(result.text).toContain('CloudWatch alarm "cart-service-5xx" is in ALARM: Threshold Crossed');
    expect(result.text).toContain('HTTP 5xx on POST /cart');
    expect(result.dedupeKey).toBe(
      'alarm:arn:aws:cloudwatch:us-east-1:123456789012:alarm:cart-service-5xx:2026-11-20T14:29:00.000Z',
    );
  });

  it('gives one state change the same key whichever shape delivers it, and a new change a new key', () => {
    const keys = [snsAlarmEvent(), alarmActionEvent(), eventBridgeAlarmEvent()].map(
      (e) => incident(read(e)).dedupeKey,
    );
    expect(new Set(keys).size).toBe(1);
    expect(incident(read(snsAlarmEvent({ time: '2026-11-20T15:00:00.000+0000' }))).dedupeKey).not.toBe(
      keys[0],
    );
  });

  it('reads the alarm action and EventBridge shapes, whose dimensions are objects', () => {
    const dims = { ClusterName: 'shop', Namespace: 'default', PodName: 'cartservice-7d4f9c8b6-x2x4q' };
    for (const event of [
      alarmActionEvent({ dimensions: dims }),
      eventBridgeAlarmEvent({ dimensions: dims }),
    ]) {
      expect(incident(read(event))).toMatchObject({ service: 'cartservice', namespace: 'default' });
    }
  });

  it('reads a Logs subscription batch: gzip and base64 undone, service from the pod metadata', () => {
    const event = logsEvent({
      events: [
        {
          timestamp: Date.parse('2026-11-20T14:28:10Z'),
          message: fluentBitLine('ERROR loafers are not supported', 'cartservice-7d4f9c8b6-x2x4q', {
            app: 'cartservice',
          }),
        },
      ],
    });
    const result = incident(read(event));
    expect(result).toMatchObject({ service: 'cartservice', namespace: 'default' });
    expect(result.text).toContain('loafers are not supported');
    expect(result.dedupeKey).toBe(
      'logs:/aws/containerinsights/shop/application:cartservice:2026-11-20T14:20:00.000Z',
    );
  });

  it('takes the service from the log stream or a dedicated log group when the lines carry no metadata', () => {
    expect(incident(read(logsEvent())).service).toBe('cartservice');
    expect(
      incident(read(logsEvent({ logGroup: '/eks/shop/payment-service', logStream: 'stream-1' }))).service,
    ).toBe('payment-service');
  });

  it('reads a plain {service} invocation, with the namespace and key it names', () => {
    expect(incident(read({ service: 'cart-service' }))).toMatchObject({
      service: 'cart-service',
      dedupeKey: 'lambda:/cart-service:2026-11-20T14:30:00.000Z',
    });
    const given = incident(
      normalizeEvent(
        {
          service: 'cart-service',
          namespace: 'shop',
          dedupeKey: 'k1',
          responseUrl: 'https://hooks.slack.com/x',
        },
        { now, source: 'job' },
      ),
    );
    expect(given).toMatchObject({
      namespace: 'shop',
      dedupeKey: 'k1',
      source: 'job',
      responseUrl: 'https://hooks.slack.com/x',
    });
  });
});

describe('normalizeEvent: what is not acted on', () => {
  it('ignores OK and INSUFFICIENT_DATA in every alarm shape, as not actionable', () => {
    for (const state of ['OK', 'INSUFFICIENT_DATA'] as const) {
      for (const event of [
        snsAlarmEvent({ state }),
        alarmActionEvent({ state }),
        eventBridgeAlarmEvent({ state }),
      ]) {
        const result = ignored(read(event));
        expect(result.kind).toBe('not-actionable');
        expect(result.ignored).toContain(`changed to ${state}`);
      }
    }
  });

  it('skips a Logs control message', () => {
    expect(ignored(read(logsEvent({ messageType: 'CONTROL_MESSAGE' })))).toMatchObject({
      kind: 'not-actionable',
      shape: 'logs',
    });
  });

  it('says why malformed and unknown events are ignored, and never throws', () => {
    const cases: [unknown, RegExp, IgnoredEvent['kind']][] = [
      [null, /not a JSON object/, 'malformed'],
      ['text', /string, not a JSON object/, 'malformed'],
      [[1, 2], /an array/, 'malformed'],
      [{ hello: 'world' }, /top-level keys: hello/, 'unknown'],
      [{ Records: [{ Sns: { Message: 'not json {' } }] }, /SNS message is not JSON/, 'malformed'],
      [{ Records: [{ Sns: { Message: '{"foo":1}' } }] }, /no AlarmName/, 'malformed'],
      [{ awslogs: { data: '!!!' } }, /not base64 of gzipped JSON/, 'malformed'],
      [{ 'detail-type': 'CloudWatch Alarm State Change', detail: 'x' }, /without a detail/, 'malformed'],
      [
        { source: 'aws.cloudwatch', alarmData: { alarmName: 'x' } },
        /without alarmName and state/,
        'malformed',
      ],
      [{ service: '' }, /non-empty string/, 'malformed'],
      [{ service: 'rm -rf /' }, /not a valid service name/, 'malformed'],
    ];
    for (const [event, reason, kind] of cases) {
      const result = ignored(read(event));
      expect(result.ignored, JSON.stringify(event)).toMatch(reason);
      expect(result.kind).toBe(kind);
    }
  });
});

describe('service mapping (DESIGN.md 6 order: tags, dimensions, description, alarm name)', () => {
  const sns = (fields: Parameters<typeof snsAlarmEvent>[0], extra: Record<string, unknown> = {}) => {
    const event = snsAlarmEvent(fields);
    const record = event.Records[0] as { Sns: { Message: string } };
    record.Sns.Message = JSON.stringify({ ...JSON.parse(record.Sns.Message), ...extra });
    return incident(read(event));
  };

  it('prefers a tag, then the dimensions in order, then service= in the description, then the name', () => {
    const dims = {
      FunctionName: 'fn',
      PodName: 'podsvc-5c9b7d8f4-x7k2q',
      Deployment: 'deploysvc',
      Service: 'svc',
    };
    expect(sns({ dimensions: dims }, { Tags: [{ Key: 'service', Value: 'tagged' }] }).service).toBe('tagged');
    expect(sns({ dimensions: dims }).service).toBe('svc');
    expect(sns({ dimensions: { FunctionName: 'fn', PodName: 'podsvc-5c9b7d8f4-x7k2q' } }).service).toBe(
      'podsvc',
    );
    expect(sns({ dimensions: { FunctionName: 'fn' } }).service).toBe('fn');
    expect(
      sns({ dimensions: {}, description: 'Cart errors. service=cart-service namespace=shop' }),
    ).toMatchObject({
      service: 'cart-service',
      namespace: 'shop',
    });
    const unmapped = sns({ name: 'High error rate (checkout)', dimensions: {}, description: '' });
    expect(unmapped.service).toBe('High-error-rate-checkout');
    expect(unmapped.text).toContain('mapped from the alarm name');
  });

  it('strips only what a controller appends to a pod name', () => {
    expect(podNameWithoutHash('cartservice-7d4f9c8b6-x2x4q')).toBe('cartservice');
    expect(podNameWithoutHash('node-exporter-x2x4q')).toBe('node-exporter');
    expect(podNameWithoutHash('redis-0')).toBe('redis');
    expect(podNameWithoutHash('email-queue')).toBe('email-queue');
    expect(toServiceName('  /weird name!  ')).toBe('weird-name');
  });
});

describe('Logs cooldown windows', () => {
  it('puts a storm of batches for one service in one window, and the next window in another', () => {
    const at = (iso: string) => logsEvent({ events: [{ timestamp: Date.parse(iso), message: 'ERROR x' }] });
    const keys = ['2026-11-20T14:20:00Z', '2026-11-20T14:24:59Z', '2026-11-20T14:29:59Z'].map(
      (t) => incident(read(at(t))).dedupeKey,
    );
    expect(new Set(keys).size).toBe(1);
    expect(incident(read(at('2026-11-20T14:30:00Z'))).dedupeKey).not.toBe(keys[0]);
    const shortWindow = incident(read(at('2026-11-20T14:24:59Z'), { logsCooldownMs: 60_000 })).dedupeKey;
    expect(shortWindow).toContain('2026-11-20T14:24:00.000Z');
  });
});
