import { quote } from '../quote.js';
import type { Rule } from './verdict.js';

/**
 * A Job's pod whose work is done but whose pod is not: one container exited 0 and another (a
 * proxy, a log shipper, a mesh sidecar) keeps running, so the pod never succeeds and the Job never
 * completes. Before native sidecars (init containers with restartPolicy: Always, Kubernetes 1.29+)
 * nothing stops a regular container when the main one ends.
 */
export const jobSidecarRule: Rule = async (ctx, facts) => {
  const jobPods = facts.listing.pods.filter((p) => p.ownerKind === 'Job' && p.phase === 'Running');
  for (const pod of jobPods) {
    const main = pod.containers.filter((c) => !c.init);
    const done = main.find((c) => c.state === 'terminated' && c.exitCode === 0);
    const still = main.filter((c) => c.state === 'running');
    if (!done || !still.length) continue;
    const since = done.finishedAt ? Date.parse(done.finishedAt) : NaN;
    const minutes = Number.isNaN(since) ? undefined : Math.round((ctx.now.getTime() - since) / 60_000);
    const names = still.map((c) => `${c.name}${c.image ? ` (${c.image})` : ''}`).join(', ');
    ctx.casebook.evidence.unshift({
      source: 'kubernetes',
      detail: `Pod ${pod.name} (Job ${pod.ownerName}): container ${done.name} terminated Completed (exit 0)${done.finishedAt ? ` at ${done.finishedAt}` : ''}; container(s) ${names} still running`,
      ref: `pod/${pod.name}`,
    });
    const proxyLike = still.some((c) =>
      /proxy|istio|envoy|linkerd|sidecar|agent|fluent|vector|otel/i.test(`${c.name} ${c.image ?? ''}`),
    );
    return {
      status: 'diagnosed',
      summary: `Job ${pod.ownerName} never completes: its work container ${done.name} finished (exit 0)${minutes !== undefined ? ` ${minutes} min ago` : ''}, but the sidecar container ${still.map((c) => c.name).join(', ')} keeps running, so the pod never succeeds.`,
      statement: `In pod ${pod.name}, container ${done.name} exited 0 but ${names} ${still.length > 1 ? 'are' : 'is'} still running. A Job completes only when its pod succeeds, which needs every regular container to exit; a ${proxyLike ? 'proxy or agent ' : ''}sidecar that runs forever holds the pod in Running, so the Job (and whatever waits on it) never completes.${pod.message ? ` ${quote(pod.message, 160)}` : ''}`,
      confidence: 'high',
      fix: `Run ${still.map((c) => c.name).join(', ')} as a native sidecar (move it to initContainers with restartPolicy: Always, Kubernetes 1.29+), which the kubelet stops when ${done.name} ends; or have ${done.name} tell it to quit when done (e.g. the proxy's quit endpoint or a shared-volume signal). To unblock now, delete the pod's sidecar process or the pod once the output is verified.`,
      objects: pod.ownerName ? [{ kind: 'Job', name: pod.ownerName }] : [],
      clues: still.map((c) => c.name),
    };
  }
  return null;
};
