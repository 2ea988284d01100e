import type { ContainerSummary, PodSummary } from './pod-summary.js';

/** The pods as lines a model reads quickly: one line a pod, indented lines per container and condition. */
export function renderPods(pods: PodSummary[]): string[] {
  return pods.flatMap((pod) => [
    podLine(pod),
    `  labels: ${formatMap(pod.labels) || '(none)'}`,
    ...pod.containers.flatMap(containerLines),
    ...pod.conditions.map(
      (c) =>
        `  condition ${c.type}=${c.status}${c.reason ? ` ${c.reason}` : ''}${c.message ? `: ${c.message}` : ''}`,
    ),
  ]);
}

function podLine(pod: PodSummary): string {
  const facts = [
    pod.phase + (pod.reason ? ` (${pod.reason}${pod.message ? `: ${pod.message}` : ''})` : ''),
    `ready ${pod.ready}`,
    `restarts ${pod.restarts}`,
    pod.node ? `node ${pod.node}` : undefined,
    pod.podIP ? `IP ${pod.podIP}` : undefined,
    pod.startTime ? `started ${pod.startTime}${pod.age ? ` (age ${pod.age})` : ''}` : undefined,
  ];
  return `pod ${pod.name}: ${facts.filter(Boolean).join(', ')}`;
}

function containerLines(container: ContainerSummary): string[] {
  const state = [
    container.state,
    container.reason,
    container.exitCode !== undefined ? `exit ${container.exitCode}` : undefined,
    container.startedAt ? `since ${container.startedAt}` : undefined,
  ].filter(Boolean);
  const lines = [
    `  ${container.init ? 'init container' : 'container'} ${container.name} (${container.image}): ` +
      `${state.join(' ')}${container.message ? ` — ${container.message}` : ''}; ` +
      `ready=${container.ready} restarts=${container.restartCount}`,
  ];
  const last = container.lastTermination;
  if (last) {
    lines.push(
      `    last terminated: ${last.reason} exit ${last.exitCode}` +
        `${last.finishedAt ? ` at ${last.finishedAt}` : ''}${last.message ? ` — ${last.message}` : ''}`,
    );
  }
  const { requests, limits } = container.resources ?? {};
  if (requests || limits) {
    lines.push(`    resources: requests ${formatMap(requests) || '-'}; limits ${formatMap(limits) || '-'}`);
  }
  return lines;
}

function formatMap(map: Record<string, string> | undefined): string {
  return Object.entries(map ?? {})
    .map(([key, value]) => `${key}=${value}`)
    .join(', ');
}
