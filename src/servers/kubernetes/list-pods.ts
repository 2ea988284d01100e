import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';

import { readOnlyToolAnnotations, toolError, toolResult } from '../tool-result.js';
import { describeKubernetesError } from './api-error.js';
import type { KubernetesServerDeps } from './deps.js';
import { resolveNamespace } from './namespace-scope.js';
import { summarisePod, type PodSummary } from './pod-summary.js';
import { renderPods } from './render-pods.js';
import { resolveServicePods } from './resolve-service.js';

/** The structured answer of `list_pods`. */
export interface ListPodsOutput {
  namespace: string;
  service: string;
  workload: { kind: string; name: string } | null;
  matchedBy: string;
  pods: PodSummary[];
  closestServices?: string[];
}

/** Registers `list_pods`: a service name (as people say it) to its pods and their health. */
export function registerListPodsTool(server: McpServer, deps: KubernetesServerDeps): void {
  server.registerTool(
    'list_pods',
    {
      title: 'List the pods of a service',
      description:
        'The pods that run a service and their health: phase, readiness, restarts, node, owner, and per ' +
        'container the state (waiting/terminated reason and message), exit code, last termination (OOMKilled ' +
        'with 137 = memory limit hit), requests and limits, and pod conditions that are not True. Loose names ' +
        'work (`cart-service` finds `cartservice`): Deployments, StatefulSets, DaemonSets, Services, Jobs, ' +
        'CronJobs, a bare Pod by name, pod labels; no match lists the closest names.',
      inputSchema: {
        service: z
          .string()
          .min(1)
          .describe(
            'Service name as the alert or person gave it, e.g. "cart-service"; matching is tolerant.',
          ),
        namespace: z
          .string()
          .optional()
          .describe("Kubernetes namespace; omit to use the server's default namespace."),
      },
      annotations: readOnlyToolAnnotations,
    },
    async ({ service, namespace: requested }) => {
      const scope = resolveNamespace(deps.namespaces, requested);
      if (!scope.ok) return scope.result;
      const { namespace } = scope;
      try {
        const found = await resolveServicePods(deps, namespace, service);
        const now = deps.now?.() ?? new Date();
        const pods = found.pods
          .map((pod) => summarisePod(pod, now))
          .sort((a, b) => a.name.localeCompare(b.name));
        const structured: ListPodsOutput = {
          namespace,
          service,
          workload: found.workload,
          matchedBy: found.matchedBy,
          pods,
          ...(found.closestServices ? { closestServices: found.closestServices } : {}),
        };
        return toolResult([headline(structured), ...renderPods(pods), ...found.notes].join('\n'), structured);
      } catch (error) {
        return toolError(
          `Could not list pods in namespace '${namespace}': ${describeKubernetesError(error)}`,
        );
      }
    },
  );
}

function headline({
  namespace,
  service,
  workload,
  matchedBy,
  pods,
  closestServices,
}: ListPodsOutput): string {
  if (matchedBy === 'none') {
    const closest = closestServices?.length
      ? ` Closest existing names: ${closestServices.join(', ')}; call list_pods again with one of them.`
      : ' The namespace has no deployments, services or labelled pods.';
    return (
      `No pods found for service '${service}' in namespace ${namespace}: no Deployment, StatefulSet, ` +
      `DaemonSet, Service, Job, CronJob, pod or pod label matches that name.${closest}`
    );
  }
  if (pods.length === 0) {
    return (
      `Service '${service}' in namespace ${namespace} matched ${matchedBy}, but no pods match ` +
      `(scaled to zero, or pods not created yet).`
    );
  }
  const ready = pods.filter((pod) => {
    const [up, all] = pod.ready.split('/');
    return up === all && pod.phase === 'Running';
  }).length;
  const via = workload ? matchedBy : `${matchedBy} (no workload matched the name)`;
  return `Service '${service}' in namespace ${namespace} → ${via}: ${pods.length} pod(s), ${ready} fully ready.`;
}
