import type { CoreV1Event } from '@kubernetes/client-node';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';

import { readOnlyToolAnnotations, toolError, toolResult } from '../tool-result.js';
import { describeKubernetesError } from './api-error.js';
import type { KubernetesServerDeps } from './deps.js';
import { resolveNamespace } from './namespace-scope.js';
import { isoTime } from './pod-summary.js';

const defaultLimit = 50;

export interface EventSummary {
  type: string;
  reason: string;
  /** `Kind/name` of the object the event is about. */
  object: string;
  message: string;
  count: number;
  firstTimestamp?: string;
  lastTimestamp?: string;
}

/** The structured answer of `list_events`. */
export interface ListEventsOutput {
  namespace: string;
  events: EventSummary[];
}

/** Registers `list_events`: what Kubernetes itself recorded (scheduling, pulls, probes, kills, back-offs). */
export function registerListEventsTool(server: McpServer, deps: KubernetesServerDeps): void {
  server.registerTool(
    'list_events',
    {
      title: 'List Kubernetes events',
      description:
        'Returns recent Kubernetes events of a namespace, newest first: type (Warning/Normal), reason ' +
        '(e.g. BackOff, Unhealthy, OOMKilling, FailedScheduling, Pulled), the object, message and count. ' +
        'Use it to see why pods restart, fail probes or cannot start. objectName filters to one object; a ' +
        'workload name such as "cartservice" also matches the events of its pods and replica sets.',
      inputSchema: {
        namespace: z
          .string()
          .optional()
          .describe("Kubernetes namespace; omit to use the server's default namespace."),
        objectName: z
          .string()
          .optional()
          .describe('Only events about this object, or objects whose name starts with it plus "-".'),
        objectKind: z.string().optional().describe('Only events about objects of this kind, e.g. "Pod".'),
        limit: z
          .number()
          .int()
          .min(1)
          .max(500)
          .optional()
          .describe(`At most this many events, newest first (default ${defaultLimit}).`),
      },
      annotations: readOnlyToolAnnotations,
    },
    async ({ namespace: requested, objectName, objectKind, limit }) => {
      const scope = resolveNamespace(deps.namespaces, requested);
      if (!scope.ok) return scope.result;
      const { namespace } = scope;
      let items: CoreV1Event[];
      try {
        items = (await deps.core.listNamespacedEvent({ namespace })).items;
      } catch (error) {
        return toolError(
          `Could not list events in namespace '${namespace}': ${describeKubernetesError(error)}`,
        );
      }
      // Filtered here rather than by field selector: a name prefix cannot be expressed as one.
      const matching = items.filter((event) => {
        const involved = event.involvedObject;
        const kindMatches = !objectKind || involved.kind?.toLowerCase() === objectKind.toLowerCase();
        const name = involved.name ?? '';
        const nameMatches = !objectName || name === objectName || name.startsWith(`${objectName}-`);
        return kindMatches && nameMatches;
      });
      const events = matching
        .map((event) => ({ event, at: eventTime(event) }))
        .sort((a, b) => b.at - a.at)
        .slice(0, limit ?? defaultLimit)
        .map(({ event }) => summariseEvent(event));
      const warnings = events.filter((event) => event.type === 'Warning').length;
      const scopeText = [objectKind, objectName].filter(Boolean).join(' ');
      const summary =
        `${warnings} Warning and ${events.length - warnings} Normal event(s) in namespace ${namespace}` +
        `${scopeText ? ` for ${scopeText}` : ''}, newest first` +
        (matching.length > events.length ? ` (showing ${events.length} of ${matching.length})` : '') +
        (events.length === 0 ? '. Events expire after about an hour, so none may remain.' : ':');
      const lines = events.map(
        (e) => `${e.lastTimestamp ?? '-'} ${e.type} ${e.reason} ${e.object} x${e.count}: ${e.message}`,
      );
      const output: ListEventsOutput = { namespace, events };
      return toolResult([summary, ...lines].join('\n'), output);
    },
  );
}

/** The moment an event last happened, in ms; whichever timestamp the producer filled in. */
function eventTime(event: CoreV1Event): number {
  const when =
    isoTime(event.lastTimestamp) ??
    isoTime(event.series?.lastObservedTime) ??
    isoTime(event.eventTime) ??
    isoTime(event.firstTimestamp) ??
    isoTime(event.metadata.creationTimestamp);
  return when ? Date.parse(when) : 0;
}

function summariseEvent(event: CoreV1Event): EventSummary {
  const first = isoTime(event.firstTimestamp) ?? isoTime(event.eventTime);
  const last = isoTime(event.lastTimestamp) ?? isoTime(event.series?.lastObservedTime) ?? first;
  return {
    type: event.type ?? 'Normal',
    reason: event.reason ?? '',
    object: `${event.involvedObject.kind ?? 'Object'}/${event.involvedObject.name ?? ''}`,
    message: (event.message ?? '').trim(),
    count: event.count ?? event.series?.count ?? 1,
    ...(first ? { firstTimestamp: first } : {}),
    ...(last ? { lastTimestamp: last } : {}),
  };
}
