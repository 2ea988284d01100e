import type { EngineContext } from '../../engine.js';
import type { ServiceFacts } from '../facts.js';
import { nodeGroupLimit } from '../node-group-definition.js';
import { quote } from '../quote.js';
import { describeGroup, type ScaleUpBlock } from '../scale-up.js';
import type { Verdict } from './verdict.js';

/**
 * Pending pods that more nodes would place, when the cluster autoscaler says it cannot add one:
 * the fault is the node group's limit (or its failed scale-up), not the pods.
 */
export async function scaleUpVerdict(
  ctx: EngineContext,
  found: { facts: ServiceFacts; pending: number; message: string; why: string; block: ScaleUpBlock },
): Promise<Verdict> {
  const { facts, pending, message, why, block } = found;
  const event = block.event;
  ctx.casebook.evidence.push({
    source: 'kubernetes',
    detail: `NotTriggerScaleUp (cluster-autoscaler): ${quote(event.message ?? '', 300)}${event.count && event.count > 1 ? ` (×${event.count})` : ''}`,
    ref: event.object,
  });
  if (block.groups.length)
    ctx.casebook.evidence.push({
      source: 'kubernetes',
      detail: `cluster-autoscaler-status: ${block.groups.slice(0, 3).map(describeGroup).join('; ')}`,
      ref: 'configmap/kube-system/cluster-autoscaler-status',
    });
  const named = block.groups.length
    ? block.groups.map((g) => g.name)
    : block.usable.length
      ? block.usable
      : [];
  // Where the repository sets the group's maximum is where the fix goes.
  const definition =
    block.kind === 'max-size' && block.usable[0] ? await nodeGroupLimit(ctx, block.usable[0]) : null;
  if (definition) {
    ctx.casebook.suspectFiles.push({
      path: definition.path,
      line: definition.line,
      ...(definition.url ? { url: definition.url } : {}),
    });
    ctx.casebook.evidence.push({
      source: 'github',
      detail: `${definition.path}:${definition.line} sets the node group's maximum: ${quote(definition.text, 120)}`,
      ref: `${definition.path}:${definition.line}`,
    });
  }
  const group = named.length ? `node group ${named.join(', ')}` : 'the node group the pods fit';
  const limit = block.groups.find((g) => g.maxSize !== undefined);
  const cannot =
    block.kind === 'no-fitting-group'
      ? `none of the node groups it may grow makes nodes the pods may use (each fails their nodeSelector, affinity or tolerations)${block.usable.length ? `, so the group their nodes belong to (${block.usable.join(', ')}) is not one it scales` : ''}`
      : block.kind === 'max-size'
        ? `${group} is at its max node group size${limit ? ` (${limit.target ?? limit.maxSize} of maxSize ${limit.maxSize})` : ''}`
        : block.kind === 'cluster-limit'
          ? 'the cluster has reached the autoscaler’s cluster-wide limit (max total nodes, cores or memory)'
          : `its last scale-up of ${group} failed and it is in backoff${block.groups[0]?.scaleUp ? ` (${block.groups[0].scaleUp})` : ''}`;
  const fix =
    block.kind === 'no-fitting-group'
      ? `Let the cluster autoscaler grow the node group the pods may use${block.usable.length ? ` (${block.usable.join(', ')})` : ''}: register it (the autoscaler's auto-discovery tags or --nodes flag) with a max size above its current size, and give its node template the labels and taints its nodes carry (the node-template tags of a group that can be at zero); or make the pods' placement match a group it scales; until then lower the requests or replicas to what the current nodes hold.`
      : block.kind === 'max-size'
        ? `Raise the max size of ${group}${limit ? ` (maxSize ${limit.maxSize})` : ''}${definition ? ` in ${definition.path} (line ${definition.line}: ${quote(definition.text, 60)})` : ' where it is defined (the node group or Auto Scaling group settings, its Terraform or eksctl max_size)'} so the cluster autoscaler can add nodes, or add another node group the pods may use; until then keep the workload's replicas (the HPA's maxReplicas) and requests within what the group can hold. The Pending pods are placed as soon as new nodes join; rolling the workload back does not help.`
        : block.kind === 'cluster-limit'
          ? 'Raise the cluster autoscaler’s cluster-wide limits (--max-nodes-total, --cores-total, --memory-total, or the node auto-provisioning limits) or free capacity; the Pending pods are placed once nodes can be added.'
          : `Find why the scale-up of ${group} failed (the cloud’s error in the cluster-autoscaler-status ConfigMap or its log: instance capacity, quota, IAM, launch template, subnet IPs) and fix it; the autoscaler retries after its backoff.`;
  return {
    status: 'diagnosed',
    summary: `${pending} pod(s) of ${facts.service} are Pending: ${why}, and the cluster autoscaler cannot add a node — ${cannot}.`,
    statement: `FailedScheduling — ${quote(message, 240)}: ${why}. The cluster autoscaler did not scale up ("${quote(event.message ?? '', 200)}"): ${cannot}, so the capacity the workload asks for never arrives.`,
    confidence: 'high',
    fix,
    rollback: false,
    clues: [...named, 'max_size', 'maxSize', 'max_count', 'maxCount'],
  };
}
