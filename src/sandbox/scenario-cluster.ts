import { parseAllDocuments } from 'yaml';
import { ScenarioError } from '../errors/errors.js';
import type { KubeObject } from './scenario-types.js';
import { isClusterScopedKind } from './kube-resources.js';
import { KubeObjectSchema, parseScenarioFile, yamlSyntaxError } from './scenario-schema.js';
import { cachedYamlDocuments } from './yaml-cache.js';

const file = 'cluster.yaml';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `kubectl get -o yaml` of several objects gives `kind: List` (or `PodList`, ...) with items. */
function isList(value: Record<string, unknown>): boolean {
  return typeof value.kind === 'string' && value.kind.endsWith('List') && 'items' in value;
}

function toObject(raw: unknown, field: string, namespace: string): KubeObject {
  if (!isRecord(raw)) throw new ScenarioError(file, field, 'expected a Kubernetes object (a map)');
  const object = parseScenarioFile(file, KubeObjectSchema, raw, field) as KubeObject;
  if (object.metadata.namespace === undefined && !isClusterScopedKind(object.kind)) {
    object.metadata.namespace = namespace;
  }
  return object;
}

function itemsOf(list: Record<string, unknown>, field: string, namespace: string): KubeObject[] {
  const items = list.items ?? [];
  if (!Array.isArray(items)) throw new ScenarioError(file, `${field}items`, 'expected a list of objects');
  return items.map((item, index) => toObject(item, `${field}items[${index}]`, namespace));
}

/**
 * Parse cluster.yaml: a v1 List with `items`, or multi-document YAML whose documents are objects
 * or lists. Namespaced objects without a namespace get the scenario's namespace.
 */
export function parseClusterYaml(text: string, namespace: string): KubeObject[] {
  const values = documentValues(text)
    .map((value, index) => ({ index, value }))
    .filter(({ value }) => value != null);
  const only = values.length === 1 ? values[0]?.value : undefined;
  if (isRecord(only) && isList(only)) return checkUnique(itemsOf(only, '', namespace), 'items');
  const objects: KubeObject[] = [];
  for (const { index, value } of values) {
    const field = `documents[${index}]`;
    if (isRecord(value) && isList(value)) objects.push(...itemsOf(value, `${field}.`, namespace));
    else objects.push(toObject(value, field, namespace));
  }
  return checkUnique(objects, 'objects');
}

/** The plain value of each document: from the build's cache for a bundled scenario, else parsed. */
function documentValues(text: string): unknown[] {
  const cached = cachedYamlDocuments(text);
  if (cached) return cached;
  const documents = parseAllDocuments(text);
  if (!Array.isArray(documents)) return [];
  for (const document of documents) {
    const error = document.errors[0];
    if (error) throw yamlSyntaxError(file, error);
  }
  return documents.map((document) => document.toJS() as unknown);
}

/** Two objects with the same kind, namespace and name would make reads ambiguous. */
function checkUnique(objects: KubeObject[], field: string): KubeObject[] {
  const seen = new Set<string>();
  objects.forEach((object, index) => {
    const { namespace, name } = object.metadata;
    const key = `${object.apiVersion} ${object.kind} ${namespace ?? ''}/${name}`;
    if (seen.has(key)) {
      const where = namespace ? `${namespace}/${name}` : name;
      throw new ScenarioError(file, `${field}[${index}]`, `duplicate ${object.kind} ${where}`);
    }
    seen.add(key);
  });
  return objects;
}
