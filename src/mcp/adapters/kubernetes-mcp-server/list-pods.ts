import { renderPods } from '../../../servers/kubernetes/render-pods.js';
import { podBaseName, toLabelSelector } from '../../../servers/kubernetes/resolve-service.js';
import { closestServiceNames, serviceNameMatch } from '../../../servers/kubernetes/service-names.js';
import { errorMessage } from '../../../errors/errors.js';
import type { AdapterContext, CapabilityAdapter } from '../capability.js';
import { nameOf, readListing, type KubeObject } from './listing.js';
import { listPodEntries, objectOf, summarisePods, type PodEntry } from './pod-details.js';

/** Kinds a service name may refer to, in order of trust on a tie (workloads before Services). */
const KINDS = [
  { kind: 'Deployment', apiVersion: 'apps/v1' },
  { kind: 'StatefulSet', apiVersion: 'apps/v1' },
  { kind: 'DaemonSet', apiVersion: 'apps/v1' },
  { kind: 'Job', apiVersion: 'batch/v1' },
  { kind: 'CronJob', apiVersion: 'batch/v1' },
  { kind: 'Service', apiVersion: 'v1' },
] as const;

/** Pod labels that conventionally carry the application's name, in order of trust. */
const APP_LABEL_KEYS = ['app', 'app.kubernetes.io/name', 'k8s-app'];

interface Candidate {
  kind: (typeof KINDS)[number]['kind'];
  apiVersion: string;
  name: string;
  selector: string | undefined;
}

function selectorOf(kind: string, object: KubeObject): string | undefined {
  const spec = (object.spec ?? {}) as { selector?: unknown };
  if (kind === 'Service') {
    const pairs = Object.entries((spec.selector ?? {}) as Record<string, string>).map(
      ([k, v]) => `${k}=${v}`,
    );
    return pairs.length ? pairs.join(',') : undefined;
  }
  return toLabelSelector(spec.selector as Parameters<typeof toLabelSelector>[0]);
}

/** Workloads and Services of the namespace, from `resources_list` (tables carry a SELECTOR column). */
async function listCandidates(ctx: AdapterContext, namespace: string, notes: string[]): Promise<Candidate[]> {
  if (!ctx.allows('resources_list')) return [];
  const lists = await Promise.all(
    KINDS.map(async ({ kind, apiVersion }) => {
      const outcome = await ctx.call('resources_list', { apiVersion, kind, namespace });
      if (!outcome.ok) {
        if (!/not found|could not find|no matches/i.test(outcome.error ?? ''))
          notes.push(`could not list ${kind}s: ${outcome.error ?? 'failed'}`);
        return [];
      }
      const listing = readListing(outcome);
      return listing.kind === 'objects'
        ? listing.objects.map((o) => ({ kind, apiVersion, name: nameOf(o), selector: selectorOf(kind, o) }))
        : listing.rows.map((r) => ({
            kind,
            apiVersion,
            name: r.name ?? '',
            selector: r.selector || undefined,
          }));
    }),
  );
  return lists.flat().filter((c) => c.name);
}

/**
 * A CronJob selects no pods itself: its Jobs do, and the Job controller labels their pods
 * `job-name=<job>`. Its Jobs are those it owns, or (from a table, which has no owners) those named
 * `<cronjob>-<scheduled time in minutes>` as the CronJob controller names them.
 */
async function cronJobSelector(
  ctx: AdapterContext,
  namespace: string,
  cronJob: string,
): Promise<string | undefined> {
  const outcome = await ctx.call('resources_list', { apiVersion: 'batch/v1', kind: 'Job', namespace });
  if (!outcome.ok) return undefined;
  const listing = readListing(outcome);
  const generated = new RegExp(`^${cronJob.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-\\d+$`);
  const jobs =
    listing.kind === 'objects'
      ? listing.objects
          .filter((o) => {
            const owners = ((o.metadata ?? {}) as { ownerReferences?: { kind?: string; name?: string }[] })
              .ownerReferences;
            return owners?.length
              ? owners.some((r) => r.kind === 'CronJob' && r.name === cronJob)
              : generated.test(nameOf(o));
          })
          .map(nameOf)
      : listing.rows.map((r) => r.name ?? '').filter((n) => generated.test(n));
  return jobs.length ? `job-name in (${jobs.join(',')})` : undefined;
}

/** A table without a SELECTOR column (StatefulSets): read the object itself. */
async function withSelector(ctx: AdapterContext, namespace: string, c: Candidate): Promise<Candidate> {
  if (c.selector) return c;
  if (c.kind === 'CronJob') return { ...c, selector: await cronJobSelector(ctx, namespace, c.name) };
  if (!ctx.allows('resources_get')) return c;
  const got = await ctx.call('resources_get', {
    apiVersion: c.apiVersion,
    kind: c.kind,
    name: c.name,
    namespace,
  });
  const object = got.ok ? objectOf(got) : null;
  return object ? { ...c, selector: selectorOf(c.kind, object) } : c;
}

function byPodLabel(service: string, pods: PodEntry[]): { matchedBy: string; pods: PodEntry[] } | undefined {
  let best: { key: string; value: string; strength: number } | undefined;
  for (const key of APP_LABEL_KEYS) {
    for (const pod of pods) {
      const value = pod.labels[key];
      const strength = value ? serviceNameMatch(service, value) : 0;
      if (value && strength > 0 && (!best || strength > best.strength)) best = { key, value, strength };
    }
  }
  if (!best) return undefined;
  const { key, value } = best;
  return { matchedBy: `pod label ${key}=${value}`, pods: pods.filter((p) => p.labels[key] === value) };
}

/**
 * `list_pods` on kubernetes-mcp-server: the service name as people say it → the workload whose name
 * matches (via `resources_list`) → its pods by selector (`pods_list_in_namespace`) → each pod read
 * whole (`pods_get`) when the listing was only a table. Falls back to pod labels and name prefixes.
 */
export const listPodsAdapter: CapabilityAdapter = async (args, ctx) => {
  const service = typeof args.service === 'string' ? args.service : '';
  const namespace = typeof args.namespace === 'string' ? args.namespace : (ctx.namespaces[0] ?? 'default');
  const notes: string[] = [];
  try {
    const candidates = await listCandidates(ctx, namespace, notes);
    let best: { candidate: Candidate; strength: number } | undefined;
    for (const candidate of candidates) {
      const strength = serviceNameMatch(service, candidate.name);
      if (strength > 0 && (!best || strength > best.strength)) best = { candidate, strength };
    }
    let workload: { kind: string; name: string } | null = null;
    let matchedBy = 'none';
    let entries: PodEntry[] = [];
    const chosen = best ? await withSelector(ctx, namespace, best.candidate) : undefined;
    if (chosen?.selector) {
      workload = { kind: chosen.kind, name: chosen.name };
      matchedBy = `${chosen.kind} ${chosen.name} (selector ${chosen.selector})`;
      entries = await listPodEntries(ctx, namespace, { labelSelector: chosen.selector });
    } else {
      const all = await listPodEntries(ctx, namespace);
      const labelled = byPodLabel(service, all);
      const named = all.filter((p) => serviceNameMatch(service, podBaseName(p.name)) > 0);
      if (labelled) ({ matchedBy, pods: entries } = labelled);
      else if (named.length) {
        matchedBy = `pod name prefix ${podBaseName(named[0]?.name ?? '')}`;
        entries = named;
      } else {
        const known = [
          ...candidates.map((c) => c.name),
          ...all.flatMap((p) => APP_LABEL_KEYS.map((k) => p.labels[k] ?? '')).filter(Boolean),
        ];
        const closestServices = closestServiceNames(service, known);
        const structured = { namespace, service, workload: null, matchedBy, pods: [], closestServices };
        const text = `No pods found for service '${service}' in namespace ${namespace}. Closest existing names: ${closestServices.join(', ') || 'none'}.`;
        return { ok: true, text, structured };
      }
    }
    const pods = await summarisePods(ctx, namespace, entries);
    const structured = { namespace, service, workload, matchedBy, pods };
    const headline = `Service '${service}' in namespace ${namespace} → ${matchedBy}: ${pods.length} pod(s).`;
    return { ok: true, text: [headline, ...renderPods(pods), ...notes].join('\n'), structured };
  } catch (error) {
    const reason = `Could not list pods in namespace '${namespace}': ${errorMessage(error)}`;
    return { ok: false, text: reason, error: reason };
  }
};
