import type { V1Deployment, V1ReplicaSet } from '@kubernetes/client-node';

import type { KubernetesServerDeps } from './deps.js';
import { resolveServicePods } from './resolve-service.js';
import { bestServiceNameMatch, closestServiceNames } from './service-names.js';

export type DeploymentLookup =
  { found: true; deployment: V1Deployment; matchedBy: string } | { found: false; closest: string[] };

/**
 * The Deployment a name refers to, tolerant like `list_pods`: the exact name, else the closest
 * Deployment name (`cart-service` → `cartservice`), else the Deployment that owns the pods the
 * name resolves to (through a Service or a pod label). Throws only when listing fails.
 */
export async function findDeployment(
  deps: KubernetesServerDeps,
  namespace: string,
  name: string,
): Promise<DeploymentLookup> {
  const deployments = (await deps.apps.listNamespacedDeployment({ namespace })).items;
  const names = deployments.map((deployment) => deployment.metadata?.name ?? '');
  const byName = (wanted: string) => deployments.find((d) => d.metadata?.name === wanted);
  const exact = byName(name);
  if (exact) return { found: true, deployment: exact, matchedBy: 'name' };
  const close = bestServiceNameMatch(name, names);
  const closeDeployment = close ? byName(close) : undefined;
  if (closeDeployment) return { found: true, deployment: closeDeployment, matchedBy: `name ${close}` };

  const resolved = await resolveServicePods(deps, namespace, name);
  const pod = resolved.pods.find((p) => p.metadata?.ownerReferences?.some((o) => o.kind === 'ReplicaSet'));
  const replicaSetName = pod?.metadata?.ownerReferences?.find((o) => o.kind === 'ReplicaSet')?.name;
  if (replicaSetName) {
    const replicaSets = await listReplicaSets(deps, namespace);
    const owner = replicaSets
      .find((rs) => rs.metadata?.name === replicaSetName)
      ?.metadata?.ownerReferences?.find((o) => o.kind === 'Deployment')?.name;
    const owned = owner ? byName(owner) : undefined;
    if (owned)
      return { found: true, deployment: owned, matchedBy: `${resolved.matchedBy}, owner of its pods` };
  }
  return { found: false, closest: closestServiceNames(name, names) };
}

/** The ReplicaSets of a namespace; `get_deployment` reads its rollout history from them. */
export async function listReplicaSets(
  deps: KubernetesServerDeps,
  namespace: string,
): Promise<V1ReplicaSet[]> {
  return (await deps.apps.listNamespacedReplicaSet({ namespace })).items;
}

/** The ReplicaSets a Deployment controls, matched by owner uid when known, else by owner name. */
export function ownedReplicaSets(
  deployment: V1Deployment,
  replicaSets: readonly V1ReplicaSet[],
): V1ReplicaSet[] {
  const uid = deployment.metadata?.uid;
  const name = deployment.metadata?.name;
  return replicaSets.filter((rs) =>
    rs.metadata?.ownerReferences?.some(
      (owner) => owner.kind === 'Deployment' && (uid && owner.uid ? owner.uid === uid : owner.name === name),
    ),
  );
}
