import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';

import type { KubernetesServerDeps } from './deps.js';
import { registerGetPodLogsTool } from './get-pod-logs.js';
import { registerListEventsTool } from './list-events.js';
import { registerListPodsTool } from './list-pods.js';

export type { KubernetesServerDeps } from './deps.js';

/**
 * The bundled, read-only Kubernetes MCP server: `list_pods`, `get_pod_logs`, `list_events`, scoped
 * to `deps.namespaces`. Connect `server` to a transport; `cleanup` closes it.
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
        'for unhealthy pods.',
    },
  );
  registerListPodsTool(server, deps);
  registerGetPodLogsTool(server, deps);
  registerListEventsTool(server, deps);
  return { server, cleanup: () => server.close() };
}
