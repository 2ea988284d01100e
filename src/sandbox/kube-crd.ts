import type { KubeObject } from './scenario-types.js';
import type { KubeResource } from './kube-resources.js';
import type { Column, Loose, TablePrinter } from './kube-columns.js';
import { age, column, name, printer } from './kube-columns.js';
import { ageAt } from './kube-age.js';

// A CustomResourceDefinition in the scenario makes its kind served as the apiextensions server
// would: discovery with its names, scope and categories, and `kubectl get` columns from its
// additionalPrinterColumns (Name and Age when it has none).

/** One step of a printer column's JSONPath: a field, an index, `[*]`, or `[?(@.key=="value")]`. */
function step(values: unknown[], token: string): unknown[] {
  const filter = /^\[\?\(@\.([\w.-]+)\s*==\s*["']?([^"')]*)["']?\)\]$/.exec(token);
  if (filter) {
    const [, key = '', wanted = ''] = filter;
    return values.flatMap((value) =>
      (Array.isArray(value) ? value : []).filter((item) => String(lookup(item, key.split('.'))) === wanted),
    );
  }
  if (token === '[*]') return values.flatMap((value) => (Array.isArray(value) ? value : []));
  const index = /^\[(\d+)\]$/.exec(token);
  if (index) return values.map((value) => (Array.isArray(value) ? value[Number(index[1])] : undefined));
  return values.map((value) =>
    typeof value === 'object' && value !== null ? (value as Loose)[token] : undefined,
  );
}

function lookup(value: unknown, keys: string[]): unknown {
  return keys.reduce<unknown>(
    (current, key) => (typeof current === 'object' && current !== null ? (current as Loose)[key] : undefined),
    value,
  );
}

/** Evaluate the simple JSONPath forms printer columns use (`.status.phase`, `.spec.x[0]`, filters). */
export function evaluateJsonPath(object: unknown, path: string): unknown[] {
  const tokens = path.match(/\[[^\]]*\]|[^.[\]]+/g) ?? [];
  return tokens
    .reduce<unknown[]>((values, token) => step(values, token), [object])
    .filter((value) => value !== undefined && value !== null);
}

function printerColumn(definition: Loose): Column {
  const type = typeof definition.type === 'string' ? definition.type : 'string';
  const jsonPath = typeof definition.jsonPath === 'string' ? definition.jsonPath : '';
  return column(
    String(definition.name ?? ''),
    (object, now) => {
      const values = evaluateJsonPath(object, jsonPath);
      if (values.length === 0) return type === 'string' ? '' : null;
      if (type === 'date') return ageAt(values[0], now);
      if (values.length > 1)
        return values.map((v) => (typeof v === 'object' ? JSON.stringify(v) : String(v))).join(',');
      const [value] = values;
      return typeof value === 'object' ? JSON.stringify(value) : value;
    },
    {
      type: (['integer', 'number', 'boolean', 'date'].includes(type)
        ? type
        : 'string') as Column['definition']['type'],
      priority: typeof definition.priority === 'number' ? definition.priority : 0,
      description: typeof definition.description === 'string' ? definition.description : '',
    },
  );
}

/** Kubernetes version order: v2 before v1, GA before beta before alpha, then by number. */
function versionRank(version: string): number {
  const match = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(version);
  if (!match) return 0;
  const [, major = '0', stage, minor = '0'] = match;
  const stageRank = stage === undefined ? 2 : stage === 'beta' ? 1 : 0;
  return stageRank * 1e6 + Number(major) * 1e3 + Number(minor);
}

/** The resources and printers of the scenario's CRDs, keyed `group/plural` for the printers. */
export function customResources(objects: readonly KubeObject[]): {
  resources: KubeResource[];
  printers: Record<string, TablePrinter>;
} {
  const resources: KubeResource[] = [];
  const printers: Record<string, TablePrinter> = {};
  const crds = objects.filter(
    (o) => o.kind === 'CustomResourceDefinition' && o.apiVersion.startsWith('apiextensions.k8s.io/'),
  );
  for (const crd of crds) {
    const spec = (crd.spec ?? {}) as Loose;
    const names = (spec.names ?? {}) as Loose;
    const group = typeof spec.group === 'string' ? spec.group : '';
    const plural = typeof names.plural === 'string' ? names.plural : '';
    const kind = typeof names.kind === 'string' ? names.kind : '';
    if (!group || !plural || !kind) continue;
    const versions = (Array.isArray(spec.versions) ? (spec.versions as Loose[]) : [])
      .filter((v) => v.served !== false && typeof v.name === 'string')
      .sort((a, b) => versionRank(String(b.name)) - versionRank(String(a.name)));
    for (const version of versions) {
      resources.push({
        group,
        version: String(version.name),
        plural,
        singular: typeof names.singular === 'string' ? names.singular : kind.toLowerCase(),
        kind,
        namespaced: spec.scope !== 'Cluster',
        shortNames: Array.isArray(names.shortNames) ? names.shortNames.map(String) : [],
        verbs: ['delete', 'deletecollection', 'get', 'list', 'patch', 'create', 'update', 'watch'],
        ...(Array.isArray(names.categories) ? { categories: names.categories.map(String) } : {}),
      });
    }
    // Columns of the preferred version: the one kubectl reads.
    const columns = Array.isArray(versions[0]?.additionalPrinterColumns)
      ? (versions[0].additionalPrinterColumns as Loose[])
      : [];
    printers[`${group}/${plural}`] = columns.length
      ? printer([name, ...columns.map(printerColumn)])
      : printer([name, age]);
  }
  return { resources, printers };
}
