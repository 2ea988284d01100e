import type { PodInfo } from './tool-data.js';

/** A problem visible in a pod's status, ranked so that the most telling one leads the report. */
export interface PodProblem {
  pod: string;
  container?: string;
  reason: string;
  detail: string;
  /** Lower ranks first. */
  rank: number;
}

const WAITING_RANK: Record<string, number> = {
  CrashLoopBackOff: 2,
  ImagePullBackOff: 1,
  ErrImagePull: 1,
  InvalidImageName: 1,
  CreateContainerConfigError: 1,
  CreateContainerError: 1,
  RunContainerError: 2,
};

/** Read the problems a pod's status shows: waiting reasons, last terminations, restarts, readiness, scheduling. */
export function podProblems(pod: PodInfo): PodProblem[] {
  const problems: PodProblem[] = [];
  for (const c of pod.containers) {
    if (
      c.state === 'waiting' &&
      c.reason &&
      c.reason !== 'ContainerCreating' &&
      c.reason !== 'PodInitializing'
    ) {
      problems.push({
        pod: pod.name,
        container: c.name,
        reason: c.reason,
        detail: `container ${c.name} is waiting: ${c.reason}${c.message ? ` (${c.message})` : ''}`,
        rank: WAITING_RANK[c.reason] ?? 3,
      });
    }
    if (c.lastTermination?.reason || (c.restartCount ?? 0) > 0) {
      const t = c.lastTermination;
      problems.push({
        pod: pod.name,
        container: c.name,
        reason: t?.reason ?? 'Restarted',
        detail: `container ${c.name} restarted ${c.restartCount ?? '?'} times; last termination ${t?.reason ?? 'unknown'}${
          t?.exitCode !== undefined ? ` (exit code ${t.exitCode})` : ''
        }${t?.finishedAt ? ` at ${t.finishedAt}` : ''}`,
        rank: t?.reason === 'OOMKilled' ? 0 : 4,
      });
    }
    if (c.state === 'running' && c.ready === false) {
      problems.push({
        pod: pod.name,
        container: c.name,
        reason: 'NotReady',
        detail: `container ${c.name} is running but not ready`,
        rank: 5,
      });
    }
  }
  if (pod.phase === 'Pending' && !problems.length) {
    const unscheduled = pod.conditions.find((c) => c.type === 'PodScheduled' && c.status === 'False');
    problems.push({
      pod: pod.name,
      reason: unscheduled?.reason ?? 'Pending',
      detail: `pod is Pending${unscheduled?.message ? `: ${unscheduled.message}` : ''}`,
      rank: 1,
    });
  }
  if (pod.phase === 'Failed')
    problems.push({ pod: pod.name, reason: 'Failed', detail: 'pod phase is Failed', rank: 3 });
  return problems.sort((a, b) => a.rank - b.rank);
}
