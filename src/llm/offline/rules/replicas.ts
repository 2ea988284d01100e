import { toolFor } from '../capabilities.js';
import { readObject } from '../cluster-read.js';
import { at, num } from '../k8s-object.js';
import type { Rule } from './verdict.js';

const SCALABLE = new Set(['Deployment', 'StatefulSet', 'ReplicaSet']);

/** A workload with no pods because it asks for none: scaled to zero, by hand or by a change. */
export const scaledToZeroRule: Rule = async (ctx, facts) => {
  const workload = facts.listing.workload;
  if (facts.listing.pods.length || !workload || !SCALABLE.has(workload.kind)) return null;
  let desired: number | undefined;
  const tool = workload.kind === 'Deployment' ? toolFor('deployment', ctx.tools.toolNames()) : undefined;
  if (tool) {
    const outcome = await ctx.tools.call(tool, { name: workload.name, namespace: facts.namespace });
    if (outcome.ok) desired = num(at(outcome.structured, 'replicas', 'desired'));
  }
  if (desired === undefined) {
    const object = await readObject(ctx, workload.kind, workload.name, facts.namespace);
    desired = object ? (num(at(object, 'spec', 'replicas')) ?? 1) : undefined;
  }
  if (desired !== 0) return null;
  ctx.casebook.evidence.unshift({
    source: 'kubernetes',
    detail: `${workload.kind} ${workload.name} asks for 0 replicas (spec.replicas: 0): no pod runs`,
    ref: `${workload.kind.toLowerCase()}/${workload.name}`,
  });
  return {
    status: 'diagnosed',
    summary: `${workload.kind} ${workload.name} is scaled to zero: it runs no pods, so nothing serves ${facts.service}.`,
    statement: `${workload.kind} ${workload.name} has spec.replicas 0, so its controller keeps no pod running and its Service has no endpoints.`,
    confidence: 'high',
    fix: `Scale it back up (kubectl scale ${workload.kind.toLowerCase()}/${workload.name} -n ${facts.namespace} --replicas=<the usual count>) and find who or what scaled it down (a manifest change, an autoscaler, a cost job).`,
    clues: ['replicas: 0'],
    objects: [workload],
  };
};
