import type { V1ReplicaSet } from '@kubernetes/client-node';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';

import { readOnlyToolAnnotations, toolError, toolResult } from '../tool-result.js';
import { describeKubernetesError } from './api-error.js';
import type { KubernetesServerDeps } from './deps.js';
import { listReplicaSets, ownedReplicaSets } from './find-deployment.js';
import { resolveNamespace } from './namespace-scope.js';
import { rolloutHistory } from './rollout-history.js';

/** One Deployment in a listing. */
export interface DeploymentListEntry {
  name: string;
  desired: number;
  ready: number;
  updated: number;
  available: number;
  images: string[];
  revision?: number;
  /** Creation time of the current revision's ReplicaSet: when the last rollout began. */
  lastRolloutAt?: string;
}

/** The structured answer of `list_deployments`. */
export interface ListDeploymentsOutput {
  namespace: string;
  deployments: DeploymentListEntry[];
  notes?: string[];
}

/** Registers `list_deployments`: every Deployment of a namespace, one line each. */
export function registerListDeploymentsTool(server: McpServer, deps: KubernetesServerDeps): void {
  server.registerTool(
    'list_deployments',
    {
      title: 'List Deployments',
      description:
        'Lists the Deployments of a namespace, one line each: name, ready/desired replicas, images and the ' +
        'time of the last rollout (revision). Use it to see what runs next to the failing service, which ' +
        'dependencies are down, and what was rolled out shortly before the incident; then get_deployment for ' +
        'details and rollout history.',
      inputSchema: {
        namespace: z.string().optional().describe("Namespace; default: the server's first."),
      },
      annotations: readOnlyToolAnnotations,
    },
    async ({ namespace: requested }) => {
      const scope = resolveNamespace(deps.namespaces, requested);
      if (!scope.ok) return scope.result;
      const { namespace } = scope;
      let deployments;
      try {
        deployments = (await deps.apps.listNamespacedDeployment({ namespace })).items;
      } catch (error) {
        return toolError(
          `Could not list Deployments in namespace '${namespace}': ${describeKubernetesError(error)}`,
        );
      }
      const notes: string[] = [];
      let replicaSets: V1ReplicaSet[] = [];
      try {
        replicaSets = await listReplicaSets(deps, namespace);
      } catch (error) {
        notes.push(
          `rollout times unavailable: could not list ReplicaSets: ${describeKubernetesError(error)}`,
        );
      }
      const entries = deployments
        .map((deployment): DeploymentListEntry => {
          const current = rolloutHistory(deployment, ownedReplicaSets(deployment, replicaSets)).find(
            (revision) => revision.current,
          );
          const status = deployment.status;
          return {
            name: deployment.metadata?.name ?? '',
            desired: deployment.spec?.replicas ?? 1,
            ready: status?.readyReplicas ?? 0,
            updated: status?.updatedReplicas ?? 0,
            available: status?.availableReplicas ?? 0,
            images: (deployment.spec?.template.spec?.containers ?? []).map((c) => c.image ?? ''),
            ...(current?.revision != null ? { revision: current.revision } : {}),
            ...(current?.createdAt ? { lastRolloutAt: current.createdAt } : {}),
          };
        })
        .sort((a, b) => a.name.localeCompare(b.name));
      const output: ListDeploymentsOutput = {
        namespace,
        deployments: entries,
        ...(notes.length > 0 ? { notes } : {}),
      };
      const notReady = entries.filter((entry) => entry.ready < entry.desired).length;
      const summary =
        entries.length === 0
          ? `No Deployments in namespace ${namespace}.`
          : `${entries.length} Deployment(s) in namespace ${namespace}, ${notReady} not fully ready:`;
      return toolResult([summary, ...entries.map(renderEntry), ...notes].join('\n'), output);
    },
  );
}

function renderEntry(entry: DeploymentListEntry): string {
  const rollout = entry.lastRolloutAt
    ? `, last rollout ${entry.lastRolloutAt}${entry.revision !== undefined ? ` (revision ${entry.revision})` : ''}`
    : '';
  const updating = entry.updated < entry.desired ? `, ${entry.updated} updated` : '';
  return `${entry.name}: ${entry.ready}/${entry.desired} ready${updating}, image ${entry.images.join(', ')}${rollout}`;
}
