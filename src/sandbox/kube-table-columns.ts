import type { KubeObject } from './scenario-types.js';
import { ageAt } from './kube-age.js';

/** A `columnDefinitions` entry of a meta.k8s.io Table. */
export interface ColumnDefinition {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  format: string;
  description: string;
  /** 0 for the default columns; 1 for those kubectl shows only with `-o wide`. */
  priority: number;
}

/** How one kind is printed: its columns and each object's cells, in the same order. */
export interface TablePrinter {
  columns: ColumnDefinition[];
  cells(object: KubeObject, now: Date): unknown[];
}

type Loose = Record<string, unknown>;
type Cell = (object: Loose, now: Date) => unknown;

function column(name: string, cell: Cell, options: Partial<ColumnDefinition> = {}) {
  const definition: ColumnDefinition = {
    name,
    type: 'string',
    format: name === 'Name' ? 'name' : '',
    description: `${name} of the object`,
    priority: 0,
    ...options,
  };
  return { definition, cell };
}
type Column = ReturnType<typeof column>;

const wide = { priority: 1 };
const integer = { type: 'integer' as const };

function printer(columns: Column[]): TablePrinter {
  return {
    columns: columns.map((c) => c.definition),
    cells: (object, now) => columns.map((c) => c.cell(object as Loose, now)),
  };
}

/** Read a nested field without trusting the scenario's shape. */
function at(object: unknown, ...path: (string | number)[]): unknown {
  let current = object;
  for (const key of path) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string | number, unknown>)[key];
  }
  return current;
}
function text(value: unknown, fallback = '<none>'): string {
  return typeof value === 'string' && value !== ''
    ? value
    : typeof value === 'number'
      ? String(value)
      : fallback;
}
function count(value: unknown): number {
  return typeof value === 'number' ? value : 0;
}
function list(value: unknown): Loose[] {
  return Array.isArray(value) ? (value as Loose[]) : [];
}

const name = column('Name', (o) => at(o, 'metadata', 'name'));
const age = column('Age', (o, now) => ageAt(at(o, 'metadata', 'creationTimestamp'), now));
const containerNames = (o: Loose) =>
  list(at(o, 'spec', 'template', 'spec', 'containers'))
    .map((c) => c.name)
    .join(',');
const containerImages = (o: Loose) =>
  list(at(o, 'spec', 'template', 'spec', 'containers'))
    .map((c) => c.image)
    .join(',');
const selector = (o: Loose) => {
  const labels = (at(o, 'spec', 'selector', 'matchLabels') ?? at(o, 'spec', 'selector') ?? {}) as Loose;
  const pairs = Object.entries(labels).filter(([, v]) => typeof v === 'string');
  return pairs.length ? pairs.map(([k, v]) => `${k}=${String(v)}`).join(',') : '<none>';
};

/** The pod's STATUS column: the waiting/terminated reason of a container wins over the phase. */
function podStatus(pod: Loose): string {
  let reason = text(at(pod, 'status', 'reason'), text(at(pod, 'status', 'phase'), 'Unknown'));
  const initStatuses = list(at(pod, 'status', 'initContainerStatuses'));
  const initTotal = list(at(pod, 'spec', 'initContainers')).length;
  const initDone = initStatuses.filter((s) => at(s, 'state', 'terminated', 'exitCode') === 0).length;
  const initStuck = initStatuses.find((s) => at(s, 'state', 'terminated', 'exitCode') !== 0);
  if (initStuck) {
    const waiting = text(at(initStuck, 'state', 'waiting', 'reason'), '');
    const failed = at(initStuck, 'state', 'terminated') !== undefined;
    return failed
      ? 'Init:Error'
      : waiting && waiting !== 'PodInitializing'
        ? `Init:${waiting}`
        : `Init:${initDone}/${initTotal}`;
  }
  let running = false;
  for (const status of [...list(at(pod, 'status', 'containerStatuses'))].reverse()) {
    const waiting = at(status, 'state', 'waiting', 'reason');
    const terminated = at(status, 'state', 'terminated') as Loose | undefined;
    if (typeof waiting === 'string' && waiting !== '') reason = waiting;
    else if (terminated && typeof terminated.reason === 'string') reason = terminated.reason;
    else if (terminated)
      reason = terminated.signal
        ? `Signal:${String(terminated.signal)}`
        : `ExitCode:${count(terminated.exitCode)}`;
    else if (at(status, 'ready') === true && at(status, 'state', 'running') !== undefined) running = true;
  }
  if (reason === 'Completed' && running) reason = 'Running';
  if (at(pod, 'metadata', 'deletionTimestamp')) reason = 'Terminating';
  return reason;
}

function podRestarts(pod: Loose, now: Date): string {
  const statuses = list(at(pod, 'status', 'containerStatuses'));
  const restarts = statuses.reduce((sum, s) => sum + count(s.restartCount), 0);
  const lastRestart = statuses
    .map((s) => at(s, 'lastState', 'terminated', 'finishedAt'))
    .filter((t): t is string => typeof t === 'string')
    .sort()
    .at(-1);
  return restarts > 0 && lastRestart ? `${restarts} (${ageAt(lastRestart, now)} ago)` : String(restarts);
}

const podPrinter = printer([
  name,
  column('Ready', (o) => {
    const statuses = list(at(o, 'status', 'containerStatuses'));
    const total = list(at(o, 'spec', 'containers')).length || statuses.length;
    return `${statuses.filter((s) => s.ready === true).length}/${total}`;
  }),
  column('Status', (o) => podStatus(o)),
  column('Restarts', (o, now) => podRestarts(o, now)),
  age,
  column('IP', (o) => text(at(o, 'status', 'podIP')), wide),
  column('Node', (o) => text(at(o, 'spec', 'nodeName')), wide),
  column('Nominated Node', (o) => text(at(o, 'status', 'nominatedNodeName')), wide),
  column('Readiness Gates', (o) => (list(at(o, 'spec', 'readinessGates')).length ? 'set' : '<none>'), wide),
]);

const deploymentPrinter = printer([
  name,
  column(
    'Ready',
    (o) => `${count(at(o, 'status', 'readyReplicas'))}/${count(at(o, 'spec', 'replicas') ?? 1)}`,
  ),
  column('Up-to-date', (o) => count(at(o, 'status', 'updatedReplicas')), integer),
  column('Available', (o) => count(at(o, 'status', 'availableReplicas')), integer),
  age,
  column('Containers', containerNames, wide),
  column('Images', containerImages, wide),
  column('Selector', selector, wide),
]);

const replicaSetPrinter = printer([
  name,
  column('Desired', (o) => count(at(o, 'spec', 'replicas')), integer),
  column('Current', (o) => count(at(o, 'status', 'replicas')), integer),
  column('Ready', (o) => count(at(o, 'status', 'readyReplicas')), integer),
  age,
  column('Containers', containerNames, wide),
  column('Images', containerImages, wide),
  column('Selector', selector, wide),
]);

/** Events come as core/v1 or as events.k8s.io/v1, whose fields have newer names. */
function eventField(o: Loose, core: string, newer: string): unknown {
  return o[core] ?? o[newer];
}
function lastSeen(o: Loose, now: Date): string {
  const first = eventField(o, 'firstTimestamp', 'deprecatedFirstTimestamp') ?? o.eventTime;
  const last = eventField(o, 'lastTimestamp', 'deprecatedLastTimestamp') ?? o.eventTime ?? first;
  const times = count(eventField(o, 'count', 'deprecatedCount'));
  const seen = ageAt(last, now);
  return times > 1 ? `${seen} (x${times} over ${ageAt(first, now)})` : seen;
}
const eventPrinter = printer([
  column('Last Seen', (o, now) => lastSeen(o, now)),
  column('Type', (o) => text(o.type, '')),
  column('Reason', (o) => text(o.reason, '')),
  column('Object', (o) => {
    const involved = eventField(o, 'involvedObject', 'regarding');
    return `${text(at(involved, 'kind'), '').toLowerCase()}/${text(at(involved, 'name'), '')}`;
  }),
  column('Subobject', (o) => text(at(eventField(o, 'involvedObject', 'regarding'), 'fieldPath'), ''), wide),
  column(
    'Source',
    (o) => {
      const source = eventField(o, 'source', 'deprecatedSource');
      return [at(source, 'component'), at(source, 'host')]
        .filter((s) => typeof s === 'string' && s)
        .join(', ');
    },
    wide,
  ),
  column('Message', (o) => text(eventField(o, 'message', 'note'), '')),
  column(
    'First Seen',
    (o, now) => ageAt(eventField(o, 'firstTimestamp', 'deprecatedFirstTimestamp') ?? o.eventTime, now),
    wide,
  ),
  column('Count', (o) => count(eventField(o, 'count', 'deprecatedCount')), { ...wide, type: 'integer' }),
  column('Name', (o) => at(o, 'metadata', 'name'), { ...wide, format: 'name' }),
]);

function servicePorts(o: Loose): string {
  const ports = list(at(o, 'spec', 'ports')).map((p) => {
    const node = typeof p.nodePort === 'number' ? `:${p.nodePort}` : '';
    return `${String(p.port)}${node}/${text(p.protocol, 'TCP')}`;
  });
  return ports.length ? ports.join(',') : '<none>';
}
function externalIp(o: Loose): string {
  const ingress = list(at(o, 'status', 'loadBalancer', 'ingress')).map((i) => text(i.ip ?? i.hostname, ''));
  const external = list(at(o, 'spec', 'externalIPs')).map((ip) => String(ip));
  const all = [...ingress, ...external].filter((ip) => ip !== '');
  if (all.length) return all.join(',');
  return at(o, 'spec', 'type') === 'LoadBalancer' ? '<pending>' : '<none>';
}
const servicePrinter = printer([
  name,
  column('Type', (o) => text(at(o, 'spec', 'type'), 'ClusterIP')),
  column('Cluster-IP', (o) => text(at(o, 'spec', 'clusterIP'))),
  column('External-IP', externalIp),
  column('Port(s)', servicePorts),
  age,
  column(
    'Selector',
    (o) => {
      const pairs = Object.entries((at(o, 'spec', 'selector') ?? {}) as Loose);
      return pairs.length ? pairs.map(([k, v]) => `${k}=${String(v)}`).join(',') : '<none>';
    },
    wide,
  ),
]);

function nodeAddress(o: Loose, type: string): string {
  return text(list(at(o, 'status', 'addresses')).find((a) => a.type === type)?.address);
}
const nodePrinter = printer([
  name,
  column('Status', (o) => {
    const ready = list(at(o, 'status', 'conditions')).find((c) => c.type === 'Ready');
    const status = ready?.status === 'True' ? 'Ready' : ready ? 'NotReady' : 'Unknown';
    return at(o, 'spec', 'unschedulable') === true ? `${status},SchedulingDisabled` : status;
  }),
  column('Roles', (o) => {
    const labels = (at(o, 'metadata', 'labels') ?? {}) as Loose;
    const roles = Object.keys(labels)
      .filter((k) => k.startsWith('node-role.kubernetes.io/'))
      .map((k) => k.split('/')[1]);
    return roles.length ? roles.sort().join(',') : '<none>';
  }),
  age,
  column('Version', (o) => text(at(o, 'status', 'nodeInfo', 'kubeletVersion'), '')),
  column('Internal-IP', (o) => nodeAddress(o, 'InternalIP'), wide),
  column('External-IP', (o) => nodeAddress(o, 'ExternalIP'), wide),
  column('OS-Image', (o) => text(at(o, 'status', 'nodeInfo', 'osImage'), '<unknown>'), wide),
  column('Kernel-Version', (o) => text(at(o, 'status', 'nodeInfo', 'kernelVersion'), '<unknown>'), wide),
  column(
    'Container-Runtime',
    (o) => text(at(o, 'status', 'nodeInfo', 'containerRuntimeVersion'), '<unknown>'),
    wide,
  ),
]);

const printers: Record<string, TablePrinter> = {
  '/pods': podPrinter,
  'apps/deployments': deploymentPrinter,
  'apps/replicasets': replicaSetPrinter,
  '/events': eventPrinter,
  'events.k8s.io/events': eventPrinter,
  '/services': servicePrinter,
  '/nodes': nodePrinter,
  '/namespaces': printer([name, column('Status', (o) => text(at(o, 'status', 'phase'), 'Active')), age]),
  '/configmaps': printer([
    name,
    column(
      'Data',
      (o) => Object.keys((o.data ?? {}) as Loose).length + Object.keys((o.binaryData ?? {}) as Loose).length,
      integer,
    ),
    age,
  ]),
  '/endpoints': printer([
    name,
    column('Endpoints', (o) => {
      const pairs = list(o.subsets).flatMap((s) =>
        list(s.addresses).flatMap((a) => list(s.ports).map((p) => `${String(a.ip)}:${String(p.port)}`)),
      );
      return pairs.length ? pairs.join(',') : '<none>';
    }),
    age,
  ]),
};

/** kubectl-like columns for a resource (`group/plural`), or Name and Age for anything else. */
export function tablePrinterFor(group: string, plural: string): TablePrinter {
  return printers[`${group}/${plural}`] ?? printer([name, age]);
}
