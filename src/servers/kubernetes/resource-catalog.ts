import type { KubernetesApiReader } from './api-reader.js';
import { editDistance } from '../text-similarity.js';

/** One kind the API server serves, from discovery, at its group's preferred version. */
export interface ApiResource {
  /** '' for the core group. */
  group: string;
  version: string;
  plural: string;
  singular: string;
  kind: string;
  namespaced: boolean;
  shortNames: string[];
  verbs: string[];
}

/** What discovery found, and which groups could not be read (an aggregated API that is down). */
export interface Discovery {
  resources: ApiResource[];
  unreadableGroups: string[];
}

/** Discovery read once per server and reused: kinds do not change during a diagnosis. */
export interface ResourceCatalog {
  discover(): Promise<Discovery>;
}

interface ResourceList {
  resources?: {
    name: string;
    singularName?: string;
    kind: string;
    namespaced: boolean;
    shortNames?: string[];
    verbs?: string[];
  }[];
}
interface GroupList {
  groups?: { name: string; preferredVersion?: { version?: string }; versions?: { version?: string }[] }[];
}

function toResources(list: unknown, group: string, version: string): ApiResource[] {
  return ((list as ResourceList).resources ?? [])
    .filter((r) => !r.name.includes('/'))
    .map((r) => ({
      group,
      version,
      plural: r.name,
      singular: r.singularName || r.kind.toLowerCase(),
      kind: r.kind,
      namespaced: r.namespaced,
      shortNames: r.shortNames ?? [],
      verbs: r.verbs ?? [],
    }));
}

/**
 * Discovery the way kubectl reads it: `/api/v1`, then `/apis` and each group's preferred
 * version. A failure is not remembered, so the next call tries again.
 */
export function createResourceCatalog(reader: KubernetesApiReader): ResourceCatalog {
  let pending: Promise<Discovery> | undefined;
  const load = async (): Promise<Discovery> => {
    const [core, groupList] = await Promise.all([reader.get('/api/v1'), reader.get('/apis')]);
    const groups = ((groupList as GroupList).groups ?? []).map((g) => ({
      name: g.name,
      version: g.preferredVersion?.version ?? g.versions?.[0]?.version ?? 'v1',
    }));
    const unreadableGroups: string[] = [];
    const lists = await Promise.all(
      groups.map(async (g) => {
        try {
          return toResources(await reader.get(`/apis/${g.name}/${g.version}`), g.name, g.version);
        } catch {
          unreadableGroups.push(g.name);
          return [];
        }
      }),
    );
    return { resources: [...toResources(core, '', 'v1'), ...lists.flat()], unreadableGroups };
  };
  return {
    discover() {
      pending ??= load().catch((error: unknown) => {
        pending = undefined;
        throw error;
      });
      return pending;
    },
  };
}

/** `deployments.apps`, `Deployment`, `deploy`: how a resource is named back to the reader. */
export function qualifiedName(resource: ApiResource): string {
  return resource.group ? `${resource.plural}.${resource.group}` : resource.plural;
}

function names(resource: ApiResource): string[] {
  return [resource.plural, resource.singular, resource.kind.toLowerCase(), ...resource.shortNames].map((n) =>
    n.toLowerCase(),
  );
}

export type KindResolution = { ok: true; resource: ApiResource } | { ok: false; message: string };

/**
 * Resolve what kubectl accepts as a type: Kind, plural, singular or short name, optionally
 * qualified by group (`networkpolicies.networking.k8s.io`) or version and group
 * (`deployments.v1.apps`). The core group wins a tie, then discovery order, as in kubectl.
 */
export function resolveKind(resources: readonly ApiResource[], text: string): KindResolution {
  const wanted = text.trim().toLowerCase();
  const dot = wanted.indexOf('.');
  const matches = (resource: ApiResource, name: string) => names(resource).includes(name);
  let found = resources.find((r) => matches(r, wanted));
  if (!found && dot > 0) {
    const name = wanted.slice(0, dot);
    const qualifier = wanted.slice(dot + 1);
    found = resources.find(
      (r) => matches(r, name) && (r.group === qualifier || `${r.version}.${r.group}` === qualifier),
    );
  }
  if (found) return { ok: true, resource: found };
  const closest = closestKinds(resources, dot > 0 ? wanted.slice(0, dot) : wanted);
  return {
    ok: false,
    message:
      `the server doesn't have a resource type "${text}"` +
      (closest.length ? `; closest: ${closest.join(', ')}` : '') +
      '. Use a kind (PersistentVolumeClaim), its plural (persistentvolumeclaims), a short name (pvc) or plural.group.',
  };
}

/** Up to five plurals whose names (plural, singular, kind, short names) are closest to a wrong guess. */
function closestKinds(resources: readonly ApiResource[], wanted: string): string[] {
  const ranked = resources.map((resource) => ({
    plural: resource.plural,
    distance: Math.min(...names(resource).map((name) => editDistance(wanted, name))),
  }));
  ranked.sort((a, b) => a.distance - b.distance || a.plural.localeCompare(b.plural));
  return [...new Set(ranked.map((entry) => entry.plural))].slice(0, 5);
}
