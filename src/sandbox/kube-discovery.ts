import type { KubeResource } from './kube-resources.js';
import { builtinSubresources, groupVersionOf } from './kube-resources.js';

/** The version the sandbox claims to be: recent enough for every current client. */
export const sandboxKubeVersion = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.4',
  gitCommit: '0000000000000000000000000000000000000000',
  gitTreeState: 'clean',
  buildDate: '2025-04-22T00:00:00Z',
  goVersion: 'go1.23.8',
  compiler: 'gc',
  platform: 'linux/amd64',
};

/** `GET /api`: the legacy core group's versions. */
export function apiVersions(serverAddress: string) {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

function groupNames(resources: readonly KubeResource[]): string[] {
  return [...new Set(resources.filter((r) => r.group !== '').map((r) => r.group))];
}

function apiGroup(resources: readonly KubeResource[], group: string) {
  const versions = [...new Set(resources.filter((r) => r.group === group).map((r) => r.version))].map(
    (version) => ({
      groupVersion: groupVersionOf(group, version),
      version,
    }),
  );
  return { name: group, versions, preferredVersion: versions[0] ?? { groupVersion: '', version: '' } };
}

/** `GET /apis`: every named group the sandbox serves. */
export function apiGroupList(resources: readonly KubeResource[]) {
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: groupNames(resources).map((g) => apiGroup(resources, g)),
  };
}

/** `GET /apis/<group>`, or undefined when the group is unknown. */
export function apiGroupDocument(resources: readonly KubeResource[], group: string) {
  if (!resources.some((r) => r.group === group)) return undefined;
  return { kind: 'APIGroup', apiVersion: 'v1', ...apiGroup(resources, group) };
}

/** `GET /api/v1` or `/apis/<group>/<version>`: an APIResourceList, or undefined when unknown. */
export function apiResourceList(resources: readonly KubeResource[], group: string, version: string) {
  const served = [...resources, ...builtinSubresources].filter(
    (r) => r.group === group && r.version === version,
  );
  if (served.length === 0) return undefined;
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: groupVersionOf(group, version),
    resources: served
      .sort((a, b) => a.plural.localeCompare(b.plural))
      .map((r) => ({
        name: r.plural,
        singularName: r.singular,
        namespaced: r.namespaced,
        kind: r.kind,
        verbs: r.verbs,
        ...(r.shortNames.length ? { shortNames: r.shortNames } : {}),
        ...(r.categories ? { categories: r.categories } : {}),
      })),
  };
}
