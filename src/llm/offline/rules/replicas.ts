import type { EngineContext } from '../../engine.js';
import { toolFor } from '../capabilities.js';
import { readObject, readObjects } from '../cluster-read.js';
import type { ServiceFacts } from '../facts.js';
import { at, list, nameOf, num, selectorMatches, str, stringMap, type KubeObject } from '../k8s-object.js';
import type { Rule } from './verdict.js';

const SCALABLE = new Set(['Deployment', 'StatefulSet', 'ReplicaSet']);

/** Who wrote `spec.replicas` last, from the object's managedFields, in words an engineer acts on. */
export function replicasWriter(object: KubeObject | null | undefined): { who: string; time?: string } | null {
  const writers = list(at(object, 'metadata', 'managedFields'))
    .filter((e) => at(e, 'fieldsV1', 'f:spec', 'f:replicas') !== undefined)
    .sort((a, b) => (str(a.time) ?? '').localeCompare(str(b.time) ?? ''));
  const last = writers.at(-1);
  const manager = str(last?.manager);
  if (!last || !manager) return null;
  const viaScale = str(last.subresource) === 'scale';
  let who = `${manager}${viaScale ? ' through the scale subresource' : ` (${str(last.operation) ?? 'Update'})`}`;
  if (/^kubectl-scale$/.test(manager) || (manager === 'kubectl' && viaScale))
    who = 'a person running `kubectl scale` (field manager kubectl-scale)';
  else if (/horizontal|kube-controller-manager/.test(manager) && viaScale)
    who = 'a HorizontalPodAutoscaler (field manager kube-controller-manager, scale subresource)';
  else if (/keda/i.test(manager)) who = `KEDA (field manager ${manager})`;
  else if (/argocd|flux|kustomize-controller|helm|kubectl-client-side-apply|kubectl$/.test(manager))
    who = `a deploy from the manifests (field manager ${manager})`;
  return { who, time: str(last.time) };
}

/** `Scaled down replica set x from 3 to 0`: how many it ran before, and when it went to none. */
function scaleDownEvent(facts: ServiceFacts, workload: string): { from: number; at?: string } | null {
  for (const e of facts.events) {
    if (e.object !== `Deployment/${workload}` && e.object !== `StatefulSet/${workload}`) continue;
    const m = e.message?.match(/[Ss]caled down replica set \S+ from (\d+) to 0\b/);
    if (m) return { from: Number(m[1]), at: e.lastTimestamp };
  }
  return null;
}

/** The workloads whose pods a Service with no pods would select: the one scaled to zero hides there. */
async function workloadsBehind(
  ctx: EngineContext,
  facts: ServiceFacts,
  service: string,
): Promise<{ kind: string; name: string }[]> {
  const svc = await readObject(ctx, 'Service', service, facts.namespace);
  const selector = stringMap(at(svc, 'spec', 'selector'));
  if (!Object.keys(selector).length) return [];
  const found: { kind: string; name: string }[] = [];
  for (const kind of ['Deployment', 'StatefulSet']) {
    for (const o of (await readObjects(ctx, kind, { namespace: facts.namespace })) ?? []) {
      const labels = stringMap(at(o, 'spec', 'template', 'metadata', 'labels'));
      if (selectorMatches({ matchLabels: selector }, labels)) found.push({ kind, name: nameOf(o) });
    }
  }
  return found;
}

async function desiredReplicas(
  ctx: EngineContext,
  workload: { kind: string; name: string },
  namespace: string,
): Promise<{ desired: number | undefined; object: KubeObject | null | undefined }> {
  let desired: number | undefined;
  const tool = workload.kind === 'Deployment' ? toolFor('deployment', ctx.tools.toolNames()) : undefined;
  if (tool) {
    const outcome = await ctx.tools.call(tool, { name: workload.name, namespace });
    if (outcome.ok) desired = num(at(outcome.structured, 'replicas', 'desired'));
  }
  if (desired !== undefined && desired !== 0) return { desired, object: undefined };
  // The object itself says who wrote spec.replicas (its managedFields).
  const object = await readObject(ctx, workload.kind, workload.name, namespace);
  desired ??= object ? (num(at(object, 'spec', 'replicas')) ?? 1) : undefined;
  return { desired, object };
}

/**
 * A workload with no pods because it asks for none: scaled to zero, by hand, by an autoscaler or by
 * a change. Found from the workload itself or from the Service that fronts it; names who wrote
 * `spec.replicas` last and how many replicas it ran before.
 */
export const scaledToZeroRule: Rule = async (ctx, facts) => {
  const listed = facts.listing.workload;
  if (facts.listing.pods.length || !listed) return null;
  const candidates = SCALABLE.has(listed.kind)
    ? [listed]
    : listed.kind === 'Service'
      ? await workloadsBehind(ctx, facts, listed.name)
      : [];
  for (const workload of candidates) {
    const { desired, object } = await desiredReplicas(ctx, workload, facts.namespace);
    if (desired !== 0) continue;
    const writer = replicasWriter(object);
    const before = scaleDownEvent(facts, workload.name);
    const when = writer?.time ?? before?.at;
    const by = writer ? ` by ${writer.who}${when ? ` at ${when}` : ''}` : when ? ` at ${when}` : '';
    // Scaled by hand or by an autoscaler: the manifests did not do it, so their history is no lead.
    const outsideManifests = writer && !/deploy from the manifests/.test(writer.who);
    const ref = `${workload.kind.toLowerCase()}/${workload.name}`;
    ctx.casebook.evidence.unshift({
      source: 'kubernetes',
      detail: `${workload.kind} ${workload.name} asks for 0 replicas (spec.replicas: 0): no pod runs${before ? `; it ran ${before.from} before it was scaled down${before.at ? ` at ${before.at}` : ''}` : ''}${writer ? `; spec.replicas was last written by ${writer.who}${writer.time ? ` at ${writer.time}` : ''}` : ''}`,
      ref,
    });
    const count = before ? String(before.from) : '<the usual count>';
    return {
      status: 'diagnosed',
      summary: `${workload.kind} ${workload.name} is scaled to zero${by}: it runs no pods, so nothing serves ${facts.service}.`,
      statement: `${workload.kind} ${workload.name} has spec.replicas 0${by ? `, set${by}` : ''}, so its controller keeps no pod running and its Service has no endpoints.${before ? ` It was scaled down from ${before.from} replica(s)${before.at ? ` at ${before.at}` : ''}.` : ''}`,
      confidence: 'high',
      fix: `Scale it back up (kubectl scale ${ref} -n ${facts.namespace} --replicas=${count})${writer ? `, then ask whoever is behind ${writer.who.replace(/^a person running /, '')} why it was scaled down` : ' and find who or what scaled it down (a manifest change, an autoscaler, a cost job)'}; if the manifests say 0, fix them too or the next sync scales it down again.`,
      clues: ['replicas: 0'],
      ...(outsideManifests ? { notFromChange: true } : { objects: [workload] }),
    };
  }
  return null;
};
