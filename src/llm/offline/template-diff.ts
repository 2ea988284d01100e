import { parseQuantity } from '../../util/quantity.js';
import { at, list, str, type KubeObject } from './k8s-object.js';

/**
 * What differs between two pod templates, field by field: what an engineer reads first when the
 * newest revision of a workload fails and the previous one ran.
 */
export interface TemplateChange {
  /** `env`, `image`, `command`, `args`, `resources`, `probe`, `volume`, `serviceAccount`, `nodeSelector`. */
  area: string;
  container?: string;
  /** The key changed: `RATE_X`, `cpu limit`, `readiness probe path`, `volume config`. */
  key: string;
  from?: string;
  to?: string;
  /** `env RATE_X changed from "300" to "5m"`, `cpu limit cut from 1 to 300m`. */
  text: string;
  /** True for a cpu or memory limit/request lowered, or removed values a start-up needs. */
  lowered?: boolean;
}

type Flat = Map<string, string>;

const PROBES = ['livenessProbe', 'readinessProbe', 'startupProbe'] as const;
const PROBE_FIELDS: [string, (p: unknown) => unknown][] = [
  ['path', (p) => at(p, 'httpGet', 'path')],
  ['port', (p) => at(p, 'httpGet', 'port') ?? at(p, 'tcpSocket', 'port') ?? at(p, 'grpc', 'port')],
  ['timeoutSeconds', (p) => at(p, 'timeoutSeconds')],
  ['initialDelaySeconds', (p) => at(p, 'initialDelaySeconds')],
  ['periodSeconds', (p) => at(p, 'periodSeconds')],
  ['failureThreshold', (p) => at(p, 'failureThreshold')],
  ['command', (p) => at(p, 'exec', 'command')],
];

function text(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

/** An env entry's value: literal, or where it comes from (`configMap app-config key RATE`). */
function envValue(e: KubeObject): string | undefined {
  const literal = str(e.value);
  if (literal !== undefined) return literal;
  for (const [source, label] of [
    ['configMapKeyRef', 'configMap'],
    ['secretKeyRef', 'secret'],
  ] as const) {
    const ref = at(e, 'valueFrom', source);
    if (ref) return `${label} ${str(at(ref, 'name')) ?? '?'} key ${str(at(ref, 'key')) ?? '?'}`;
  }
  const field = str(at(e, 'valueFrom', 'fieldRef', 'fieldPath'));
  return field ? `field ${field}` : undefined;
}

/** One container's settings as `area|key` → value. */
function flattenContainer(c: KubeObject): Flat {
  const flat: Flat = new Map();
  const set = (key: string, value: unknown) => {
    const t = text(value);
    if (t !== undefined) flat.set(key, t);
  };
  set('image|image', c.image);
  set('command|command', Array.isArray(c.command) ? c.command.join(' ') : c.command);
  set('args|args', Array.isArray(c.args) ? c.args.join(' ') : c.args);
  for (const e of list(c.env)) {
    const name = str(e.name);
    if (name) set(`env|${name}`, envValue(e));
  }
  for (const kind of ['limits', 'requests'] as const)
    for (const resource of ['cpu', 'memory', 'ephemeral-storage'])
      set(
        `resources|${resource} ${kind === 'limits' ? 'limit' : 'request'}`,
        at(c, 'resources', kind, resource),
      );
  for (const probe of PROBES) {
    const p = c[probe];
    if (!p) continue;
    const label = `${probe.replace('Probe', '')} probe`;
    for (const [field, read] of PROBE_FIELDS) set(`probe|${label} ${field}`, read(p));
  }
  return flat;
}

/** Pod-level settings: volumes by name (their Secret, ConfigMap or claim), service account, node selector. */
function flattenPod(spec: unknown): Flat {
  const flat: Flat = new Map();
  for (const v of list(at(spec, 'volumes'))) {
    const name = str(v.name);
    const source =
      str(at(v, 'secret', 'secretName')) !== undefined
        ? `secret ${str(at(v, 'secret', 'secretName'))}`
        : str(at(v, 'configMap', 'name')) !== undefined
          ? `configMap ${str(at(v, 'configMap', 'name'))}`
          : str(at(v, 'persistentVolumeClaim', 'claimName')) !== undefined
            ? `claim ${str(at(v, 'persistentVolumeClaim', 'claimName'))}`
            : undefined;
    if (name && source) flat.set(`volume|volume ${name}`, source);
  }
  const account = str(at(spec, 'serviceAccountName')) ?? str(at(spec, 'serviceAccount'));
  if (account) flat.set('serviceAccount|serviceAccountName', account);
  const selector = at(spec, 'nodeSelector');
  if (selector && typeof selector === 'object')
    for (const [k, v] of Object.entries(selector))
      if (typeof v === 'string') flat.set(`nodeSelector|${k}`, v);
  return flat;
}

function describe(
  area: string,
  key: string,
  from?: string,
  to?: string,
): { text: string; lowered?: boolean } {
  const q = (v: string) => (area === 'env' ? `"${v}"` : v);
  if (area === 'resources' && from && to) {
    const a = parseQuantity(from);
    const b = parseQuantity(to);
    if (a !== undefined && b !== undefined && a !== b)
      return b < a
        ? { text: `${key} cut from ${from} to ${to}`, lowered: true }
        : { text: `${key} raised from ${from} to ${to}` };
  }
  const label = area === 'env' ? `env ${key}` : key;
  if (from === undefined) return { text: `${label} set to ${q(to ?? '')} (not set before)` };
  if (to === undefined) return { text: `${label} removed (was ${q(from)})`, lowered: area === 'env' };
  return { text: `${label} changed from ${q(from)} to ${q(to)}` };
}

function compare(before: Flat, after: Flat, container?: string): TemplateChange[] {
  const changes: TemplateChange[] = [];
  for (const key of new Set([...before.keys(), ...after.keys()])) {
    const from = before.get(key);
    const to = after.get(key);
    if (from === to) continue;
    const [area = '', name = ''] = key.split('|');
    const { text: said, lowered } = describe(area, name, from, to);
    changes.push({
      area,
      ...(container ? { container } : {}),
      key: name,
      ...(from !== undefined ? { from } : {}),
      ...(to !== undefined ? { to } : {}),
      text: container && area !== 'env' && area !== 'image' ? `${said} (container ${container})` : said,
      ...(lowered ? { lowered } : {}),
    });
  }
  return changes;
}

/**
 * The changes from the previous pod template to the current one (`spec.template` of a ReplicaSet,
 * `data.spec.template` of a ControllerRevision): containers matched by name.
 */
export function templateChanges(previous: unknown, current: unknown): TemplateChange[] {
  const before = at(previous, 'spec');
  const after = at(current, 'spec');
  const containers = (spec: unknown) =>
    new Map(list(at(spec, 'containers')).map((c) => [str(c.name) ?? '', c] as const));
  const old = containers(before);
  const changes: TemplateChange[] = [];
  for (const [name, c] of containers(after)) {
    const prior = old.get(name);
    if (prior) changes.push(...compare(flattenContainer(prior), flattenContainer(c), name));
  }
  changes.push(...compare(flattenPod(before), flattenPod(after)));
  return changes;
}
