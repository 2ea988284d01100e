import type { V1Pod } from '@kubernetes/client-node';
import { summarisePod, type PodSummary } from '../../../servers/kubernetes/pod-summary.js';
import type { AdapterContext } from '../capability.js';
import { nameOf, parseLabels, parseYamlObjects, readListing, type KubeObject, type Row } from './listing.js';

/** A pod as a listing gave it: the whole object (YAML output) or only its table row. */
export interface PodEntry {
  name: string;
  labels: Record<string, string>;
  object?: KubeObject;
  row?: Row;
}

/** Pods read one by one when the listing was a table; the rest are summarised from their rows. */
const MAX_PODS_FETCHED = 15;

const PHASES = ['Pending', 'Running', 'Succeeded', 'Failed', 'Unknown'];

/** `pods_list_in_namespace`, as entries; throws the tool's error text when it fails. */
export async function listPodEntries(
  ctx: AdapterContext,
  namespace: string,
  extra: { labelSelector?: string; fieldSelector?: string } = {},
): Promise<PodEntry[]> {
  const outcome = await ctx.call('pods_list_in_namespace', { namespace, ...extra });
  if (!outcome.ok) throw new Error(outcome.error ?? outcome.text);
  const listing = readListing(outcome);
  if (listing.kind === 'objects') {
    return listing.objects
      .filter((o) => o.kind === undefined || o.kind === 'Pod')
      .map((object) => ({ name: nameOf(object), labels: object.metadata?.labels ?? {}, object }));
  }
  return listing.rows
    .filter((row) => row.name && (row.kind === undefined || row.kind === 'Pod'))
    .map((row) => ({ name: row.name as string, labels: parseLabels(row.labels), row }));
}

/** The same summary the bundled `list_pods` gives, from the whole object wherever one can be had. */
export async function summarisePods(
  ctx: AdapterContext,
  namespace: string,
  entries: readonly PodEntry[],
): Promise<PodSummary[]> {
  const canGet = ctx.allows('pods_get');
  const summaries = await Promise.all(
    entries.map(async (entry, index) => {
      let object = entry.object;
      if (!object && canGet && index < MAX_PODS_FETCHED) {
        const got = await ctx.call('pods_get', { name: entry.name, namespace });
        object = got.ok ? (objectOf(got) ?? undefined) : undefined;
      }
      if (object) return summarisePod(object as V1Pod, ctx.now);
      return fromRow(entry);
    }),
  );
  return summaries.sort((a, b) => a.name.localeCompare(b.name));
}

/** One object from a get: JSON structured content or YAML text. */
export function objectOf(outcome: { structured?: Record<string, unknown>; text: string }): KubeObject | null {
  if (outcome.structured && typeof outcome.structured.kind === 'string')
    return outcome.structured as KubeObject;
  return parseYamlObjects(outcome.text)[0] ?? null;
}

/** Only a table row: phase, readiness and restarts as kubectl shows them; STATUS as the waiting reason. */
function fromRow(entry: PodEntry): PodSummary {
  const row = entry.row ?? {};
  const status = row.status ?? '';
  const phase = PHASES.includes(status) ? status : 'Running';
  const restarts = Number.parseInt(row.restarts ?? '0', 10);
  const ready = row.ready ?? '0/0';
  const [up, all] = ready.split('/');
  return {
    name: entry.name,
    phase,
    ready,
    restarts: Number.isFinite(restarts) ? restarts : 0,
    ...(row.node ? { node: row.node } : {}),
    labels: entry.labels,
    containers: PHASES.includes(status)
      ? []
      : [
          {
            name: '?',
            image: '',
            ready: up === all,
            restartCount: Number.isFinite(restarts) ? restarts : 0,
            state: 'waiting',
            reason: status,
            resources: { requests: {}, limits: {} },
          },
        ],
    conditions: [],
  };
}
