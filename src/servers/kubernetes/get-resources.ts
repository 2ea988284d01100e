import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';

import { readOnlyToolAnnotations, toolError, toolResult } from '../tool-result.js';
import { RefusedPathError } from './api-reader.js';
import { describeKubernetesError, kubernetesStatusCode } from './api-error.js';
import { isCredentialResource } from './credential-kinds.js';
import type { KubernetesServerDeps } from './deps.js';
import { resolveNamespace } from './namespace-scope.js';
import type { ApiObject } from './object-view.js';
import { cleanObject, defaultColumns, isTable, renderObjectYaml, renderTable } from './object-view.js';
import { formatAge } from './pod-summary.js';
import type { ApiResource, ResourceCatalog } from './resource-catalog.js';
import { qualifiedName, resolveKind } from './resource-catalog.js';

/** Objects returned in one answer; more are counted, not shown. */
export const maxResourceItems = 50;
const maxTextChars = 12_000;
const tableAccept = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json';

/** The structured answer of `get_resources`. */
export interface GetResourcesOutput {
  kind: string;
  apiVersion: string;
  namespaced: boolean;
  namespace?: string;
  /** The API objects, managedFields and last-applied dropped, secret-like values masked. */
  items: ApiObject[];
  truncated?: boolean;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function collectionPath(resource: ApiResource, namespace: string | undefined): string {
  const base = resource.group ? `/apis/${resource.group}/${resource.version}` : '/api/v1';
  return `${base}${namespace ? `/namespaces/${namespace}` : ''}/${resource.plural}`;
}

const groupVersion = (resource: ApiResource) =>
  resource.group ? `${resource.group}/${resource.version}` : resource.version;

/** Registers `get_resources`: any kind the API serves, listed like `kubectl get` or one object in full. */
export function registerGetResourcesTool(
  server: McpServer,
  deps: KubernetesServerDeps,
  catalog: ResourceCatalog,
): void {
  server.registerTool(
    'get_resources',
    {
      title: 'Get any Kubernetes resources',
      description:
        'Lists objects of any kind with the columns `kubectl get` shows, or reads one (pass name) as YAML. ' +
        'For what the other tools do not cover: Jobs, CronJobs, StatefulSets, DaemonSets, PVCs, PVs, ' +
        'StorageClasses, ResourceQuotas, LimitRanges, NetworkPolicies, HPAs, Ingresses, IngressClasses, RBAC, ' +
        `custom resources. kind as kubectl takes it (pvc, netpol, hpa). At most ${maxResourceItems} objects; ` +
        'Secrets are never readable.',
      inputSchema: {
        kind: z
          .string()
          .min(1)
          .describe(
            'Kind, plural, singular or short name, e.g. "PersistentVolumeClaim", "pvc", "networkpolicies.networking.k8s.io".',
          ),
        name: z.string().min(1).optional().describe('One object to read in full; omit to list.'),
        namespace: z
          .string()
          .optional()
          .describe(
            "Namespace of a namespaced kind; omit for the server's default. Ignored for cluster-scoped kinds.",
          ),
        labelSelector: z
          .string()
          .optional()
          .describe('Only objects whose labels match, e.g. "app=checkout".'),
        fieldSelector: z
          .string()
          .optional()
          .describe(
            'Only objects whose fields match, e.g. "status.phase=Failed" (fields the kind supports).',
          ),
      },
      annotations: readOnlyToolAnnotations,
    },
    async (input) => {
      let resource: ApiResource;
      try {
        const discovery = await catalog.discover();
        const resolved = resolveKind(discovery.resources, input.kind);
        if (!resolved.ok) {
          const unreadable = discovery.unreadableGroups.length
            ? ` (API groups that did not answer discovery: ${discovery.unreadableGroups.join(', ')})`
            : '';
          return toolError(`${resolved.message}${unreadable}`);
        }
        resource = resolved.resource;
      } catch (error) {
        return toolError(`Could not read the API's discovery: ${describeKubernetesError(error)}`);
      }
      if (isCredentialResource(resource.group, resource.plural)) {
        return toolError(
          `${resource.kind} is never readable through this server: it holds or mints credentials. ` +
            'get_deployment shows which Secrets a workload references (by name) without their values.',
        );
      }
      if (!resource.verbs.includes('get') && !resource.verbs.includes('list')) {
        return toolError(
          `${resource.kind} cannot be read: the API only accepts creating it (${resource.verbs.join(', ')}). ` +
            'For "who may do what", use check_access.',
        );
      }
      let namespace: string | undefined;
      if (resource.namespaced) {
        const scope = resolveNamespace(deps.namespaces, input.namespace);
        if (!scope.ok) return scope.result;
        namespace = scope.namespace;
      }
      return input.name
        ? readOne(deps, resource, namespace, input.name)
        : readList(deps, resource, namespace, input.labelSelector, input.fieldSelector);
    },
  );
}

function where(resource: ApiResource, namespace: string | undefined): string {
  return resource.namespaced ? `in namespace ${namespace ?? ''}` : '(cluster-scoped)';
}

function readError(action: string, error: unknown): CallToolResult {
  if (error instanceof RefusedPathError) return toolError(error.message);
  const denied =
    kubernetesStatusCode(error) === 403 ? " — the agent's credentials may not read this kind" : '';
  return toolError(`${action}: ${describeKubernetesError(error)}${denied}`);
}

async function readOne(
  deps: KubernetesServerDeps,
  resource: ApiResource,
  namespace: string | undefined,
  name: string,
): Promise<CallToolResult> {
  let raw: unknown;
  try {
    raw = await deps.api.get(`${collectionPath(resource, namespace)}/${encodeURIComponent(name)}`);
  } catch (error) {
    if (kubernetesStatusCode(error) === 404) {
      return toolError(
        `${qualifiedName(resource)} "${name}" not found ${where(resource, namespace)}. ` +
          `List them with get_resources kind=${resource.plural} to see which exist.`,
      );
    }
    return readError(`Could not read ${qualifiedName(resource)} "${name}"`, error);
  }
  if (!isRecord(raw))
    return toolError(`The API answered ${qualifiedName(resource)} "${name}" with no object.`);
  const object = cleanObject(raw, groupVersion(resource), resource.kind);
  const output: GetResourcesOutput = {
    kind: resource.kind,
    apiVersion: groupVersion(resource),
    namespaced: resource.namespaced,
    ...(namespace ? { namespace } : {}),
    items: [object],
  };
  const header = `${resource.kind} ${name} ${where(resource, namespace)} (secret-like values [REDACTED]):`;
  return toolResult(`${header}\n${renderObjectYaml(object, maxTextChars)}`, output);
}

/** Objects and default columns of a list: from a Table when the server prints one, else Name and Age. */
async function fetchList(
  deps: KubernetesServerDeps,
  resource: ApiResource,
  namespace: string | undefined,
  query: Record<string, string | undefined>,
): Promise<{ objects: Record<string, unknown>[]; columns: string[]; rows: unknown[][]; more: boolean }> {
  const path = collectionPath(resource, namespace);
  const answer = await deps.api.get(path, {
    accept: tableAccept,
    query: { ...query, includeObject: 'Object' },
  });
  if (isTable(answer)) {
    const objects = answer.rows.map((row) => row.object).filter(isRecord);
    const complete =
      objects.length === answer.rows.length && objects.every((o) => o.kind !== 'PartialObjectMetadata');
    const table = defaultColumns(answer);
    const more = !!answer.metadata?.continue;
    if (complete) return { objects, ...table, more };
    // A server that left the objects out (an aggregated API) gets a second, plain read for them.
    const list = (await deps.api.get(path, { query })) as { items?: unknown[] };
    return { objects: (list.items ?? []).filter(isRecord), ...table, more };
  }
  const list = answer as { items?: unknown[]; metadata?: { continue?: string } };
  const objects = (list.items ?? []).filter(isRecord);
  const now = deps.now?.() ?? new Date();
  return {
    objects,
    columns: ['Name', 'Age'],
    rows: objects.map((o) => {
      const metadata = isRecord(o.metadata) ? o.metadata : {};
      const created = Date.parse(String(metadata.creationTimestamp ?? ''));
      return [metadata.name, Number.isNaN(created) ? '<unknown>' : formatAge(now.getTime() - created)];
    }),
    more: !!list.metadata?.continue,
  };
}

async function readList(
  deps: KubernetesServerDeps,
  resource: ApiResource,
  namespace: string | undefined,
  labelSelector: string | undefined,
  fieldSelector: string | undefined,
): Promise<CallToolResult> {
  const query = { labelSelector, fieldSelector, limit: String(maxResourceItems + 1) };
  let listed: Awaited<ReturnType<typeof fetchList>>;
  try {
    listed = await fetchList(deps, resource, namespace, query);
  } catch (error) {
    return readError(`Could not list ${qualifiedName(resource)} ${where(resource, namespace)}`, error);
  }
  const truncated = listed.more || listed.objects.length > maxResourceItems;
  const objects = listed.objects.slice(0, maxResourceItems);
  const output: GetResourcesOutput = {
    kind: resource.kind,
    apiVersion: groupVersion(resource),
    namespaced: resource.namespaced,
    ...(namespace ? { namespace } : {}),
    items: objects.map((o) => cleanObject(o, groupVersion(resource), resource.kind)),
    ...(truncated ? { truncated: true } : {}),
  };
  const selectors = [labelSelector && `labels ${labelSelector}`, fieldSelector && `fields ${fieldSelector}`]
    .filter(Boolean)
    .join(', ');
  const matching = selectors ? ` matching ${selectors}` : '';
  if (objects.length === 0) {
    return toolResult(`No ${qualifiedName(resource)} ${where(resource, namespace)}${matching}.`, output);
  }
  const { text, shownRows } = renderTable(
    listed.columns,
    listed.rows.slice(0, maxResourceItems),
    maxTextChars,
  );
  const notes = [
    ...(shownRows < objects.length ? [`… ${objects.length - shownRows} more row(s) not shown here`] : []),
    ...(truncated ? [`(more than ${maxResourceItems}: narrow with labelSelector or fieldSelector)`] : []),
    `Pass name=<name> to read one ${resource.kind} in full.`,
  ];
  const header = `${objects.length}${truncated ? '+' : ''} ${qualifiedName(resource)} ${where(resource, namespace)}${matching}:`;
  return toolResult([header, text, ...notes].join('\n'), output);
}
