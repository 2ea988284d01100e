import type { KubeObject } from './scenario-types.js';
import { badRequest } from './kube-status.js';

/** The query parameters of `GET .../pods/{name}/log` that change what is returned. */
export interface LogQuery {
  container: string | null;
  previous: boolean;
  tailLines: number | undefined;
  sinceSeconds: number | undefined;
  limitBytes: number | undefined;
}

function containerNames(pod: KubeObject, field: 'containers' | 'initContainers'): string[] {
  const spec = (pod as { spec?: Record<string, unknown> }).spec ?? {};
  const list = Array.isArray(spec[field]) ? (spec[field] as { name?: unknown }[]) : [];
  return list.map((c) => c.name).filter((n): n is string => typeof n === 'string');
}

/** A container that restarted has a previous log, even when the scenario did not record it. */
function restartCount(pod: KubeObject, container: string | null): number {
  const status = (pod as { status?: { containerStatuses?: { name?: string; restartCount?: number }[] } })
    .status;
  const found = (status?.containerStatuses ?? []).find((s) => s.name === container);
  return found?.restartCount ?? 0;
}

interface ContainerStatus {
  name?: string;
  restartCount?: number;
  state?: { waiting?: { reason?: string }; running?: unknown; terminated?: unknown };
  lastState?: { terminated?: unknown };
}

function statusOf(pod: KubeObject, container: string | null): ContainerStatus | undefined {
  const status = (pod as { status?: Record<string, unknown> }).status ?? {};
  const all = ['containerStatuses', 'initContainerStatuses'].flatMap((field) =>
    Array.isArray(status[field]) ? (status[field] as ContainerStatus[]) : [],
  );
  return all.find((s) => s.name === container);
}

/**
 * The kubelet's refusal to read a container that never ran (kubelet validateContainerLogStatus):
 * waiting, with no earlier instance to read, answers 400 `container "c" in pod "p" is waiting to
 * start: <reason>`. Statuses that do not say (hand-written scenarios) let the read go on.
 */
function refuseUnstartedContainer(pod: KubeObject, container: string | null): void {
  const status = statusOf(pod, container);
  const waiting = status?.state?.waiting;
  if (!status || !waiting || status.state?.running || status.state?.terminated) return;
  if (status.lastState?.terminated || (status.restartCount ?? 0) > 0) return;
  const where = `container "${container ?? ''}" in pod "${pod.metadata.name}"`;
  const reason = waiting.reason ?? '';
  const detail =
    reason === 'ErrImagePull'
      ? "image can't be pulled"
      : reason === 'ImagePullBackOff'
        ? 'trying and failing to pull image'
        : reason;
  throw badRequest(`${where} is waiting to start: ${detail}`);
}

function positiveInteger(name: string, value: string | null): number | undefined {
  if (value === null || value === '') return undefined;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0)
    throw badRequest(`${name}: Invalid value: "${value}": must be a non-negative integer`);
  return parsed;
}

/** Parse the log query, rejecting values the API server would reject. */
export function parseLogQuery(params: URLSearchParams): LogQuery {
  return {
    container: params.get('container') || null,
    previous: params.get('previous') === 'true',
    tailLines: positiveInteger('tailLines', params.get('tailLines')),
    sinceSeconds: positiveInteger('sinceSeconds', params.get('sinceSeconds')),
    limitBytes: positiveInteger('limitBytes', params.get('limitBytes')),
  };
}

// A leading timestamp such as `2026-11-20T14:29:01.123Z`, `[2026-11-20 14:29:01]` or with an offset.
const leadingTimestamp = /^\[?(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?)/;

function lineTime(line: string): number | undefined {
  const match = leadingTimestamp.exec(line);
  if (!match?.[1]) return undefined;
  let text = match[1].replace(' ', 'T').replace(',', '.');
  // Logs without a zone are taken as UTC, the norm for container logs.
  if (!/(Z|[+-]\d{2}:?\d{2})$/.test(text)) text += 'Z';
  const time = Date.parse(text.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
  return Number.isNaN(time) ? undefined : time;
}

/**
 * Keep lines from the last `sinceSeconds` before `now`. Lines without a timestamp (stack-trace
 * continuations) follow the line above them; with no timestamp at all, every line is kept.
 */
function sinceFilter(lines: string[], sinceSeconds: number, now: Date): string[] {
  const cutoff = now.getTime() - sinceSeconds * 1000;
  const times = lines.map(lineTime);
  const first = times.find((t) => t !== undefined);
  if (first === undefined) return lines;
  let keep = first >= cutoff;
  return lines.filter((_, index) => {
    const time = times[index];
    if (time !== undefined) keep = time >= cutoff;
    return keep;
  });
}

/**
 * The log text `GET .../pods/{name}/log` returns for a pod of the scenario, from `logs/`:
 * `<pod>[.<container>][.previous]`. Errors are 400s worded like the API server's.
 */
export function podLogText(
  pod: KubeObject,
  logs: Record<string, string>,
  query: LogQuery,
  now: Date,
): string {
  const podName = pod.metadata.name;
  const containers = containerNames(pod, 'containers');
  const initContainers = containerNames(pod, 'initContainers');
  let container = query.container;
  if (container === null) {
    if (containers.length > 1) {
      throw badRequest(
        `a container name must be specified for pod ${podName}, choose one of: [${containers.join(' ')}]`,
      );
    }
    container = containers[0] ?? null;
  } else if (!containers.includes(container) && !initContainers.includes(container)) {
    throw badRequest(`container ${container} is not valid for pod ${podName}`);
  }
  if (!query.previous) refuseUnstartedContainer(pod, container);
  // The file for the first container may omit the container name (logs/<pod>.log).
  const isFirst = container === null || container === containers[0];
  const suffix = query.previous ? '.previous' : '';
  const keys = [
    container ? `${podName}.${container}${suffix}` : undefined,
    isFirst ? `${podName}${suffix}` : undefined,
  ];
  const found = keys.find((key) => key !== undefined && key in logs);
  if (found === undefined && query.previous && restartCount(pod, container) === 0) {
    throw badRequest(`previous terminated container "${container ?? ''}" in pod "${podName}" not found`);
  }
  let text = found === undefined ? '' : (logs[found] ?? '');
  if (query.sinceSeconds !== undefined || query.tailLines !== undefined) {
    const endsWithNewline = text.endsWith('\n');
    let lines = text === '' ? [] : (endsWithNewline ? text.slice(0, -1) : text).split('\n');
    if (query.sinceSeconds !== undefined) lines = sinceFilter(lines, query.sinceSeconds, now);
    if (query.tailLines !== undefined) lines = query.tailLines === 0 ? [] : lines.slice(-query.tailLines);
    text = lines.length ? lines.join('\n') + (endsWithNewline ? '\n' : '') : '';
  }
  if (query.limitBytes !== undefined) text = Buffer.from(text).subarray(0, query.limitBytes).toString('utf8');
  return text;
}
