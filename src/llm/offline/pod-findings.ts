import { describeSignal, exitSignal } from './exit-signals.js';
import type { PodInfo } from './tool-data.js';

/** `139: segmentation fault (SIGSEGV)`: a crash signal reads as what it is, not a bare number. */
function exitCodeWords(code: number): string {
  const signal = exitSignal(code);
  return signal?.native ? `${code}: ${describeSignal(signal)}` : String(code);
}

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
    const label = c.init ? `init container ${c.name}` : `container ${c.name}`;
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
        detail: `${label} is waiting: ${c.reason}${c.message ? ` (${c.message})` : ''}`,
        rank: WAITING_RANK[c.reason] ?? 3,
      });
    }
    if (c.lastTermination?.reason || (c.restartCount ?? 0) > 0) {
      const t = c.lastTermination;
      problems.push({
        pod: pod.name,
        container: c.name,
        reason: t?.reason ?? 'Restarted',
        detail: `${label} restarted ${c.restartCount ?? '?'} times; last termination ${t?.reason ?? 'unknown'}${
          t?.exitCode !== undefined ? ` (exit code ${exitCodeWords(t.exitCode)})` : ''
        }${t?.finishedAt ? ` at ${t.finishedAt}` : ''}`,
        rank: t?.reason === 'OOMKilled' ? 0 : 4,
      });
    }
    if (c.state === 'terminated' && c.exitCode !== undefined && c.exitCode !== 0 && !c.lastTermination) {
      // A container that ran once and failed (restartPolicy Never, a Job's pod): no restarts to count.
      problems.push({
        pod: pod.name,
        container: c.name,
        reason: c.reason ?? 'Error',
        detail: `${label} terminated: ${c.reason ?? 'Error'} (exit code ${exitCodeWords(c.exitCode)})${c.finishedAt ? ` at ${c.finishedAt}` : ''}`,
        rank: 3,
      });
    }
    if (c.state === 'running' && c.ready === false && !c.init) {
      problems.push({
        pod: pod.name,
        container: c.name,
        reason: 'NotReady',
        detail: `${label} is running but not ready`,
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
