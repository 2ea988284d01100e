import { readObjects } from '../cluster-read.js';
import { at, condition, list, nameOf, num, str } from '../k8s-object.js';
import { quote } from '../quote.js';
import type { Rule } from './verdict.js';

/**
 * A HorizontalPodAutoscaler on the workload that cannot do its job: it cannot compute its metrics
 * (ScalingActive False, e.g. no CPU request to take a utilisation of), or it sits at maxReplicas
 * while it wants more (ScalingLimited TooManyReplicas).
 */
export const hpaRule: Rule = async (ctx, facts) => {
  const workload = facts.listing.workload;
  if (!workload) return null;
  const hpas = (await readObjects(ctx, 'HorizontalPodAutoscaler', { namespace: facts.namespace })) ?? [];
  const hpa = hpas.find(
    (h) =>
      str(at(h, 'spec', 'scaleTargetRef', 'name')) === workload.name &&
      (str(at(h, 'spec', 'scaleTargetRef', 'kind')) ?? workload.kind) === workload.kind,
  );
  if (!hpa) return null;
  const name = nameOf(hpa);
  const min = num(at(hpa, 'spec', 'minReplicas')) ?? 1;
  const max = num(at(hpa, 'spec', 'maxReplicas'));
  const current = num(at(hpa, 'status', 'currentReplicas'));
  const desired = num(at(hpa, 'status', 'desiredReplicas'));
  const active = condition(hpa, 'ScalingActive');
  const event = facts.events.find(
    (e) =>
      e.object === `HorizontalPodAutoscaler/${name}` &&
      e.type === 'Warning' &&
      /FailedGetResourceMetric|FailedComputeMetricsReplicas|FailedGetPodsMetric|FailedGetExternalMetric|FailedGetObjectMetric/.test(
        e.reason ?? '',
      ),
  );
  // The condition is the HPA's state now; the events only remember. A metric failure the
  // controller has since got past (ScalingActive True, ValidMetricFound) is history.
  if (active?.status === 'False' || (event && active?.status !== 'True')) {
    const message = active?.message ?? event?.message ?? '';
    const missing = message.match(/missing request for (\w+)(?: in container ([\w.-]+))?/);
    ctx.casebook.evidence.unshift({
      source: 'kubernetes',
      detail: `HorizontalPodAutoscaler ${name}: ScalingActive ${active?.status ?? '?'} (${active?.reason ?? event?.reason ?? '?'}): ${quote(message, 260)}`,
      ref: `horizontalpodautoscaler/${name}`,
    });
    return {
      status: 'diagnosed',
      summary: `${workload.kind} ${workload.name} cannot autoscale: HPA ${name} cannot compute its metrics${missing ? ` (no ${missing[1]} request on container ${missing[2] ?? '?'})` : ''}, so it stays at ${current ?? min} replica(s) under load.`,
      statement: `HorizontalPodAutoscaler ${name} is not scaling (${active?.reason ?? event?.reason}): "${quote(message, 240)}".${missing ? ` Utilisation is a percentage of the ${missing[1]} request, and container ${missing[2] ?? '?'} sets none, so no replica count can be computed.` : ''}`,
      confidence: 'high',
      clues: ['requests:', ...(missing?.[2] ? [missing[2]] : [])],
      objects: [workload],
      fix: missing
        ? `Set resources.requests.${missing[1]} on container ${missing[2] ?? 'the containers'} of ${workload.kind} ${workload.name} (every container of the pod needs one); the HPA starts scaling at its next sync.`
        : `Fix the metric source HPA ${name} reads (metrics-server or the adapter named in the message).`,
    };
  }
  const limited = condition(hpa, 'ScalingLimited');
  if (
    max !== undefined &&
    current !== undefined &&
    current >= max &&
    limited?.status === 'True' &&
    /TooManyReplicas/.test(limited.reason ?? '')
  ) {
    const metric = metricVsTarget(hpa);
    ctx.casebook.evidence.unshift({
      source: 'kubernetes',
      detail: `HorizontalPodAutoscaler ${name}: ${current}/${max} replicas${metric ? `, ${metric}` : ''}, ScalingLimited (${limited.reason}): ${quote(limited.message ?? '', 200)}`,
      ref: `horizontalpodautoscaler/${name}`,
    });
    return {
      status: 'diagnosed',
      summary: `${workload.kind} ${workload.name} is capped at its HPA's maximum of ${max} replicas while the load wants more${metric ? ` (${metric})` : ''}${desired && desired > max ? ` (desired ${desired})` : ''}.`,
      statement: `HorizontalPodAutoscaler ${name} runs ${current} replicas, its maxReplicas, and reports ScalingLimited/${limited.reason}: "${quote(limited.message ?? '', 200)}".${metric ? ` It scales on ${metric}.` : ''} The pods are saturated and more replicas are blocked by maxReplicas ${max}.`,
      confidence: 'medium',
      clues: ['maxReplicas'],
      objects: [{ kind: 'HorizontalPodAutoscaler', name }],
      fix: `Raise maxReplicas of HPA ${name} (kubectl patch hpa ${name} -n ${facts.namespace} -p '{"spec":{"maxReplicas":${max * 2}}}') if the cluster has room, or cut the load or per-request cost.`,
    };
  }
  return null;
};

/** `cpu 187% of request vs 65% target` from the HPA's current metrics and its spec (autoscaling/v2). */
export function metricVsTarget(hpa: unknown): string | undefined {
  for (const m of list(at(hpa, 'spec', 'metrics'))) {
    const resource = str(at(m, 'resource', 'name')) ?? str(at(m, 'containerResource', 'name'));
    const target =
      num(at(m, 'resource', 'target', 'averageUtilization')) ??
      num(at(m, 'containerResource', 'target', 'averageUtilization'));
    if (!resource || target === undefined) continue;
    const current = list(at(hpa, 'status', 'currentMetrics')).find(
      (c) => (str(at(c, 'resource', 'name')) ?? str(at(c, 'containerResource', 'name'))) === resource,
    );
    const now =
      num(at(current, 'resource', 'current', 'averageUtilization')) ??
      num(at(current, 'containerResource', 'current', 'averageUtilization'));
    return `${resource} ${now !== undefined ? `${now}%` : 'utilisation'} vs ${target}% target`;
  }
  return undefined;
}
