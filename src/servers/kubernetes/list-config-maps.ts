import type { V1ConfigMap } from '@kubernetes/client-node';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';

import { readOnlyToolAnnotations, toolError, toolResult } from '../tool-result.js';
import { describeKubernetesError } from './api-error.js';
import {
  configMapEntries,
  listingLimits,
  renderEntries,
  singleMapLimits,
  type ConfigMapEntry,
} from './config-map-entries.js';
import type { KubernetesServerDeps } from './deps.js';
import { resolveNamespace } from './namespace-scope.js';
import { isoTime } from './pod-summary.js';
import { closestServiceNames } from './service-names.js';

export type { ConfigMapEntry } from './config-map-entries.js';

/** One ConfigMap with its keys. */
export interface ConfigMapSummary {
  name: string;
  createdAt?: string;
  entries: ConfigMapEntry[];
}

/** The structured answer of `list_config_maps`. */
export interface ListConfigMapsOutput {
  namespace: string;
  configMaps: ConfigMapSummary[];
}

/** Registers `list_config_maps`: ConfigMaps and their keys, secret-like values masked. Secrets are never read. */
export function registerListConfigMapsTool(server: McpServer, deps: KubernetesServerDeps): void {
  server.registerTool(
    'list_config_maps',
    {
      title: 'List ConfigMaps',
      description:
        'The ConfigMaps of a namespace with their keys; short values shown, pass name to read one in full. ' +
        'Credential-like values are [REDACTED]; Secrets are never read.',
      inputSchema: {
        namespace: z.string().optional().describe("Namespace; default: the server's first."),
        name: z
          .string()
          .optional()
          .describe(
            'A ConfigMap name, or the prefix before "-" (e.g. "cartservice" finds "cartservice-config").',
          ),
      },
      annotations: readOnlyToolAnnotations,
    },
    async ({ namespace: requested, name }) => {
      const scope = resolveNamespace(deps.namespaces, requested);
      if (!scope.ok) return scope.result;
      const { namespace } = scope;
      let items: V1ConfigMap[];
      try {
        items = (await deps.core.listNamespacedConfigMap({ namespace })).items;
      } catch (error) {
        return toolError(
          `Could not list ConfigMaps in namespace '${namespace}': ${describeKubernetesError(error)}`,
        );
      }
      const nameOf = (configMap: V1ConfigMap) => configMap.metadata?.name ?? '';
      let selected = items;
      if (name) {
        const exact = items.filter((configMap) => nameOf(configMap) === name);
        selected =
          exact.length > 0 ? exact : items.filter((configMap) => nameOf(configMap).startsWith(`${name}-`));
        if (selected.length === 0) {
          const closest = closestServiceNames(name, items.map(nameOf));
          return toolError(
            `No ConfigMap named '${name}' in namespace ${namespace}.` +
              (closest.length
                ? ` Closest names: ${closest.join(', ')}.`
                : ' The namespace has no ConfigMaps.'),
          );
        }
      }
      const limits = name ? singleMapLimits : listingLimits;
      const configMaps = selected
        .map((configMap): ConfigMapSummary => {
          const createdAt = isoTime(configMap.metadata?.creationTimestamp);
          return {
            name: nameOf(configMap),
            ...(createdAt ? { createdAt } : {}),
            entries: configMapEntries(configMap, limits),
          };
        })
        .sort((a, b) => a.name.localeCompare(b.name));
      const output: ListConfigMapsOutput = { namespace, configMaps };
      const summary =
        configMaps.length === 0
          ? `No ConfigMaps in namespace ${namespace}.`
          : `${configMaps.length} ConfigMap(s) in namespace ${namespace} (secret-like values [REDACTED]):`;
      const lines = configMaps.flatMap((configMap) => [
        `configmap ${configMap.name} (${configMap.entries.length} key(s)` +
          `${configMap.createdAt ? `, created ${configMap.createdAt}` : ''}):`,
        ...renderEntries(configMap.entries, configMap.name),
      ]);
      return toolResult([summary, ...lines].join('\n'), output);
    },
  );
}
