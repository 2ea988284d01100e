import type { V1Deployment, V1ReplicaSet } from '@kubernetes/client-node';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';

import { readOnlyToolAnnotations, toolError, toolResult } from '../tool-result.js';
import { describeKubernetesError } from './api-error.js';
import { renderContainerSpec, summariseContainerSpec, type ContainerSpecSummary } from './container-spec.js';
import type { KubernetesServerDeps } from './deps.js';
import { findDeployment, listReplicaSets, ownedReplicaSets } from './find-deployment.js';
import { resolveNamespace } from './namespace-scope.js';
import { isoTime } from './pod-summary.js';
import { toLabelSelector } from './resolve-service.js';
import { renderRevision, rolloutHistory, type RolloutRevision } from './rollout-history.js';

export type { ContainerSpecSummary, EnvVarSummary, ProbeSummary } from './container-spec.js';
export type { RolloutRevision } from './rollout-history.js';

/** A condition of a Deployment (`Available`, `Progressing`, `ReplicaFailure`). */
export interface DeploymentCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
  lastUpdateTime?: string;
}

/** The structured answer of `get_deployment`. */
export interface GetDeploymentOutput {
  namespace: string;
  name: string;
  /** How the asked name was matched: `name`, `name cartservice`, `Service x (selector …), owner of its pods`. */
  matchedBy: string;
  replicas: { desired: number; updated: number; ready: number; available: number; unavailable: number };
  /** `RollingUpdate (maxSurge 25%, maxUnavailable 25%)` or `Recreate`. */
  strategy: string;
  selector: string;
  paused: boolean;
  conditions: DeploymentCondition[];
  containers: ContainerSpecSummary[];
  /** Newest first; the first `current: true` entry is what runs now. */
  rolloutHistory: RolloutRevision[];
  notes?: string[];
}

/** Registers `get_deployment`: one Deployment's spec, status and rollout history. */
export function registerGetDeploymentTool(server: McpServer, deps: KubernetesServerDeps): void {
  server.registerTool(
    'get_deployment',
    {
      title: 'Describe a Deployment and its rollouts',
      description:
        'One Deployment: replicas, conditions, strategy, selector; per container image, env (secret-like ' +
        'values hidden; references as `from configmap x key y`), resources, probes; then the rollout history ' +
        '(revision, images, time of each ReplicaSet), to tell whether trouble began with a rollout. Loose ' +
        'names work.',
      inputSchema: {
        name: z
          .string()
          .min(1)
          .describe(
            'Deployment or service name, e.g. "cartservice" or "cart-service"; matching is tolerant.',
          ),
        namespace: z.string().optional().describe("Namespace; default: the server's first."),
      },
      annotations: readOnlyToolAnnotations,
    },
    async ({ name, namespace: requested }) => {
      const scope = resolveNamespace(deps.namespaces, requested);
      if (!scope.ok) return scope.result;
      const { namespace } = scope;
      try {
        const lookup = await findDeployment(deps, namespace, name);
        if (!lookup.found) {
          const closest = lookup.closest.length
            ? ` Closest Deployment names: ${lookup.closest.join(', ')}.`
            : ' The namespace has no Deployments.';
          return toolError(
            `No Deployment matches '${name}' in namespace ${namespace}.${closest} ` +
              'Call list_deployments to see them all, or list_pods for StatefulSets and DaemonSets.',
          );
        }
        const notes: string[] = [];
        let replicaSets: V1ReplicaSet[] = [];
        try {
          replicaSets = ownedReplicaSets(lookup.deployment, await listReplicaSets(deps, namespace));
        } catch (error) {
          notes.push(
            `rollout history unavailable: could not list ReplicaSets: ${describeKubernetesError(error)}`,
          );
        }
        const output = describeDeployment(namespace, lookup.deployment, lookup.matchedBy, replicaSets, notes);
        return toolResult(render(output, name), output);
      } catch (error) {
        return toolError(
          `Could not read Deployments in namespace '${namespace}': ${describeKubernetesError(error)}`,
        );
      }
    },
  );
}

function describeDeployment(
  namespace: string,
  deployment: V1Deployment,
  matchedBy: string,
  replicaSets: V1ReplicaSet[],
  notes: string[],
): GetDeploymentOutput {
  const spec = deployment.spec;
  const status = deployment.status;
  const rolling = spec?.strategy?.rollingUpdate;
  const strategyType = spec?.strategy?.type ?? 'RollingUpdate';
  const strategy =
    strategyType === 'RollingUpdate'
      ? `RollingUpdate (maxSurge ${String(rolling?.maxSurge ?? '25%')}, maxUnavailable ${String(rolling?.maxUnavailable ?? '25%')})`
      : strategyType;
  const desired = spec?.replicas ?? 1;
  const available = status?.availableReplicas ?? 0;
  const podSpec = spec?.template.spec;
  return {
    namespace,
    name: deployment.metadata?.name ?? '',
    matchedBy,
    replicas: {
      desired,
      updated: status?.updatedReplicas ?? 0,
      ready: status?.readyReplicas ?? 0,
      available,
      unavailable: status?.unavailableReplicas ?? Math.max(0, desired - available),
    },
    strategy,
    selector: toLabelSelector(spec?.selector) ?? '(none)',
    paused: spec?.paused ?? false,
    conditions: (status?.conditions ?? []).map((condition) => {
      const transition = isoTime(condition.lastTransitionTime);
      const update = isoTime(condition.lastUpdateTime);
      return {
        type: condition.type,
        status: condition.status,
        ...(condition.reason ? { reason: condition.reason } : {}),
        ...(condition.message ? { message: condition.message } : {}),
        ...(transition ? { lastTransitionTime: transition } : {}),
        ...(update ? { lastUpdateTime: update } : {}),
      };
    }),
    containers: [
      ...(podSpec?.initContainers ?? []).map((container) => summariseContainerSpec(container, true)),
      ...(podSpec?.containers ?? []).map((container) => summariseContainerSpec(container)),
    ],
    rolloutHistory: rolloutHistory(deployment, replicaSets),
    ...(notes.length > 0 ? { notes } : {}),
  };
}

function render(output: GetDeploymentOutput, asked: string): string {
  const { replicas } = output;
  const current = output.rolloutHistory.find((revision) => revision.current);
  const matched = output.matchedBy === 'name' ? '' : ` (asked '${asked}', matched by ${output.matchedBy})`;
  return [
    `Deployment ${output.name} in namespace ${output.namespace}${matched}: ` +
      `${current?.revision != null ? `revision ${current.revision}, ` : ''}${output.strategy}` +
      (output.paused ? ', PAUSED' : ''),
    `replicas: desired ${replicas.desired}, updated ${replicas.updated}, ready ${replicas.ready}, ` +
      `available ${replicas.available}, unavailable ${replicas.unavailable}`,
    `selector: ${output.selector}`,
    ...output.conditions.map(
      (c) =>
        `condition ${c.type}=${c.status}${c.reason ? ` ${c.reason}` : ''}${c.message ? `: ${c.message}` : ''}` +
        `${c.lastTransitionTime ? ` (since ${c.lastTransitionTime})` : ''}`,
    ),
    ...output.containers.flatMap(renderContainerSpec),
    output.rolloutHistory.length > 0
      ? 'rollout history (newest first):'
      : 'rollout history: no ReplicaSets found for this Deployment',
    ...output.rolloutHistory.map(renderRevision),
    ...(output.notes ?? []),
  ].join('\n');
}
