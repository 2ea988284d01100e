import type { V1Deployment } from '@kubernetes/client-node';
import { errorMessage } from '../errors/errors.js';
import type { RollbackApi } from './rollback.js';

/** How long to follow a rollout after the change, and how often to look. */
export interface RolloutFollow {
  timeoutMs: number;
  intervalMs: number;
}

/** A few minutes, as the issue asks: long enough for a small Deployment, short enough to answer. */
export const DEFAULT_FOLLOW: RolloutFollow = { timeoutMs: 5 * 60_000, intervalMs: 5_000 };

/**
 * Whether a rollout is done, stuck, or still going, by the rules `kubectl rollout status` applies
 * (kubectl/pkg/polymorphichelpers/rollout_status.go): the controller saw the change, every
 * replica is updated and available, no old one is left; a `Progressing` condition with reason
 * `ProgressDeadlineExceeded` means stuck.
 */
export function rolloutState(deployment: V1Deployment): {
  state: 'complete' | 'stuck' | 'progressing';
  detail: string;
} {
  const spec = deployment.spec?.replicas ?? 1;
  const status = deployment.status ?? {};
  const generation = deployment.metadata?.generation ?? 0;
  const progressing = (status.conditions ?? []).find((c) => c.type === 'Progressing');
  if (progressing?.reason === 'ProgressDeadlineExceeded')
    return {
      state: 'stuck',
      detail: `the Deployment reports ProgressDeadlineExceeded (${progressing.message ?? ''})`,
    };
  const updated = status.updatedReplicas ?? 0;
  const available = status.availableReplicas ?? 0;
  const total = status.replicas ?? 0;
  if (
    (status.observedGeneration ?? 0) >= generation &&
    updated >= spec &&
    total <= updated &&
    available >= updated
  )
    return { state: 'complete', detail: `${available} of ${spec} replicas updated and available` };
  return { state: 'progressing', detail: `${updated} of ${spec} replicas updated, ${available} available` };
}

/**
 * Follow the Deployment until its rollout completes or sticks, or the time is up (which counts as
 * stuck: a person should look). Never throws.
 */
export async function followRollout(
  api: Pick<RollbackApi, 'readNamespacedDeployment'>,
  target: { namespace: string; deployment: string },
  follow: RolloutFollow,
): Promise<{ state: 'complete' | 'stuck'; detail: string }> {
  const deadline = Date.now() + follow.timeoutMs;
  let last = 'no status read yet';
  for (;;) {
    try {
      const deployment = await api.readNamespacedDeployment({
        name: target.deployment,
        namespace: target.namespace,
      });
      const state = rolloutState(deployment);
      if (state.state !== 'progressing') return { state: state.state, detail: state.detail };
      last = state.detail;
    } catch (error) {
      last = `the Deployment could not be read: ${errorMessage(error)}`;
    }
    if (Date.now() + follow.intervalMs > deadline)
      return {
        state: 'stuck',
        detail: `still not done after ${Math.round(follow.timeoutMs / 1000)} s: ${last}`,
      };
    await new Promise((resolve) => setTimeout(resolve, follow.intervalMs).unref());
  }
}
