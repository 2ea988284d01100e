import type { V1Deployment, V1ReplicaSet } from '@kubernetes/client-node';

import { isoTime } from './pod-summary.js';

const revisionAnnotation = 'deployment.kubernetes.io/revision';
const changeCauseAnnotation = 'kubernetes.io/change-cause';

/** One rollout of a Deployment, read from the ReplicaSet that carried it. */
export interface RolloutRevision {
  /** `deployment.kubernetes.io/revision`; null when the ReplicaSet has none. */
  revision: number | null;
  replicaSet: string;
  images: string[];
  createdAt?: string;
  replicas: number;
  readyReplicas: number;
  /** The revision the Deployment currently runs. */
  current: boolean;
  /** `kubernetes.io/change-cause`, when whoever rolled out recorded one. */
  changeCause?: string;
}

/** The rollout history of a Deployment from its ReplicaSets, newest first, like `kubectl rollout history`. */
export function rolloutHistory(
  deployment: V1Deployment,
  replicaSets: readonly V1ReplicaSet[],
): RolloutRevision[] {
  const currentRevision = deployment.metadata?.annotations?.[revisionAnnotation];
  const revisions = replicaSets.map((rs): RolloutRevision => {
    const annotations = rs.metadata?.annotations ?? {};
    const revision = Number.parseInt(annotations[revisionAnnotation] ?? '', 10);
    const createdAt = isoTime(rs.metadata?.creationTimestamp);
    const changeCause = annotations[changeCauseAnnotation];
    return {
      revision: Number.isNaN(revision) ? null : revision,
      replicaSet: rs.metadata?.name ?? '',
      images: (rs.spec?.template?.spec?.containers ?? []).map((container) => container.image ?? ''),
      ...(createdAt ? { createdAt } : {}),
      replicas: rs.status?.replicas ?? 0,
      readyReplicas: rs.status?.readyReplicas ?? 0,
      current: currentRevision !== undefined && annotations[revisionAnnotation] === currentRevision,
      ...(changeCause ? { changeCause } : {}),
    };
  });
  return revisions.sort(
    (a, b) =>
      (b.revision ?? -1) - (a.revision ?? -1) ||
      Date.parse(b.createdAt ?? '') - Date.parse(a.createdAt ?? '') ||
      0,
  );
}

/** One line per revision: `revision 3 (current) rs orders-7f9c… created <t>: image …; 2 pods, 0 ready`. */
export function renderRevision(revision: RolloutRevision): string {
  return (
    `  revision ${revision.revision ?? '?'}${revision.current ? ' (current)' : ''} ${revision.replicaSet}` +
    `${revision.createdAt ? ` created ${revision.createdAt}` : ''}: image ${revision.images.join(', ') || '?'}; ` +
    `${revision.replicas} pod(s), ${revision.readyReplicas} ready` +
    (revision.changeCause ? `; cause: ${revision.changeCause}` : '')
  );
}
