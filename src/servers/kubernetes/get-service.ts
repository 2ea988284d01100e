import type { V1Pod, V1Service } from '@kubernetes/client-node';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';

import { readOnlyToolAnnotations, toolError, toolResult } from '../tool-result.js';
import { describeKubernetesError, kubernetesStatusCode } from './api-error.js';
import type { KubernetesServerDeps } from './deps.js';
import { resolveNamespace } from './namespace-scope.js';
import { renderService } from './render-service.js';
import {
  endpointsFromObject,
  endpointsFromPods,
  isPodReady,
  undeclaredTargetPorts,
  type ServiceEndpoints,
} from './service-endpoints.js';
import { bestServiceNameMatch, closestServiceNames } from './service-names.js';

export type { EndpointAddress, ServiceEndpoints } from './service-endpoints.js';

/** The structured answer of `get_service`. */
export interface GetServiceOutput {
  namespace: string;
  name: string;
  type: string;
  clusterIP?: string;
  externalName?: string;
  ports: { name?: string; port: number; targetPort: string; protocol: string; nodePort?: number }[];
  /** null when the Service has no selector (endpoints managed by hand, or ExternalName). */
  selector: Record<string, string> | null;
  endpoints: ServiceEndpoints;
  /** Pods the selector matches, and how many of them are Ready; null without a selector. */
  selectedPods: { total: number; ready: number; names: string[] } | null;
  /** What the endpoints mean for traffic: empty endpoints, selector matching nothing, ports. */
  findings: string[];
}

/** Registers `get_service`: a Service, its ports and selector, and where its traffic goes (Endpoints). */
export function registerGetServiceTool(server: McpServer, deps: KubernetesServerDeps): void {
  server.registerTool(
    'get_service',
    {
      title: 'Describe a Service and its endpoints',
      description:
        'One Service: type, cluster IP, ports (port→targetPort), selector, and its ready and not-ready ' +
        'endpoints. No endpoints means callers get connection refused or 503; the answer says whether the ' +
        'selector matches no pod or the pods are not Ready. Loose names work.',
      inputSchema: {
        name: z
          .string()
          .min(1)
          .describe('Service name, e.g. "cartservice" or "cart-service"; matching is tolerant.'),
        namespace: z.string().optional().describe("Namespace; default: the server's first."),
      },
      annotations: readOnlyToolAnnotations,
    },
    async ({ name, namespace: requested }) => {
      const scope = resolveNamespace(deps.namespaces, requested);
      if (!scope.ok) return scope.result;
      const { namespace } = scope;
      let service: V1Service;
      try {
        const found = await findService(deps, namespace, name);
        if ('closest' in found) {
          const closest = found.closest.length ? ` Closest Service names: ${found.closest.join(', ')}.` : '';
          return toolError(`No Service matches '${name}' in namespace ${namespace}.${closest}`);
        }
        service = found.service;
      } catch (error) {
        return toolError(
          `Could not read Services in namespace '${namespace}': ${describeKubernetesError(error)}`,
        );
      }
      const output = await describeService(deps, namespace, service);
      return toolResult(renderService(output, name), output);
    },
  );
}

async function findService(
  deps: KubernetesServerDeps,
  namespace: string,
  name: string,
): Promise<{ service: V1Service } | { closest: string[] }> {
  try {
    return { service: await deps.core.readNamespacedService({ name, namespace }) };
  } catch (error) {
    if (kubernetesStatusCode(error) !== 404) throw error;
  }
  const services = (await deps.core.listNamespacedService({ namespace })).items;
  const names = services.map((s) => s.metadata?.name ?? '');
  const best = bestServiceNameMatch(name, names);
  const service = services.find((s) => best !== undefined && s.metadata?.name === best);
  return service ? { service } : { closest: closestServiceNames(name, names) };
}

async function describeService(
  deps: KubernetesServerDeps,
  namespace: string,
  service: V1Service,
): Promise<GetServiceOutput> {
  const name = service.metadata?.name ?? '';
  const spec = service.spec;
  const selector = spec?.selector && Object.keys(spec.selector).length > 0 ? spec.selector : null;
  const labelSelector = selector
    ? Object.entries(selector)
        .map(([k, v]) => `${k}=${v}`)
        .join(',')
    : '';
  const findings: string[] = [];
  let pods: V1Pod[] | undefined;
  if (selector) {
    try {
      pods = (await deps.core.listNamespacedPod({ namespace, labelSelector })).items;
    } catch (error) {
      findings.push(`could not list the selected pods: ${describeKubernetesError(error)}`);
    }
  }
  let endpoints: ServiceEndpoints = { source: 'none', ready: [], notReady: [], ports: [] };
  try {
    endpoints = endpointsFromObject(await deps.core.readNamespacedEndpoints({ name, namespace }));
  } catch (error) {
    if (kubernetesStatusCode(error) === 404 && pods) {
      endpoints = endpointsFromPods(pods);
      findings.push('no Endpoints object: endpoints derived from the pods the selector matches');
    } else if (kubernetesStatusCode(error) !== 404) {
      findings.push(`could not read Endpoints: ${describeKubernetesError(error)}`);
    }
  }
  const ports = (spec?.ports ?? []).map((port) => ({
    ...(port.name ? { name: port.name } : {}),
    port: port.port,
    targetPort: String(port.targetPort ?? port.port),
    protocol: port.protocol ?? 'TCP',
    ...(port.nodePort ? { nodePort: port.nodePort } : {}),
  }));
  const selectedPods = pods
    ? {
        total: pods.length,
        ready: pods.filter(isPodReady).length,
        names: pods.map((p) => p.metadata?.name ?? ''),
      }
    : null;
  findings.push(...trafficFindings(spec?.type ?? 'ClusterIP', labelSelector, endpoints, selectedPods));
  const undeclared = pods ? undeclaredTargetPorts(spec?.ports ?? [], pods) : [];
  if (undeclared.length > 0) {
    findings.push(
      `targetPort ${undeclared.join(', ')} is not declared by any container of the selected pods`,
    );
  }
  return {
    namespace,
    name,
    type: spec?.type ?? 'ClusterIP',
    ...(spec?.clusterIP ? { clusterIP: spec.clusterIP } : {}),
    ...(spec?.externalName ? { externalName: spec.externalName } : {}),
    ports,
    selector,
    endpoints,
    selectedPods,
    findings,
  };
}

function trafficFindings(
  type: string,
  labelSelector: string,
  endpoints: ServiceEndpoints,
  selectedPods: GetServiceOutput['selectedPods'],
): string[] {
  if (type === 'ExternalName') return [];
  if (!labelSelector) {
    return endpoints.ready.length === 0
      ? [
          'NO READY ENDPOINTS, and the Service has no selector: its endpoints are managed by hand and none is set',
        ]
      : [];
  }
  if (endpoints.ready.length > 0) {
    return endpoints.notReady.length > 0
      ? [
          `${endpoints.notReady.length} of ${endpoints.ready.length + endpoints.notReady.length} endpoint(s) not ready`,
        ]
      : [];
  }
  const empty = 'NO READY ENDPOINTS: traffic to this Service fails (connection refused / 503 / UNAVAILABLE)';
  if (selectedPods?.total === 0) {
    return [
      `${empty}. The selector ${labelSelector} matches no pod in the namespace: a label mismatch, or the ` +
        'workload is missing or scaled to zero.',
    ];
  }
  if (selectedPods) {
    return [
      `${empty}. ${selectedPods.total} pod(s) match the selector but none is Ready: see list_pods and ` +
        'list_events for crashes or failing readiness probes.',
    ];
  }
  return [empty];
}
