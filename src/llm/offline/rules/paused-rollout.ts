import type { EngineContext } from '../../engine.js';
import { toolFor } from '../capabilities.js';
import { readObject, readObjects } from '../cluster-read.js';
import { at, list, num, str, type KubeObject } from '../k8s-object.js';
import type { Rule } from './verdict.js';

interface DeploymentView {
  name?: string;
  paused?: boolean;
  replicas?: { desired?: number; updated?: number };
  conditions?: { type?: string; status?: string; reason?: string; lastTransitionTime?: string }[];
  rolloutHistory?: {
    revision: number | null;
    replicaSet: string;
    images: string[];
    replicas: number;
    current: boolean;
    createdAt?: string;
  }[];
}

/**
 * The Deployment as the bundled server's get_deployment summarises it; through a server without
 * that tool (kubernetes-mcp-server), the same view built from the Deployment and its ReplicaSets.
 */
async function deploymentView(
  ctx: EngineContext,
  name: string,
  namespace: string,
): Promise<DeploymentView | null> {
  const tool = toolFor('deployment', ctx.tools.toolNames());
  if (tool) {
    const outcome = await ctx.tools.call(tool, { name, namespace });
    return outcome.ok ? ((outcome.structured as DeploymentView | undefined) ?? null) : null;
  }
  const object = await readObject(ctx, 'Deployment', name, namespace);
  if (!object) return null;
  const uid = str(at(object, 'metadata', 'uid'));
  const revisionOf = (o: KubeObject) =>
    str(at(o, 'metadata', 'annotations', 'deployment.kubernetes.io/revision'));
  const revision = revisionOf(object);
  const owned = ((await readObjects(ctx, 'ReplicaSet', { namespace })) ?? []).filter((rs) =>
    list(at(rs, 'metadata', 'ownerReferences')).some(
      (o) => o.kind === 'Deployment' && (o.uid === uid || o.name === name),
    ),
  );
  return {
    name,
    paused: at(object, 'spec', 'paused') === true,
    replicas: {
      desired: num(at(object, 'spec', 'replicas')),
      updated: num(at(object, 'status', 'updatedReplicas')),
    },
    conditions: list(at(object, 'status', 'conditions')).map((c) => ({
      type: str(c.type),
      status: str(c.status),
      reason: str(c.reason),
      lastTransitionTime: str(c.lastTransitionTime),
    })),
    rolloutHistory: owned.map((rs) => ({
      revision: revisionOf(rs) !== undefined ? Number(revisionOf(rs)) : null,
      replicaSet: str(at(rs, 'metadata', 'name')) ?? '?',
      images: list(at(rs, 'spec', 'template', 'spec', 'containers'))
        .map((c) => str(c.image))
        .filter((i): i is string => Boolean(i)),
      replicas: num(at(rs, 'status', 'replicas')) ?? 0,
      current: revision !== undefined && revisionOf(rs) === revision,
    })),
  };
}

/**
 * A rollout left half done: the Deployment is paused (`spec.paused`, condition Progressing/
 * DeploymentPaused) while pods of an older ReplicaSet still serve. Nothing crashes, so every pod
 * looks healthy; what is wrong is that the new version reaches only some of them.
 */
export const pausedRolloutRule: Rule = async (ctx, facts) => {
  const workload = facts.listing.workload;
  if (workload?.kind !== 'Deployment') return null;
  const deployment = await deploymentView(ctx, workload.name, facts.namespace);
  if (!deployment) return null;
  const pausedCondition = deployment.conditions?.find(
    (c) => c.type === 'Progressing' && c.reason === 'DeploymentPaused',
  );
  if (!deployment.paused && !pausedCondition) return null;
  const history = deployment.rolloutHistory ?? [];
  const current = history.find((r) => r.current);
  const older = history.filter((r) => !r.current && r.replicas > 0);
  const desired = deployment.replicas?.desired ?? 0;
  const updated = deployment.replicas?.updated ?? current?.replicas ?? 0;
  // Paused with every pod on the new template is a finished rollout someone paused: no fault.
  if (!current || !older.length || updated >= desired) return null;
  const oldPods = older.reduce((n, r) => n + r.replicas, 0);
  const oldImages = [...new Set(older.flatMap((r) => r.images))];
  const since = pausedCondition?.lastTransitionTime ? ` since ${pausedCondition.lastTransitionTime}` : '';
  const revisionLabel = (r: { revision: number | null; replicaSet: string }) =>
    r.revision !== null ? `revision ${r.revision} (${r.replicaSet})` : r.replicaSet;
  const name = workload.name;
  ctx.casebook.evidence.unshift({
    source: 'kubernetes',
    detail:
      `Deployment ${name} is paused${since}: ${updated} of ${desired} pod(s) run the new template ` +
      `${revisionLabel(current)} (${current.images.join(', ')}); ${oldPods} still run ` +
      `${older.map(revisionLabel).join(', ')} (${oldImages.join(', ')})`,
    ref: `deployment/${name}`,
  });
  return {
    status: 'diagnosed',
    summary:
      `The rollout of ${name} is paused half way: only ${updated} of ${desired} pod(s) run the new version ` +
      `(${current.images.join(', ')}); ${oldPods} still run the old one (${oldImages.join(', ')}) and serve most traffic.`,
    statement:
      `Deployment ${name} has spec.paused: true${since} (Progressing: DeploymentPaused), so its controller stopped ` +
      `replacing the old ReplicaSet: ${oldPods} pod(s) still run the previous version ` +
      `(${oldImages.join(', ')}) and only ${updated} the new one (${current.images.join(', ')}). ` +
      `Whatever the new version fixes or changes reaches only the requests those pods serve.`,
    confidence: 'high',
    fix:
      `Finish the rollout: kubectl rollout resume deployment/${name} -n ${facts.namespace} ` +
      `and watch it finish (kubectl rollout status deployment/${name} -n ${facts.namespace}); if the new version ` +
      `is not wanted after all, resume first, then roll back. Then find why the step that resumes it (a canary ` +
      `analysis, a promotion job) did not run.`,
    // The change to look for is one to the pausing (a canary script, a pipeline), not the one that
    // built the new version: that version is what the pause holds back.
    changeText: 'kubectl rollout pause paused',
    clues: ['rollout pause', 'paused: true'],
    objects: [workload],
  };
};
