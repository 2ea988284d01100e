import type { Loose, TablePrinter } from './kube-columns.js';
import { age, at, column, count, integer, list, name, printer, text, wide } from './kube-columns.js';
import { ageAt } from './kube-age.js';
import { corePrinters } from './kube-table-columns-core.js';
import { clusterPrinters } from './kube-table-columns-cluster.js';
import { workloadPrinters } from './kube-table-columns-workloads.js';
import { builtinResources } from './kube-builtin-resources.js';
import { createdAt } from './kube-columns.js';

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

const printers: Record<string, TablePrinter> = {
  ...corePrinters,
  ...workloadPrinters,
  ...clusterPrinters,
  '/pods': podPrinter,
  'apps/deployments': deploymentPrinter,
  'apps/replicasets': replicaSetPrinter,
  '/events': eventPrinter,
  'events.k8s.io/events': eventPrinter,
};

// Builtin kinds without a printer (Role, ClusterRole, LimitRange, ...) get the API server's default
// table: Name and Created At. Custom resources without printer columns get Name and Age.
const builtinDefault = printer([name, createdAt]);
const customDefault = printer([name, age]);

/** The columns the API server prints for a resource (`group/plural`), keyed like kubectl reads them. */
export function tablePrinterFor(group: string, plural: string): TablePrinter {
  const known = printers[`${group}/${plural}`];
  if (known) return known;
  return builtinResources.some((r) => r.group === group && r.plural === plural)
    ? builtinDefault
    : customDefault;
}
