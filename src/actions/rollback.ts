import type { AppsV1Api, V1Deployment, V1PodTemplateSpec, V1ReplicaSet } from '@kubernetes/client-node';
import { describeKubernetesError, kubernetesStatusCode } from '../servers/kubernetes/api-error.js';

// The write path: the only code in the agent that changes a cluster. It is host-only — no MCP
// tool wraps it, so no model can be offered it — and is called by the approval handler after a
// listed human's signed click, and by `sre-agent rollback` after --yes.

const revisionAnnotation = 'deployment.kubernetes.io/revision';
const hashLabel = 'pod-template-hash';

/** The Kubernetes calls a rollback needs, and no others (deploy/kubernetes/rbac-actions.yaml). */
export type RollbackApi = Pick<
  AppsV1Api,
  'readNamespacedDeployment' | 'listNamespacedReplicaSet' | 'patchNamespacedDeployment'
>;

/** Why a rollback cannot be made; every one changes nothing. */
export type RollbackProblem =
  'not-found' | 'no-previous-revision' | 'stale' | 'same-template' | 'paused' | 'api';

/** A refused or failed rollback, with a one-line message a person can act on. */
export class RollbackError extends Error {
  override readonly name = 'RollbackError';
  constructor(
    readonly problem: RollbackProblem,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** What a rollback would change, read from the cluster. */
export interface RollbackPlan {
  namespace: string;
  deployment: string;
  fromRevision: number;
  toRevision: number;
  /** The images of the revision rolled back to. */
  images: string[];
  /** The Deployment's resourceVersion the plan was read at: the write is conditional on it. */
  resourceVersion: string;
  /** The target ReplicaSet's pod template, without its `pod-template-hash` label. */
  template: V1PodTemplateSpec;
  /** The `pod-template-hash` of the ReplicaSet the current revision runs, to find its pods. */
  currentTemplateHash?: string;
}

function revisionOf(object: { metadata?: { annotations?: Record<string, string> } }): number | null {
  const value = Number.parseInt(object.metadata?.annotations?.[revisionAnnotation] ?? '', 10);
  return Number.isNaN(value) ? null : value;
}

function apiFailure(error: unknown, what: string): RollbackError {
  if (kubernetesStatusCode(error) === 404)
    return new RollbackError('not-found', `${what} not found`, { cause: error });
  if (kubernetesStatusCode(error) === 409)
    return new RollbackError('stale', `${what} changed while rolling back; nothing was changed`, {
      cause: error,
    });
  return new RollbackError('api', `${what}: ${describeKubernetesError(error)}`, { cause: error });
}

/** The ReplicaSets the Deployment owns (by controller owner reference, as the controller does). */
function ownedReplicaSets(deployment: V1Deployment, replicaSets: readonly V1ReplicaSet[]): V1ReplicaSet[] {
  const uid = deployment.metadata?.uid;
  return replicaSets.filter((rs) =>
    (rs.metadata?.ownerReferences ?? []).some(
      (o) => o.controller && o.kind === 'Deployment' && o.uid === uid,
    ),
  );
}

/**
 * Plan the rollback of `deployment` to `toRevision`, or to the revision before the current one,
 * like `kubectl rollout undo`: the target is the ReplicaSet carrying that revision annotation.
 */
export async function planRollback(
  api: RollbackApi,
  target: { namespace: string; deployment: string; toRevision?: number },
): Promise<RollbackPlan> {
  const { namespace, deployment: name } = target;
  const what = `deployment ${namespace}/${name}`;
  let deployment: V1Deployment;
  let replicaSets: V1ReplicaSet[];
  try {
    deployment = await api.readNamespacedDeployment({ name, namespace });
    const selector = deployment.spec?.selector?.matchLabels ?? {};
    const labelSelector = Object.entries(selector)
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
    replicaSets = (
      await api.listNamespacedReplicaSet({ namespace, ...(labelSelector ? { labelSelector } : {}) })
    ).items;
  } catch (error) {
    throw apiFailure(error, what);
  }
  // As `kubectl rollout undo` does: a paused Deployment would take the old template and not roll it out.
  if (deployment.spec?.paused)
    throw new RollbackError(
      'paused',
      `${what} is paused: resume it first (kubectl rollout resume deployment/${name} -n ${namespace}); nothing was changed`,
    );
  const current = revisionOf(deployment);
  if (current === null)
    throw new RollbackError('no-previous-revision', `${what} has no revision annotation yet`);
  const owned = ownedReplicaSets(deployment, replicaSets);
  const currentHash = owned.find((rs) => revisionOf(rs) === current)?.metadata?.labels?.[hashLabel];
  const history = owned
    .map((rs) => ({ rs, revision: revisionOf(rs) }))
    .filter((r): r is { rs: V1ReplicaSet; revision: number } => r.revision !== null && r.revision !== current)
    .sort((a, b) => b.revision - a.revision);
  const chosen =
    target.toRevision !== undefined ? history.find((r) => r.revision === target.toRevision) : history[0];
  if (!chosen) {
    throw new RollbackError(
      'no-previous-revision',
      target.toRevision !== undefined
        ? `${what} has no ReplicaSet for revision ${target.toRevision} (revisions: ${history.map((r) => r.revision).join(', ') || 'none but the current'})`
        : `${what} has no earlier revision to roll back to`,
    );
  }
  const template = structuredClone(chosen.rs.spec?.template ?? {});
  if (template.metadata?.labels) {
    const { [hashLabel]: _hash, ...labels } = template.metadata.labels;
    template.metadata = { ...template.metadata, labels };
  }
  return {
    namespace,
    deployment: name,
    fromRevision: current,
    toRevision: chosen.revision,
    images: (template.spec?.containers ?? []).map((c) => c.image ?? ''),
    resourceVersion: deployment.metadata?.resourceVersion ?? '',
    template,
    ...(currentHash ? { currentTemplateHash: currentHash } : {}),
  };
}

/**
 * Set the Deployment's pod template to the plan's, conditional on the resourceVersion the plan
 * was read at (a merge patch carrying it is a precondition: 409 when anything changed since).
 * `dryRun` asks the API server to check the change completely and store nothing.
 */
export async function applyRollback(
  api: RollbackApi,
  plan: RollbackPlan,
  options: { dryRun: boolean },
): Promise<V1Deployment> {
  const body = {
    metadata: { resourceVersion: plan.resourceVersion },
    // `$patch: replace`: the template becomes exactly the old one, not a merge of both.
    spec: { template: { $patch: 'replace', ...plan.template } },
  };
  // Loaded here, on the write path only: a diagnosis plans rollbacks but never applies one.
  const { PatchStrategy, setHeaderOptions } = await import('@kubernetes/client-node');
  try {
    return await api.patchNamespacedDeployment(
      {
        name: plan.deployment,
        namespace: plan.namespace,
        body,
        fieldManager: 'sre-agent',
        ...(options.dryRun ? { dryRun: 'All' } : {}),
      },
      setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
    );
  } catch (error) {
    throw apiFailure(error, `deployment ${plan.namespace}/${plan.deployment}`);
  }
}

/** `frontend to revision 14 (…/frontend:v0.10.3)`, for buttons, replies and the terminal. */
export function describeTarget(plan: Pick<RollbackPlan, 'deployment' | 'toRevision' | 'images'>): string {
  const images = plan.images.filter(Boolean);
  return `${plan.deployment} to revision ${plan.toRevision}${images.length ? ` (${images.join(', ')})` : ''}`;
}
