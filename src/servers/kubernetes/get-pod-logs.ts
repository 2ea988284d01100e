import type { V1Pod } from '@kubernetes/client-node';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';

import { readOnlyToolAnnotations, toolError, toolResult } from '../tool-result.js';
import { describeKubernetesError, kubernetesStatusCode } from './api-error.js';
import { chooseAppContainer, containerNames } from './choose-container.js';
import type { KubernetesServerDeps } from './deps.js';
import { resolveNamespace } from './namespace-scope.js';
import { closestServiceNames } from './service-names.js';

const defaultTailLines = 200;
const maxTailLines = 2000;

/** The structured answer of `get_pod_logs`. */
export interface PodLogsOutput {
  pod: string;
  container: string;
  previous: boolean;
  lines: number;
  log: string;
}

/** Registers `get_pod_logs`: the tail of one container's log, current or from before its last restart. */
export function registerGetPodLogsTool(server: McpServer, deps: KubernetesServerDeps): void {
  server.registerTool(
    'get_pod_logs',
    {
      title: 'Read pod logs',
      description:
        "The last lines of one container's log (long logs reduced to head, tail and each distinct error with " +
        'its count). previous=true reads the instance that crashed. Without container, the application ' +
        'container is chosen (not a sidecar).',
      inputSchema: {
        pod: z.string().min(1).describe('Exact pod name, as returned by list_pods.'),
        namespace: z.string().optional().describe("Namespace; default: the server's first."),
        container: z
          .string()
          .optional()
          .describe('Container name; omit to pick the application container of the pod.'),
        previous: z
          .boolean()
          .optional()
          .describe('true to read the log of the previous, terminated instance (after a restart/crash).'),
        tailLines: z
          .number()
          .int()
          .min(1)
          .max(maxTailLines)
          .optional()
          .describe(
            `How many lines from the end to return (default ${defaultTailLines}, max ${maxTailLines}).`,
          ),
        sinceSeconds: z
          .number()
          .int()
          .min(1)
          .optional()
          .describe('Only lines written in the last this-many seconds.'),
      },
      annotations: readOnlyToolAnnotations,
    },
    async (input) => {
      const scope = resolveNamespace(deps.namespaces, input.namespace);
      if (!scope.ok) return scope.result;
      const { namespace } = scope;
      let pod: V1Pod;
      try {
        pod = await deps.core.readNamespacedPod({ name: input.pod, namespace });
      } catch (error) {
        return podReadError(deps, namespace, input.pod, error);
      }
      const { containers, initContainers } = containerNames(pod);
      const picked = input.container === undefined;
      const container = input.container ?? chooseAppContainer(pod);
      if (!container || ![...containers, ...initContainers].includes(container)) {
        const valid = [...containers, ...initContainers.map((name) => `${name} (init)`)].join(', ');
        return toolError(
          `pod/${input.pod} has no container '${input.container ?? ''}'. Its containers are: ${valid || '(none)'}; ` +
            'call again with one of those names.',
        );
      }
      const previous = input.previous ?? false;
      const tailLines = input.tailLines ?? defaultTailLines;
      let log: string;
      try {
        log = await deps.core.readNamespacedPodLog({
          name: input.pod,
          namespace,
          container,
          previous,
          tailLines,
          ...(input.sinceSeconds ? { sinceSeconds: input.sinceSeconds } : {}),
        });
      } catch (error) {
        const hint =
          previous && kubernetesStatusCode(error) === 400
            ? ' There is no previous instance (the container has not restarted); call again without previous.'
            : '';
        return toolError(
          `Could not read logs of pod/${input.pod} container=${container}: ${describeKubernetesError(error)}.${hint}`,
        );
      }
      const text = typeof log === 'string' ? log.replace(/\n$/, '') : '';
      const lines = text === '' ? 0 : text.split('\n').length;
      const choice =
        picked && containers.length > 1
          ? ` (chosen from ${containers.join(', ')}; pass container to read another)`
          : '';
      const header = `pod/${input.pod} container=${container} lines=${lines}${previous ? ' previous=true' : ''}${choice}`;
      const output: PodLogsOutput = { pod: input.pod, container, previous, lines, log: text };
      return toolResult(`${header}\n${lines === 0 ? '(no log lines)' : text}`, output);
    },
  );
}

/** A failed pod read, with the nearest pod names when the name was wrong. */
async function podReadError(
  deps: KubernetesServerDeps,
  namespace: string,
  name: string,
  error: unknown,
): Promise<CallToolResult> {
  if (kubernetesStatusCode(error) !== 404) {
    return toolError(
      `Could not read pod/${name} in namespace '${namespace}': ${describeKubernetesError(error)}`,
    );
  }
  let suggestion = 'Use list_pods with the service name to find the current pod names.';
  try {
    const pods = (await deps.core.listNamespacedPod({ namespace })).items;
    const closest = closestServiceNames(name, pods.map((pod) => pod.metadata?.name ?? '').filter(Boolean), 5);
    if (closest.length > 0) suggestion = `Closest pod names: ${closest.join(', ')}. ${suggestion}`;
  } catch {
    // The suggestion is a courtesy; the not-found answer stands without it.
  }
  return toolError(`pod '${name}' not found in namespace '${namespace}'. ${suggestion}`);
}
