import type { Loose, TablePrinter } from './kube-columns.js';
import {
  age,
  at,
  boolWord,
  column,
  containerCells,
  count,
  formatLabelSelector,
  formatLabels,
  integer,
  list,
  name,
  printer,
  text,
  wide,
} from './kube-columns.js';
import { ageAt, humanDuration } from './kube-age.js';

// Columns and cells follow the API server's printers (kubernetes pkg/printers/internalversion,
// Kubernetes 1.32): the server builds the Table, kubectl only prints it.

const templateSpec = (o: Loose) => at(o, 'spec', 'template', 'spec');
const containers = column('Containers', (o) => containerCells(templateSpec(o)).names, wide);
const images = column('Images', (o) => containerCells(templateSpec(o)).images, wide);
const selector = column('Selector', (o) => formatLabelSelector(at(o, 'spec', 'selector')), wide);

/** The status of the first condition of a type, as the Job printer reads it. */
function conditionTrue(o: Loose, type: string): boolean {
  return list(at(o, 'status', 'conditions')).find((c) => c.type === type)?.status === 'True';
}

function jobStatus(o: Loose): string {
  if (conditionTrue(o, 'Complete')) return 'Complete';
  if (conditionTrue(o, 'Failed')) return 'Failed';
  if (at(o, 'metadata', 'deletionTimestamp')) return 'Terminating';
  if (conditionTrue(o, 'Suspended')) return 'Suspended';
  if (conditionTrue(o, 'FailureTarget')) return 'FailureTarget';
  return 'Running';
}

function jobCompletions(o: Loose): string {
  const succeeded = count(at(o, 'status', 'succeeded'));
  const completions = at(o, 'spec', 'completions');
  if (typeof completions === 'number') return `${succeeded}/${completions}`;
  const parallelism = count(at(o, 'spec', 'parallelism'));
  return parallelism > 1 ? `${succeeded}/1 of ${parallelism}` : `${succeeded}/1`;
}

/** Start to completion, or start to the scenario's now while the Job still runs; empty before it starts. */
function jobDuration(o: Loose, now: Date): string {
  const start = Date.parse(String(at(o, 'status', 'startTime') ?? ''));
  if (Number.isNaN(start)) return '';
  const end = Date.parse(String(at(o, 'status', 'completionTime') ?? ''));
  return humanDuration((Number.isNaN(end) ? now.getTime() : end) - start);
}

const jobPrinter = printer([
  name,
  column('Status', jobStatus),
  column('Completions', jobCompletions),
  column('Duration', jobDuration),
  age,
  containers,
  images,
  selector,
]);

const jobTemplateSpec = (o: Loose) => at(o, 'spec', 'jobTemplate', 'spec', 'template', 'spec');
const cronJobPrinter = printer([
  name,
  column('Schedule', (o) => text(at(o, 'spec', 'schedule'), '')),
  column('Timezone', (o) => text(at(o, 'spec', 'timeZone'))),
  column('Suspend', (o) => boolWord(at(o, 'spec', 'suspend')), { type: 'boolean' }),
  column('Active', (o) => list(at(o, 'status', 'active')).length, integer),
  column('Last Schedule', (o, now) => {
    const last = at(o, 'status', 'lastScheduleTime');
    return typeof last === 'string' && last !== '' ? ageAt(last, now) : '<none>';
  }),
  age,
  column('Containers', (o) => containerCells(jobTemplateSpec(o)).names, wide),
  column('Images', (o) => containerCells(jobTemplateSpec(o)).images, wide),
  column('Selector', (o) => formatLabelSelector(at(o, 'spec', 'jobTemplate', 'spec', 'selector')), wide),
]);

// The API server defaults spec.replicas to 1; scenarios may leave it out.
const desiredReplicas = (o: Loose) => {
  const replicas = at(o, 'spec', 'replicas');
  return typeof replicas === 'number' ? replicas : 1;
};

const statefulSetPrinter = printer([
  name,
  column('Ready', (o) => `${count(at(o, 'status', 'readyReplicas'))}/${desiredReplicas(o)}`),
  age,
  containers,
  images,
]);

const daemonSetPrinter = printer([
  name,
  column('Desired', (o) => count(at(o, 'status', 'desiredNumberScheduled')), integer),
  column('Current', (o) => count(at(o, 'status', 'currentNumberScheduled')), integer),
  column('Ready', (o) => count(at(o, 'status', 'numberReady')), integer),
  column('Up-to-date', (o) => count(at(o, 'status', 'updatedNumberScheduled')), integer),
  column('Available', (o) => count(at(o, 'status', 'numberAvailable')), integer),
  column('Node Selector', (o) => formatLabels(at(templateSpec(o), 'nodeSelector'))),
  age,
  containers,
  images,
  selector,
]);

const replicationControllerPrinter = printer([
  name,
  column('Desired', (o) => desiredReplicas(o), integer),
  column('Current', (o) => count(at(o, 'status', 'replicas')), integer),
  column('Ready', (o) => count(at(o, 'status', 'readyReplicas')), integer),
  age,
  containers,
  images,
  column('Selector', (o) => formatLabels(at(o, 'spec', 'selector')), wide),
]);

/** An int-or-string field (`1`, `50%`), `N/A` when unset, as the PDB printer shows it. */
const intOrPercent = (value: unknown) =>
  typeof value === 'number' || typeof value === 'string' ? String(value) : 'N/A';

const podDisruptionBudgetPrinter = printer([
  name,
  column('Min Available', (o) => intOrPercent(at(o, 'spec', 'minAvailable'))),
  column('Max Unavailable', (o) => intOrPercent(at(o, 'spec', 'maxUnavailable'))),
  column('Allowed Disruptions', (o) => count(at(o, 'status', 'disruptionsAllowed')), integer),
  age,
]);

/** One HPA metric as `kubectl get hpa` prints it: `cpu: 45%/80%`, `<unknown>` when not measured. */
function hpaMetric(spec: Loose, status: Loose | undefined): string {
  const type = text(spec.type, '');
  const source = (type === 'ContainerResource' ? spec.containerResource : spec.resource) as Loose | undefined;
  const current = (type === 'ContainerResource' ? status?.containerResource : status?.resource) as
    Loose | undefined;
  if (type === 'Resource' || type === 'ContainerResource') {
    const resource = text(source?.name, '');
    const averageValue = at(source, 'target', 'averageValue');
    if (averageValue !== undefined) {
      return `${resource}: ${text(at(current, 'current', 'averageValue'), '<unknown>')}/${String(averageValue)}`;
    }
    const utilization = at(current, 'current', 'averageUtilization');
    const target = at(source, 'target', 'averageUtilization');
    return (
      `${resource}: ${typeof utilization === 'number' ? `${utilization}%` : '<unknown>'}/` +
      `${typeof target === 'number' ? `${target}%` : '<auto>'}`
    );
  }
  if (type === 'Pods') {
    return `${text(at(status, 'pods', 'current', 'averageValue'), '<unknown>')}/${text(at(spec, 'pods', 'target', 'averageValue'), '')}`;
  }
  if (type === 'Object' || type === 'External') {
    const key = type === 'Object' ? 'object' : 'external';
    const averageValue = at(spec, key, 'target', 'averageValue');
    if (averageValue !== undefined) {
      return `${text(at(status, key, 'current', 'averageValue'), '<unknown>')}/${String(averageValue)} (avg)`;
    }
    return `${text(at(status, key, 'current', 'value'), '<unknown>')}/${text(at(spec, key, 'target', 'value'), '')}`;
  }
  return '<unknown type>';
}

/** autoscaling/v1 keeps one CPU target: read it as the v2 metric it converts to. */
function hpaMetrics(o: Loose): { specs: Loose[]; statuses: Loose[] } {
  const v1Target = at(o, 'spec', 'targetCPUUtilizationPercentage');
  if (typeof v1Target === 'number') {
    const current = at(o, 'status', 'currentCPUUtilizationPercentage');
    return {
      specs: [{ type: 'Resource', resource: { name: 'cpu', target: { averageUtilization: v1Target } } }],
      statuses:
        typeof current === 'number'
          ? [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: current } } }]
          : [],
    };
  }
  return { specs: list(at(o, 'spec', 'metrics')), statuses: list(at(o, 'status', 'currentMetrics')) };
}

function hpaTargets(o: Loose): string {
  const { specs, statuses } = hpaMetrics(o);
  if (specs.length === 0) return '<none>';
  const shown = specs.slice(0, 2).map((spec, index) => hpaMetric(spec, statuses[index]));
  const more = specs.length > 2 ? ` + ${specs.length - 2} more...` : '';
  return shown.join(', ') + more;
}

const horizontalPodAutoscalerPrinter = printer([
  name,
  column(
    'Reference',
    (o) =>
      `${text(at(o, 'spec', 'scaleTargetRef', 'kind'), '')}/${text(at(o, 'spec', 'scaleTargetRef', 'name'), '')}`,
  ),
  column('Targets', hpaTargets),
  column('MinPods', (o) => String(at(o, 'spec', 'minReplicas') ?? 1)),
  column('MaxPods', (o) => count(at(o, 'spec', 'maxReplicas'))),
  column('Replicas', (o) => count(at(o, 'status', 'currentReplicas'))),
  age,
]);

const controllerRevisionPrinter = printer([
  name,
  column('Controller', (o) => {
    const owner = list(at(o, 'metadata', 'ownerReferences')).find((ref) => ref.controller === true);
    if (!owner) return '<none>';
    const group = text(owner.apiVersion, '').split('/').slice(0, -1).join('/');
    return `${text(owner.kind, '').toLowerCase()}${group ? `.${group}` : ''}/${text(owner.name, '')}`;
  }),
  column('Revision', (o) => count(at(o, 'revision')), integer),
  age,
]);

const podTemplatePrinter = printer([
  name,
  column('Containers', (o) => containerCells(at(o, 'template', 'spec')).names),
  column('Images', (o) => containerCells(at(o, 'template', 'spec')).images),
  column('Pod Labels', (o) => formatLabels(at(o, 'template', 'metadata', 'labels'))),
]);

/** Printers of the workload kinds beyond Pods, Deployments and ReplicaSets, keyed `group/plural`. */
export const workloadPrinters: Record<string, TablePrinter> = {
  'batch/jobs': jobPrinter,
  'batch/cronjobs': cronJobPrinter,
  'apps/statefulsets': statefulSetPrinter,
  'apps/daemonsets': daemonSetPrinter,
  'apps/controllerrevisions': controllerRevisionPrinter,
  '/replicationcontrollers': replicationControllerPrinter,
  '/podtemplates': podTemplatePrinter,
  'policy/poddisruptionbudgets': podDisruptionBudgetPrinter,
  'autoscaling/horizontalpodautoscalers': horizontalPodAutoscalerPrinter,
};
