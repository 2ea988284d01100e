import { gunzipSync } from 'node:zlib';
import type { IgnoredEvent, Json, NormalizeOptions, TriggerIncident } from './event-types.js';
import { DEFAULT_LOGS_COOLDOWN_MS, isRecord, text } from './event-types.js';
import { podNameWithoutHash, toServiceName } from './service-mapping.js';

interface LogEvent {
  id: string;
  timestamp: number;
  message: string;
}

interface LogsData {
  messageType: string;
  logGroup: string;
  logStream: string;
  logEvents: LogEvent[];
}

// Container Insights and Fluent Bit groups name the cluster's pipeline, not a service.
const GENERIC_GROUP_SEGMENTS = new Set([
  'application',
  'dataplane',
  'host',
  'performance',
  'cluster',
  'containers',
]);
const SAMPLE_EVENTS = 5;
const SAMPLE_CHARS = 300;
/**
 * Bounds on a subscription payload. CloudWatch Logs delivers at most about 1 MB to a Lambda and a
 * batch inflates to a few MB; a payload past these is not a Logs batch (a 306 KB gzip of zeros is
 * 300 MB), and is refused before it can exhaust the function's memory.
 */
const MAX_COMPRESSED_BASE64 = 8 * 1024 * 1024;
const MAX_INFLATED_BYTES = 16 * 1024 * 1024;

/** A CloudWatch Logs subscription: `{awslogs: {data}}`. */
export function isLogsEvent(event: Json): boolean {
  return isRecord(event.awslogs);
}

/** `awslogs.data` is base64 of gzip of the JSON payload; 'too-large' past the bounds above. */
function decode(data: unknown): LogsData | 'too-large' | undefined {
  if (typeof data !== 'string') return undefined;
  if (data.length > MAX_COMPRESSED_BASE64) return 'too-large';
  let inflated: Buffer;
  try {
    inflated = gunzipSync(Buffer.from(data, 'base64'), { maxOutputLength: MAX_INFLATED_BYTES });
  } catch (error) {
    return (error as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE' ? 'too-large' : undefined;
  }
  try {
    const json = JSON.parse(inflated.toString('utf8')) as unknown;
    if (!isRecord(json)) return undefined;
    const events = Array.isArray(json.logEvents) ? json.logEvents : [];
    return {
      messageType: typeof json.messageType === 'string' ? json.messageType : '',
      logGroup: typeof json.logGroup === 'string' ? json.logGroup : '',
      logStream: typeof json.logStream === 'string' ? json.logStream : '',
      logEvents: events.filter(isRecord).map((e) => ({
        id: String(e.id ?? ''),
        timestamp: typeof e.timestamp === 'number' ? e.timestamp : Number.NaN,
        message: typeof e.message === 'string' ? e.message : '',
      })),
    };
  } catch {
    return undefined;
  }
}

/** Kubernetes metadata Fluent Bit puts in each record: labels, pod, namespace. */
function kubernetesMetadata(message: string): { service?: string; namespace?: string } {
  let record: unknown;
  try {
    record = JSON.parse(message);
  } catch {
    return {};
  }
  const k8s = isRecord(record) && isRecord(record.kubernetes) ? record.kubernetes : undefined;
  if (!k8s) return {};
  const labels = isRecord(k8s.labels) ? k8s.labels : {};
  const service =
    text(labels['app.kubernetes.io/name']) ??
    text(labels.app) ??
    (text(k8s.pod_name) ? podNameWithoutHash(text(k8s.pod_name) as string) : undefined);
  return { service, namespace: text(k8s.namespace_name) };
}

/** Fluent Bit streams: `<pod>_<namespace>_<container>-<id>`, optionally behind a `…containers.` prefix. */
function streamMetadata(stream: string): { service?: string; namespace?: string } {
  const match = /(?:^|\.)([a-z0-9][a-z0-9.-]*)_([a-z0-9][a-z0-9-]*)_[a-z0-9-]+/.exec(stream);
  if (!match) return {};
  return { service: podNameWithoutHash(match[1] as string), namespace: match[2] };
}

function serviceOf(data: LogsData): { service: string; namespace?: string; from: string } {
  const fromEvents = data.logEvents.map((e) => kubernetesMetadata(e.message)).find((m) => m.service);
  if (fromEvents?.service)
    return { ...fromEvents, service: toServiceName(fromEvents.service), from: 'pod metadata' };
  const fromStream = streamMetadata(data.logStream);
  if (fromStream.service)
    return { ...fromStream, service: toServiceName(fromStream.service), from: 'the log stream' };
  const segments = data.logGroup.split('/').filter(Boolean);
  const specific = [...segments].reverse().find((s) => !GENERIC_GROUP_SEGMENTS.has(s.toLowerCase()));
  return { service: toServiceName(specific ?? data.logGroup), from: 'the log group' };
}

/**
 * A Logs subscription batch. A control message (CloudWatch checking the destination) is skipped.
 * The dedupe key is the log group, the service and the cooldown window of the first event, so a
 * storm of batches for one service is one incident per window, and a redelivered batch is the same.
 */
export function normalizeLogs(event: Json, options: NormalizeOptions): TriggerIncident | IgnoredEvent {
  const awslogs = event.awslogs as Json;
  const data = decode(awslogs.data);
  if (data === 'too-large') {
    return {
      ignored: `awslogs.data is larger than a Logs batch can be (over ${MAX_INFLATED_BYTES / 1024 / 1024} MB inflated); refused unread`,
      kind: 'malformed',
      shape: 'logs',
    };
  }
  if (!data) {
    return { ignored: 'awslogs.data is not base64 of gzipped JSON', kind: 'malformed', shape: 'logs' };
  }
  if (data.messageType === 'CONTROL_MESSAGE') {
    return { ignored: 'CloudWatch Logs control message', kind: 'not-actionable', shape: 'logs' };
  }
  const first = data.logEvents[0];
  if (!data.logGroup || !first) {
    return { ignored: 'Logs batch without a log group or events', kind: 'malformed', shape: 'logs' };
  }
  const mapped = serviceOf(data);
  const cooldown = options.logsCooldownMs ?? DEFAULT_LOGS_COOLDOWN_MS;
  const at = Number.isFinite(first.timestamp) ? first.timestamp : options.now.getTime();
  const window = new Date(Math.floor(at / cooldown) * cooldown).toISOString();
  const samples = data.logEvents
    .slice(0, SAMPLE_EVENTS)
    .map((e) => `  ${e.message.trim().slice(0, SAMPLE_CHARS)}`);
  return {
    service: mapped.service,
    ...(mapped.namespace ? { namespace: mapped.namespace } : {}),
    source: options.source ?? 'lambda',
    alarm: `logs:${data.logGroup}`,
    text: [
      `CloudWatch Logs subscription on ${data.logGroup} (${data.logStream}): ${data.logEvents.length} matching events, e.g.`,
      ...samples,
      `Service ${mapped.service} was mapped from ${mapped.from}.`,
    ].join('\n'),
    dedupeKey: `logs:${data.logGroup}:${mapped.service}:${window}`,
  };
}
