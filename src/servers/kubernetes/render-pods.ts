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
    pod.ownerKind ? `owner ${pod.ownerKind}/${pod.ownerName ?? ''}` : undefined,
    pod.startTime ? `started ${pod.startTime}${pod.age ? ` (age ${pod.age})` : ''}` : undefined,
    pod.terminating
      ? `Terminating since ${pod.terminating.since}` +
        (pod.terminating.finalizers.length ? ` (finalizers: ${pod.terminating.finalizers.join(', ')})` : '')
      : undefined,
  ];
  return `pod ${pod.name}: ${facts.filter(Boolean).join(', ')}`;
}

function containerLines(container: ContainerSummary): string[] {
  const state = [
    container.state,
    container.reason,
    container.exitCode !== undefined ? exitText(container.exitCode) : undefined,
    container.startedAt ? `since ${container.startedAt}` : undefined,
    container.finishedAt ? `finished ${container.finishedAt}` : undefined,
  ].filter(Boolean);
  const lines = [
    `  ${container.init ? 'init container' : 'container'} ${container.name} (${container.image}${pulledDigest(container)}): ` +
      `${state.join(' ')}${container.message ? ` — ${container.message}` : ''}; ` +
      `ready=${container.ready} restarts=${container.restartCount}`,
  ];
  const last = container.lastTermination;
  if (last) {
    lines.push(
      `    last terminated: ${last.reason} ${exitText(last.exitCode)}` +
        `${last.finishedAt ? ` at ${last.finishedAt}` : ''}${last.message ? ` — ${last.message}` : ''}`,
    );
  }
  const { requests, limits } = container.resources;
  lines.push(
    `    resources: requests ${formatMap(requests) || 'none'}; limits ${formatMap(limits) || 'none'}`,
  );
  return lines;
}

/**
 * The digest the tag resolved to, shortened as registries show it: two pods on one tag with
 * different digests run different builds (a re-pushed tag). Nothing when the image is pinned.
 */
function pulledDigest(container: ContainerSummary): string {
  const digest = /sha256:[0-9a-f]{12}/.exec(container.imageID ?? '')?.[0];
  return digest && !container.image.includes('@') ? `, pulled ${digest}` : '';
}

/** Exit codes above 128 are 128 + the signal that killed the process; naming it saves a lookup. */
const signalNames: Record<number, string> = { 6: 'SIGABRT', 9: 'SIGKILL', 11: 'SIGSEGV', 15: 'SIGTERM' };

function exitText(exitCode: number): string {
  const signal = exitCode > 128 ? signalNames[exitCode - 128] : undefined;
  return `exit ${exitCode}${signal ? ` (${signal})` : ''}`;
}

function formatMap(map: Record<string, string> | undefined): string {
  return Object.entries(map ?? {})
    .map(([key, value]) => `${key}=${value}`)
    .join(', ');
}
