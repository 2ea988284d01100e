/**
 * Which service (and namespace) a CloudWatch alarm is about, in the order of DESIGN.md 6: alarm
 * tags, metric dimensions, `service=` in the description, the alarm name. Pure functions.
 */

/** What every alarm shape says about the alarm, once its JSON is read. */
export interface AlarmFacts {
  name: string;
  arn?: string;
  /** `ALARM`, `OK` or `INSUFFICIENT_DATA`. */
  state: string;
  /** The state change's timestamp as the event spells it. */
  stateTime?: string;
  reason?: string;
  description?: string;
  /** Dimensions of the alarm's metric (or of every metric of a metric-math alarm, first wins). */
  dimensions: Record<string, string>;
  /**
   * Tags, when the event carries them. CloudWatch's own notifications do not; a forwarder or an
   * EventBridge input transformer may add them as `tags` (object) or `Tags` ([{Key, Value}]).
   */
  tags: Record<string, string>;
}

export interface ServiceMapping {
  service: string;
  namespace?: string;
  /** Where the service name came from, for the log line and the incident text. */
  from: string;
}

const SERVICE_TAGS = ['sre-agent:service', 'service', 'app.kubernetes.io/name', 'app'];
const NAMESPACE_TAGS = ['sre-agent:namespace', 'namespace', 'kubernetes-namespace'];
const SERVICE_DIMENSIONS = ['ServiceName', 'Service', 'Deployment', 'PodName', 'FunctionName'];
// Kubernetes generated suffixes use consonants and digits only, so "email-queue" keeps its "queue".
const HASH = '[bcdfghjklmnpqrstvwxz2456789]';
const DEPLOYMENT_POD = new RegExp(`^(.+)-${HASH}{6,10}-${HASH}{5}$`);
const GENERATED_POD = new RegExp(`^(.+)-${HASH}{5}$`);
const STATEFUL_POD = /^(.+)-\d+$/;

/** A pod's name without what its controller appended: `cartservice-7d4f9c8b6-x2x4q` → `cartservice`. */
export function podNameWithoutHash(pod: string): string {
  const match = DEPLOYMENT_POD.exec(pod) ?? GENERATED_POD.exec(pod) ?? STATEFUL_POD.exec(pod);
  return match?.[1] ?? pod;
}

/** A name `--service` accepts, made from free text such as an alarm name. */
export function toServiceName(raw: string): string {
  const cleaned = raw
    .trim()
    .replace(/[^a-zA-Z0-9._-]+/g, '-')
    .replace(/^[^a-zA-Z0-9]+/, '')
    .replace(/[-._]+$/, '')
    .slice(0, 253);
  return cleaned || 'unknown-service';
}

function lookup(record: Record<string, string>, keys: string[]): [string, string] | undefined {
  const lowered = new Map(Object.entries(record).map(([k, v]) => [k.toLowerCase(), [k, v] as const]));
  for (const key of keys) {
    const hit = lowered.get(key.toLowerCase());
    if (hit && hit[1].trim() !== '') return [hit[0], hit[1].trim()];
  }
  return undefined;
}

/** `service=cart-service` or `namespace: shop` in free text. */
export function keyValueInText(text: string | undefined, key: string): string | undefined {
  if (!text) return undefined;
  const match = new RegExp(`\\b${key}\\s*[=:]\\s*([A-Za-z0-9][A-Za-z0-9._-]*)`, 'i').exec(text);
  return match?.[1];
}

function namespaceOf(facts: AlarmFacts): string | undefined {
  return (
    lookup(facts.tags, NAMESPACE_TAGS)?.[1] ??
    lookup(facts.dimensions, ['Namespace'])?.[1] ??
    keyValueInText(facts.description, 'namespace')
  );
}

/** Map an alarm to a service; an alarm nothing maps is named after itself and still diagnosed. */
export function mapAlarmService(facts: AlarmFacts): ServiceMapping {
  const namespace = namespaceOf(facts);
  const withNamespace = (service: string, from: string): ServiceMapping => ({
    service: toServiceName(service),
    from,
    ...(namespace ? { namespace } : {}),
  });
  const tag = lookup(facts.tags, SERVICE_TAGS);
  if (tag) return withNamespace(tag[1], `tag ${tag[0]}`);
  for (const dimension of SERVICE_DIMENSIONS) {
    const hit = lookup(facts.dimensions, [dimension]);
    if (!hit) continue;
    const service = dimension === 'PodName' ? podNameWithoutHash(hit[1]) : hit[1];
    return withNamespace(service, `dimension ${hit[0]}`);
  }
  const described = keyValueInText(facts.description, 'service');
  if (described) return withNamespace(described, 'the alarm description');
  return withNamespace(facts.name, 'the alarm name');
}
