import { gzipSync } from 'node:zlib';

/**
 * Trigger events as AWS delivers them (DESIGN.md 6), built in the tests: SNS, the alarm's Lambda
 * action, EventBridge, and a Logs subscription. Field names and layout follow AWS's documented
 * payloads; values are the cart-service scenario's.
 */

export interface AlarmFields {
  name?: string;
  state?: 'ALARM' | 'OK' | 'INSUFFICIENT_DATA';
  time?: string;
  description?: string;
  dimensions?: Record<string, string>;
  region?: string;
}

const ACCOUNT = '123456789012';
const arnOf = (name: string, region = 'us-east-1') => `arn:aws:cloudwatch:${region}:${ACCOUNT}:alarm:${name}`;

function defaults(fields: AlarmFields) {
  return {
    name: fields.name ?? 'cart-service-5xx',
    state: fields.state ?? 'ALARM',
    time: fields.time ?? '2026-11-20T14:29:00.000+0000',
    description: fields.description ?? 'HTTP 5xx on POST /cart',
    dimensions: fields.dimensions ?? { ServiceName: 'cart-service' },
    region: fields.region ?? 'us-east-1',
  };
}

/** SNS → Lambda: the alarm notification is JSON text in `Records[0].Sns.Message`. */
export function snsAlarmEvent(fields: AlarmFields = {}) {
  const a = defaults(fields);
  const message = {
    AlarmName: a.name,
    AlarmDescription: a.description,
    AWSAccountId: ACCOUNT,
    AlarmConfigurationUpdatedTimestamp: '2026-11-01T10:00:00.000+0000',
    NewStateValue: a.state,
    NewStateReason:
      'Threshold Crossed: 1 datapoint [12.0 (20/11/26 14:28:00)] was greater than the threshold (5.0).',
    StateChangeTime: a.time,
    Region: 'US East (N. Virginia)',
    AlarmArn: arnOf(a.name, a.region),
    OldStateValue: a.state === 'ALARM' ? 'OK' : 'ALARM',
    OKActions: [],
    AlarmActions: [`arn:aws:sns:${a.region}:${ACCOUNT}:sre-agent-alarms`],
    InsufficientDataActions: [],
    Trigger: {
      MetricName: 'HTTPCode_Target_5XX_Count',
      Namespace: 'AWS/ApplicationELB',
      StatisticType: 'Statistic',
      Statistic: 'SUM',
      Unit: null,
      Dimensions: Object.entries(a.dimensions).map(([name, value]) => ({ value, name })),
      Period: 60,
      EvaluationPeriods: 1,
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 5.0,
      TreatMissingData: 'missing',
    },
  };
  return {
    Records: [
      {
        EventSource: 'aws:sns',
        EventVersion: '1.0',
        EventSubscriptionArn: `arn:aws:sns:${a.region}:${ACCOUNT}:sre-agent-alarms:0b6941c3-f04d-4d3e-a66d-b1df00e1e381`,
        Sns: {
          Type: 'Notification',
          MessageId: '95df01b4-ee98-5cb9-9903-4c221d41eb5e',
          TopicArn: `arn:aws:sns:${a.region}:${ACCOUNT}:sre-agent-alarms`,
          Subject: `ALARM: "${a.name}" in US East (N. Virginia)`,
          Message: JSON.stringify(message),
          Timestamp: '2026-11-20T14:29:01.000Z',
          SignatureVersion: '1',
          Signature: 'EXAMPLE',
          SigningCertUrl:
            'https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0000000000000000000000.pem',
          UnsubscribeUrl: 'https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe',
          MessageAttributes: {},
        },
      },
    ],
  };
}

function alarmData(a: ReturnType<typeof defaults>) {
  return {
    alarmName: a.name,
    state: {
      value: a.state,
      reason: 'Threshold Crossed: 1 datapoint was greater than the threshold.',
      timestamp: a.time,
    },
    previousState: {
      value: a.state === 'ALARM' ? 'OK' : 'ALARM',
      reason: 'previous',
      timestamp: '2026-11-20T12:00:00.000+0000',
    },
    configuration: {
      description: a.description,
      metrics: [
        {
          id: 'm1',
          metricStat: {
            metric: {
              namespace: 'ContainerInsights',
              name: 'pod_number_of_container_restarts',
              dimensions: a.dimensions,
            },
            period: 60,
            stat: 'Maximum',
          },
          returnData: true,
        },
      ],
    },
  };
}

/** The alarm's own Lambda action: `{source: 'aws.cloudwatch', alarmArn, alarmData}`. */
export function alarmActionEvent(fields: AlarmFields = {}) {
  const a = defaults(fields);
  return {
    source: 'aws.cloudwatch',
    alarmArn: arnOf(a.name, a.region),
    accountId: ACCOUNT,
    time: a.time,
    region: a.region,
    alarmData: alarmData(a),
  };
}

/** An EventBridge rule on `CloudWatch Alarm State Change`. */
export function eventBridgeAlarmEvent(fields: AlarmFields = {}) {
  const a = defaults(fields);
  return {
    version: '0',
    id: 'c4c1c1c9-6542-e61b-6ef0-8c4d36933a92',
    'detail-type': 'CloudWatch Alarm State Change',
    source: 'aws.cloudwatch',
    account: ACCOUNT,
    time: '2026-11-20T14:29:01Z',
    region: a.region,
    resources: [arnOf(a.name, a.region)],
    detail: alarmData(a),
  };
}

export interface LogBatch {
  logGroup?: string;
  logStream?: string;
  messageType?: 'DATA_MESSAGE' | 'CONTROL_MESSAGE';
  events?: { id?: string; timestamp: number; message: string }[];
}

/** A Logs subscription: `awslogs.data` is base64 of gzip of the JSON batch. */
export function logsEvent(batch: LogBatch = {}) {
  const events = (
    batch.events ?? [{ timestamp: Date.parse('2026-11-20T14:28:10Z'), message: 'ERROR boom' }]
  ).map((e, i) => ({
    id: e.id ?? `3759513820000000000000000000000000000000000000${i}`,
    timestamp: e.timestamp,
    message: e.message,
  }));
  const payload = {
    messageType: batch.messageType ?? 'DATA_MESSAGE',
    owner: ACCOUNT,
    logGroup: batch.logGroup ?? '/aws/containerinsights/shop/application',
    logStream: batch.logStream ?? 'cartservice-7d4f9c8b6-x2x4q_default_server-4c1e0c6f2b',
    subscriptionFilters: ['errors'],
    logEvents: batch.messageType === 'CONTROL_MESSAGE' ? [] : events,
  };
  return { awslogs: { data: gzipSync(Buffer.from(JSON.stringify(payload))).toString('base64') } };
}

/** A Fluent Bit record as Container Insights ships it: the line plus Kubernetes metadata. */
export function fluentBitLine(
  log: string,
  pod: string,
  labels: Record<string, string>,
  namespace = 'default',
): string {
  return JSON.stringify({
    log,
    stream: 'stderr',
    kubernetes: { pod_name: pod, namespace_name: namespace, container_name: 'server', labels },
  });
}
