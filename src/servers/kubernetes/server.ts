import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';

import { registerCheckAccessTool } from './check-access.js';
import type { KubernetesServerDeps } from './deps.js';
import { registerGetDeploymentTool } from './get-deployment.js';
import { registerGetPodLogsTool } from './get-pod-logs.js';
import { registerGetResourcesTool } from './get-resources.js';
import { registerGetServiceTool } from './get-service.js';
import { registerListConfigMapsTool } from './list-config-maps.js';
import { registerListDeploymentsTool } from './list-deployments.js';
import { registerListEventsTool } from './list-events.js';
import { registerListNodesTool } from './list-nodes.js';
import { registerListPodsTool } from './list-pods.js';
import { registerListServicesTool } from './list-services.js';
import { createResourceCatalog } from './resource-catalog.js';

export type { KubernetesServerDeps } from './deps.js';

/**
 * The bundled, read-only Kubernetes MCP server, scoped to `deps.namespaces`: `list_pods`,
 * `get_pod_logs`, `list_events`, `get_deployment`, `list_deployments`, `get_service`,
 * `list_services`, `list_config_maps`, `list_nodes`, `get_resources` (any other kind) and
 * `check_access` (RBAC). Connect `server` to a transport; `cleanup` closes it.
 */
export function createKubernetesServer(deps: KubernetesServerDeps): {
  server: McpServer;
  cleanup(): Promise<void>;
} {
  if (deps.namespaces.length === 0) throw new Error('createKubernetesServer needs at least one namespace');
  const server = new McpServer(
    { name: 'sre-agent-kubernetes', version: '0.1.0' },
    {
      instructions:
        `Read-only access to Kubernetes namespace(s) ${deps.namespaces.join(', ')}; the default is ` +
        `${deps.namespaces[0]}. Start with list_pods for the service, then get_pod_logs and list_events ` +
        'for unhealthy pods. get_deployment shows configuration and rollout history (did trouble start with ' +
        'a rollout?), get_service shows whether traffic has endpoints, list_nodes shows node pressure and ' +
        'memory over-commit. get_resources reads any other kind (Jobs, PVCs, NetworkPolicies, HPAs, Ingresses, ' +
        'quotas, RBAC...); check_access answers whether a service account may do something. Secrets are never ' +
        'readable.',
    },
  );
  registerListPodsTool(server, deps);
  registerGetPodLogsTool(server, deps);
  registerListEventsTool(server, deps);
  registerGetDeploymentTool(server, deps);
  registerListDeploymentsTool(server, deps);
  registerGetServiceTool(server, deps);
  registerListServicesTool(server, deps);
  registerListConfigMapsTool(server, deps);
  registerListNodesTool(server, deps);
  // Discovery is read once per server, by whichever tool needs it first.
  const catalog = createResourceCatalog(deps.api);
  registerGetResourcesTool(server, deps, catalog);
  registerCheckAccessTool(server, deps, catalog);
  return { server, cleanup: () => server.close() };
}
