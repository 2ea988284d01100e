import type { V1Node, V1Pod } from '@kubernetes/client-node';
import { summariseNode } from '../../../servers/kubernetes/node-summary.js';
import type { AdapterContext, AdaptedResult, CapabilityAdapter } from '../capability.js';
import { nameOf, readListing, type KubeObject, type Row } from './listing.js';
import { listPodEntries, objectOf } from './pod-details.js';

/** Nodes read whole; a bigger cluster's other nodes are listed by name only. */
const MAX_NODES = 10;
const MAX_PODS_FETCHED = 40;

type Item = { object: KubeObject; row?: undefined } | { row: Row; object?: undefined };

async function listKind(
  ctx: AdapterContext,
  apiVersion: string,
  kind: string,
  namespace: string | undefined,
): Promise<{ items: Item[] } | { failed: AdaptedResult }> {
  const outcome = await ctx.call('resources_list', { apiVersion, kind, ...(namespace ? { namespace } : {}) });
  if (!outcome.ok) return { failed: { ok: false, text: outcome.text, error: outcome.error } };
  const listing = readListing(outcome);
  return {
    items:
      listing.kind === 'objects'
        ? listing.objects.map((object) => ({ object }))
        : listing.rows.map((row) => ({ row })),
  };
}

const namespaceOf = (args: Record<string, unknown>, ctx: AdapterContext) =>
  typeof args.namespace === 'string' ? args.namespace : (ctx.namespaces[0] ?? 'default');

/** `list_services`: name, type and cluster IP, the fields that turn an address in a log into a name. */
export const servicesAdapter: CapabilityAdapter = async (args, ctx) => {
  const namespace = namespaceOf(args, ctx);
  const listed = await listKind(ctx, 'v1', 'Service', namespace);
  if ('failed' in listed) return listed.failed;
  const services = listed.items.map((item) => {
    if (item.object) {
      const spec = (item.object.spec ?? {}) as {
        type?: string;
        clusterIP?: string;
        selector?: Record<string, string>;
      };
      return {
        name: nameOf(item.object),
        type: spec.type ?? 'ClusterIP',
        ...(spec.clusterIP ? { clusterIP: spec.clusterIP } : {}),
        selector: spec.selector ?? null,
      };
    }
    const row = item.row;
    return {
      name: row.name ?? '',
      type: row.type ?? 'ClusterIP',
      ...(row.clusterip ? { clusterIP: row.clusterip } : {}),
    };
  });
  const text = services.map((s) => `${s.name} ${s.type} ${s.clusterIP ?? '-'}`).join('\n');
  return {
    ok: true,
    text: `${services.length} Service(s) in namespace ${namespace}:\n${text}`,
    structured: { namespace, services },
  };
};

/** `list_deployments`: the Deployments of the namespace, for the sweep of a healthy service's callers. */
export const deploymentsAdapter: CapabilityAdapter = async (args, ctx) => {
  const namespace = namespaceOf(args, ctx);
  const listed = await listKind(ctx, 'apps/v1', 'Deployment', namespace);
  if ('failed' in listed) return listed.failed;
  const deployments = listed.items.map((item) => {
    if (item.object) {
      const status = (item.object.status ?? {}) as { readyReplicas?: number; replicas?: number };
      return { name: nameOf(item.object), ready: status.readyReplicas ?? 0, desired: status.replicas ?? 0 };
    }
    const [ready, desired] = (item.row.ready ?? '0/0').split('/').map((n) => Number.parseInt(n, 10) || 0);
    return { name: item.row.name ?? '', ready: ready ?? 0, desired: desired ?? 0 };
  });
  const text = deployments.map((d) => `${d.name} ${d.ready}/${d.desired}`).join('\n');
  return {
    ok: true,
    text: `${deployments.length} Deployment(s) in namespace ${namespace}:\n${text}`,
    structured: { namespace, deployments },
  };
};

/** Whole pods of the allowed namespaces, for what each reserves on its node. */
async function podsOfNamespaces(ctx: AdapterContext): Promise<KubeObject[]> {
  const pods: KubeObject[] = [];
  for (const namespace of ctx.namespaces) {
    const entries = await listPodEntries(ctx, namespace).catch(() => []);
    const fetched = await Promise.all(
      entries.slice(0, MAX_PODS_FETCHED).map(async (entry) => {
        if (entry.object) return entry.object;
        if (!ctx.allows('pods_get')) return null;
        const got = await ctx.call('pods_get', { name: entry.name, namespace });
        return got.ok ? objectOf(got) : null;
      }),
    );
    pods.push(...fetched.filter((p): p is KubeObject => p !== null));
  }
  return pods;
}

/**
 * `list_nodes`: conditions, allocatable memory and the pods of the allowed namespaces on each node,
 * from whole Node objects (`resources_get` when the listing was a table).
 */
export const nodesAdapter: CapabilityAdapter = async (_args, ctx) => {
  // Nodes have no namespace: naming one would make the server ask for a path that does not exist.
  const listed = await listKind(ctx, 'v1', 'Node', undefined);
  if ('failed' in listed) return listed.failed;
  const nodes = (
    await Promise.all(
      listed.items.slice(0, MAX_NODES).map(async (item) => {
        if (item.object) return item.object;
        if (!ctx.allows('resources_get')) return null;
        const got = await ctx.call('resources_get', { apiVersion: 'v1', kind: 'Node', name: item.row.name });
        return got.ok ? objectOf(got) : null;
      }),
    )
  ).filter((n): n is KubeObject => n !== null);
  const pods = (await podsOfNamespaces(ctx)).filter(
    (p) =>
      !['Succeeded', 'Failed'].includes(String((p.status as { phase?: string } | undefined)?.phase ?? '')),
  );
  const summaries = nodes
    .map((node) =>
      summariseNode(
        node as V1Node,
        pods.filter(
          (p) => (p.spec as { nodeName?: string } | undefined)?.nodeName === nameOf(node),
        ) as V1Pod[],
      ),
    )
    .sort((a, b) => a.name.localeCompare(b.name));
  const text = summaries
    .map(
      (n) =>
        `node ${n.name}: ${n.ready ? 'Ready' : 'NOT READY'}, ${n.pods.length} pod(s) of ${ctx.namespaces.join(', ')}`,
    )
    .join('\n');
  return {
    ok: true,
    text: `${summaries.length} node(s):\n${text}`,
    structured: { nodes: summaries, podNamespaces: [...ctx.namespaces] },
  };
};
