import type { CoreV1Event } from '@kubernetes/client-node';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';

import { readOnlyToolAnnotations, toolError, toolResult } from '../tool-result.js';
import { describeKubernetesError } from './api-error.js';
import type { KubernetesServerDeps } from './deps.js';
import { collapseEvents, renderEvent, type EventSummary } from './event-groups.js';
import { resolveNamespace } from './namespace-scope.js';

export type { EventSummary } from './event-groups.js';

const defaultLimit = 50;

/** Where Node events live: they are cluster-scoped, and the kubelet records them in `default`. */
const nodeEventNamespace = 'default';

/** Node events of type Normal that still signal trouble (the node controller files these as Normal). */
const notableNodeReasons = new Set([
  'NodeNotReady',
  'NodeHasInsufficientMemory',
  'NodeHasDiskPressure',
  'NodeHasInsufficientPID',
  'NodeNotSchedulable',
]);

/** The structured answer of `list_events`. */
export interface ListEventsOutput {
  namespace: string;
  /** Collapsed event lines, newest first, at most `limit`. */
  events: EventSummary[];
  /** How many lines matched before `limit` cut them. */
  matched: number;
  /** True when Node events (cluster-scoped) were read and merged in. */
  includesNodeEvents: boolean;
  notes?: string[];
}

/** Registers `list_events`: what Kubernetes itself recorded (scheduling, pulls, probes, kills, back-offs). */
export function registerListEventsTool(server: McpServer, deps: KubernetesServerDeps): void {
  server.registerTool(
    'list_events',
    {
      title: 'List Kubernetes events',
      description:
        'Kubernetes events, newest first, repeats merged with their count: `<time> <type> <reason> ' +
        '<Kind/name> x<count>: <message>`. Without objectName: the namespace plus Node warnings. Events are ' +
        'history (they expire after about an hour): check the current state before blaming one.',
      inputSchema: {
        namespace: z.string().optional().describe("Namespace; default: the server's first."),
        objectName: z
          .string()
          .optional()
          .describe('Only events about this object, or objects whose name starts with it plus "-".'),
        objectKind: z
          .string()
          .optional()
          .describe('Only events about objects of this kind, e.g. "Pod", "Deployment", "Node".'),
        type: z.enum(['Warning', 'Normal']).optional().describe('Only Warning or only Normal events.'),
        limit: z
          .number()
          .int()
          .min(1)
          .max(500)
          .optional()
          .describe(`At most this many lines, newest first (default ${defaultLimit}).`),
      },
      annotations: readOnlyToolAnnotations,
    },
    async ({ namespace: requested, objectName, objectKind, type, limit }) => {
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
      const kind = objectKind?.toLowerCase();
      const namespaceView = !objectName && !kind;
      const wantsNodes = namespaceView || kind === 'node';
      const notes: string[] = [];
      if (wantsNodes && namespace !== nodeEventNamespace) {
        items = [...items, ...(await readNodeEvents(deps, notes))];
      }
      // Filtered here rather than by field selector: a name prefix cannot be expressed as one.
      const filter = { namespace, namespaceView, kind, objectName, type };
      const matching = items.filter((event) => keepEvent(event, filter));
      const collapsed = collapseEvents(matching);
      const events = collapsed.slice(0, limit ?? defaultLimit);
      const output: ListEventsOutput = {
        namespace,
        events,
        matched: collapsed.length,
        includesNodeEvents: wantsNodes,
        ...(notes.length > 0 ? { notes } : {}),
      };
      return toolResult(
        [headline(output, objectKind, objectName), ...events.map(renderEvent), ...notes].join('\n'),
        output,
      );
    },
  );
}

interface EventFilter {
  namespace: string;
  namespaceView: boolean;
  kind: string | undefined;
  objectName: string | undefined;
  type: string | undefined;
}

function keepEvent(event: CoreV1Event, filter: EventFilter): boolean {
  const involved = event.involvedObject;
  const isNode = involved.kind === 'Node';
  // Scope: only Node events (cluster-scoped) may come from outside the namespace.
  if (event.metadata.namespace !== filter.namespace && !isNode) return false;
  // In the namespace view, only the Node events that signal trouble.
  const notable = event.type === 'Warning' || notableNodeReasons.has(event.reason ?? '');
  if (isNode && filter.namespaceView && !notable) return false;
  if (filter.kind && involved.kind?.toLowerCase() !== filter.kind) return false;
  const name = involved.name ?? '';
  const { objectName } = filter;
  if (objectName && name !== objectName && !name.startsWith(`${objectName}-`)) return false;
  return !filter.type || (event.type ?? 'Normal') === filter.type;
}

/** Node events, read from where the kubelet files them; a refusal becomes a note, not a failure. */
async function readNodeEvents(deps: KubernetesServerDeps, notes: string[]): Promise<CoreV1Event[]> {
  try {
    const { items } = await deps.core.listNamespacedEvent({
      namespace: nodeEventNamespace,
      fieldSelector: 'involvedObject.kind=Node',
    });
    return items.filter((event) => event.involvedObject.kind === 'Node');
  } catch (error) {
    notes.push(`Node events could not be read: ${describeKubernetesError(error)}`);
    return [];
  }
}

function headline(output: ListEventsOutput, objectKind?: string, objectName?: string): string {
  const { namespace, events, matched, includesNodeEvents } = output;
  const warnings = events.filter((event) => event.type === 'Warning').length;
  const scopeText = [objectKind, objectName].filter(Boolean).join(' ');
  return (
    `${warnings} Warning and ${events.length - warnings} Normal event(s) in namespace ${namespace}` +
    `${scopeText ? ` for ${scopeText}` : ''}${includesNodeEvents ? ' (Node warnings included)' : ''}, newest first` +
    (matched > events.length ? ` (showing ${events.length} of ${matched})` : '') +
    (events.length === 0 ? '. Events expire after about an hour, so none may remain.' : ':')
  );
}
