import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';

import { readOnlyToolAnnotations, toolError, toolResult } from '../tool-result.js';
import { describeKubernetesError } from './api-error.js';
import type { KubernetesServerDeps } from './deps.js';
import { resolveNamespace } from './namespace-scope.js';

/** One Service in a listing. */
export interface ServiceListEntry {
  name: string;
  type: string;
  clusterIP?: string;
  ports: string[];
  selector: Record<string, string> | null;
}

/** The structured answer of `list_services`. */
export interface ListServicesOutput {
  namespace: string;
  services: ServiceListEntry[];
}

/** Registers `list_services`: every Service of a namespace with its cluster IP and ports. */
export function registerListServicesTool(server: McpServer, deps: KubernetesServerDeps): void {
  server.registerTool(
    'list_services',
    {
      title: 'List Services',
      description:
        'Lists the Services of a namespace, one line each: name, type, cluster IP, ports and selector. Use it ' +
        'to turn an address in a log ("dial tcp 10.0.12.7:3550: connection refused") into the service it ' +
        'belongs to, then list_pods or get_service on that service.',
      inputSchema: {
        namespace: z.string().optional().describe("Namespace; default: the server's first."),
      },
      annotations: readOnlyToolAnnotations,
    },
    async ({ namespace: requested }) => {
      const scope = resolveNamespace(deps.namespaces, requested);
      if (!scope.ok) return scope.result;
      const { namespace } = scope;
      let items;
      try {
        items = (await deps.core.listNamespacedService({ namespace })).items;
      } catch (error) {
        return toolError(
          `Could not list Services in namespace '${namespace}': ${describeKubernetesError(error)}`,
        );
      }
      const services = items
        .map((s): ServiceListEntry => ({
          name: s.metadata?.name ?? '',
          type: s.spec?.type ?? 'ClusterIP',
          ...(s.spec?.clusterIP ? { clusterIP: s.spec.clusterIP } : {}),
          ports: (s.spec?.ports ?? []).map(
            (p) =>
              `${p.port}${p.targetPort !== undefined ? `→${String(p.targetPort)}` : ''}/${p.protocol ?? 'TCP'}`,
          ),
          selector: s.spec?.selector ?? null,
        }))
        .sort((a, b) => a.name.localeCompare(b.name));
      const lines = services.map(
        (s) =>
          `${s.name}: ${s.type} ${s.clusterIP ?? '-'} ports ${s.ports.join(', ') || 'none'}${
            s.selector
              ? ` selector ${Object.entries(s.selector)
                  .map(([k, v]) => `${k}=${v}`)
                  .join(',')}`
              : ' (no selector)'
          }`,
      );
      return toolResult([`${services.length} Service(s) in namespace ${namespace}:`, ...lines].join('\n'), {
        namespace,
        services,
      } satisfies ListServicesOutput);
    },
  );
}
