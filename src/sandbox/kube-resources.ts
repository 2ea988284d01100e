import { builtinResources } from './kube-builtin-resources.js';

export { builtinResources, builtinSubresources } from './kube-builtin-resources.js';

/** One API resource as discovery describes it (an entry of an APIResourceList). */
export interface KubeResource {
  /** '' for the core group. */
  group: string;
  version: string;
  plural: string;
  singular: string;
  kind: string;
  namespaced: boolean;
  shortNames: string[];
  verbs: string[];
  categories?: string[];
}

/** Whether objects of this kind live outside any namespace (Node, Namespace, ...). */
export function isClusterScopedKind(kind: string): boolean {
  return builtinResources.some((r) => r.kind === kind && !r.namespaced);
}

/** `apps/v1` → `{group: 'apps', version: 'v1'}`; `v1` → core. */
export function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.indexOf('/');
  return slash < 0
    ? { group: '', version: apiVersion }
    : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

/** `group/version` the way discovery and objects spell it (`v1` for core). */
export function groupVersionOf(group: string, version: string): string {
  return group === '' ? version : `${group}/${version}`;
}

/** English plural of a kind, for kinds the sandbox has no table entry for. */
export function guessPlural(kind: string): string {
  const lower = kind.toLowerCase();
  if (/(s|x|z|ch|sh)$/.test(lower)) return `${lower}es`;
  if (/[^aeiou]y$/.test(lower)) return `${lower.slice(0, -1)}ies`;
  return `${lower}s`;
}

/**
 * The resource an object is served under: a known one for its group and kind (builtin, or from a
 * CustomResourceDefinition of the scenario), or a made-up one for custom kinds without a
 * definition, so that scenarios can carry CRD instances anyway.
 */
export function resourceForObject(
  apiVersion: string,
  kind: string,
  namespaced: boolean,
  known: readonly KubeResource[] = builtinResources,
): KubeResource {
  const { group, version } = splitApiVersion(apiVersion);
  const found = known.find((r) => r.group === group && r.kind === kind);
  if (found) return found;
  return {
    group,
    version,
    plural: guessPlural(kind),
    singular: kind.toLowerCase(),
    kind,
    namespaced,
    shortNames: [],
    verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
  };
}
