import { stringify } from 'yaml';

import {
  isSecretEntry,
  looksSecretName,
  looksSecretValue,
  maskSecretLines,
  redacted,
} from '../../guards/secret-like-config.js';

/** An API object as JSON gives it. */
export type ApiObject = Record<string, unknown>;

const lastApplied = 'kubectl.kubernetes.io/last-applied-configuration';

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** A `data`/`stringData` value: secret-like keys and values masked, config files line by line. */
function maskDataValue(key: string, value: unknown): unknown {
  if (typeof value !== 'string') return value;
  if (looksSecretName(key)) return redacted;
  const text = value.replace(/\n$/, '');
  if (!text.includes('\n')) return isSecretEntry(key, text) ? redacted : value;
  return maskSecretLines(value);
}

function maskMap(value: unknown): unknown {
  if (!isRecord(value)) return value;
  return Object.fromEntries(Object.entries(value).map(([key, v]) => [key, maskDataValue(key, v)]));
}

/** Environment variables with secret-like names or values, and command words that carry credentials. */
function maskContainersDeep(value: unknown, key = ''): unknown {
  if (Array.isArray(value)) {
    if (key === 'env') {
      return value.map((entry) =>
        isRecord(entry) && typeof entry.name === 'string' && typeof entry.value === 'string'
          ? { ...entry, value: isSecretEntry(entry.name, entry.value) ? redacted : entry.value }
          : entry,
      );
    }
    if (key === 'command' || key === 'args') {
      return value.map((word) => (typeof word === 'string' && looksSecretValue(word) ? redacted : word));
    }
    return value.map((entry) => maskContainersDeep(entry));
  }
  if (!isRecord(value)) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskContainersDeep(v, k)]));
}

/**
 * Who last wrote which spec fields (`kubectl-scale` set `spec.replicas` through the scale
 * subresource at 08:57): the managedFields entries that touch `spec`, each cut to the spec's
 * top-level field names. Everything else in managedFields is noise for a diagnosis.
 */
function specWriters(managedFields: unknown): ApiObject[] {
  if (!Array.isArray(managedFields)) return [];
  return managedFields.flatMap((entry) => {
    if (!isRecord(entry) || !isRecord(entry.fieldsV1) || !isRecord(entry.fieldsV1['f:spec'])) return [];
    const spec = Object.fromEntries(
      Object.keys(entry.fieldsV1['f:spec'])
        .filter((key) => key.startsWith('f:'))
        .map((key) => [key, {}]),
    );
    return [
      {
        manager: entry.manager,
        operation: entry.operation,
        ...(entry.subresource ? { subresource: entry.subresource } : {}),
        time: entry.time,
        fieldsV1: { 'f:spec': spec },
      },
    ];
  });
}

/**
 * An object as `get_resources` returns it: apiVersion and kind filled in (list items lack them),
 * with managedFields cut to who wrote which spec fields, without the last-applied annotation (noise,
 * and a copy of the data), with
 * secret-like values of `data`/`stringData`, env and commands masked and binary data summarised.
 */
export function cleanObject(object: ApiObject, apiVersion: string, kind: string): ApiObject {
  const metadata = isRecord(object.metadata) ? { ...object.metadata } : {};
  const writers = specWriters(metadata.managedFields);
  if (writers.length) metadata.managedFields = writers;
  else delete metadata.managedFields;
  if (isRecord(metadata.annotations)) {
    const annotations = { ...metadata.annotations };
    delete annotations[lastApplied];
    metadata.annotations = annotations;
    if (Object.keys(annotations).length === 0) delete metadata.annotations;
  }
  const cleaned: ApiObject = {
    apiVersion: typeof object.apiVersion === 'string' ? object.apiVersion : apiVersion,
    kind: typeof object.kind === 'string' ? object.kind : kind,
    ...(maskContainersDeep(object) as ApiObject),
    metadata,
  };
  if ('data' in cleaned) cleaned.data = maskMap(cleaned.data);
  if ('stringData' in cleaned) cleaned.stringData = maskMap(cleaned.stringData);
  if (isRecord(cleaned.binaryData)) {
    cleaned.binaryData = Object.fromEntries(
      Object.entries(cleaned.binaryData).map(([key, v]) => [
        key,
        `[binary, ${String(v).length} base64 chars]`,
      ]),
    );
  }
  return cleaned;
}

/** A meta.k8s.io Table as the API server returns it. */
export interface ApiTable {
  kind: 'Table';
  columnDefinitions: { name: string; priority?: number }[];
  rows: { cells: unknown[]; object?: unknown }[];
  metadata?: { continue?: string };
}

export function isTable(value: unknown): value is ApiTable {
  return (
    isRecord(value) &&
    value.kind === 'Table' &&
    Array.isArray(value.columnDefinitions) &&
    Array.isArray(value.rows)
  );
}

function cellText(value: unknown): string {
  if (value === null || value === undefined || value === '') return '<none>';
  if (typeof value === 'string') return value.replace(/\s*\n\s*/g, ' ');
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

/**
 * The default `kubectl get` columns of a Table (priority 0), aligned like kubectl prints them;
 * rows past `maxChars` are left out and counted. Empty cells read `<none>`.
 */
export function renderTable(
  columns: string[],
  rows: unknown[][],
  maxChars: number,
): { text: string; shownRows: number } {
  const cells = [columns.map((c) => c.toUpperCase()), ...rows.map((row) => row.map(cellText))];
  const widths = columns.map((_, i) => Math.max(...cells.map((row) => (row[i] ?? '').length)));
  const lines = cells.map((row) =>
    row
      .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join('   ')
      .trimEnd(),
  );
  let length = 0;
  const kept: string[] = [];
  for (const line of lines) {
    if (kept.length > 1 && length + line.length + 1 > maxChars) break;
    kept.push(line);
    length += line.length + 1;
  }
  return { text: kept.join('\n'), shownRows: kept.length - 1 };
}

/** The default columns of a Table and each row's cells in them. */
export function defaultColumns(table: ApiTable): { columns: string[]; rows: unknown[][] } {
  const shown = table.columnDefinitions
    .map((column, index) => ({ column, index }))
    .filter(({ column }) => (column.priority ?? 0) === 0);
  return {
    columns: shown.map(({ column }) => column.name),
    rows: table.rows.map((row) => shown.map(({ index }) => row.cells[index])),
  };
}

/**
 * One object as compact YAML: the metadata a reader needs (name, namespace, labels, owners, age),
 * then spec, status and any other content (ConfigMap data, Role rules, StorageClass fields), cut
 * at `maxChars` with a note.
 */
export function renderObjectYaml(object: ApiObject, maxChars: number): string {
  const metadata = isRecord(object.metadata) ? object.metadata : {};
  const owners = Array.isArray(metadata.ownerReferences)
    ? metadata.ownerReferences.filter(isRecord).map((ref) => `${String(ref.kind)}/${String(ref.name)}`)
    : [];
  const compactMetadata = {
    name: metadata.name,
    ...(metadata.namespace ? { namespace: metadata.namespace } : {}),
    ...(isRecord(metadata.labels) && Object.keys(metadata.labels).length ? { labels: metadata.labels } : {}),
    ...(owners.length ? { ownerReferences: owners } : {}),
    ...(metadata.creationTimestamp ? { creationTimestamp: metadata.creationTimestamp } : {}),
    ...(metadata.deletionTimestamp ? { deletionTimestamp: metadata.deletionTimestamp } : {}),
  };
  const rest = Object.fromEntries(
    Object.entries(object).filter(
      ([key]) => !['apiVersion', 'kind', 'metadata', 'spec', 'status'].includes(key),
    ),
  );
  const view = {
    kind: object.kind,
    apiVersion: object.apiVersion,
    metadata: compactMetadata,
    ...(object.spec !== undefined ? { spec: object.spec } : {}),
    ...rest,
    ...(object.status !== undefined ? { status: object.status } : {}),
  };
  const text = stringify(view, { lineWidth: 0 }).trimEnd();
  if (text.length <= maxChars) return text;
  const cut = text.slice(0, maxChars);
  const lines = cut.slice(0, cut.lastIndexOf('\n')).split('\n');
  return `${lines.join('\n')}\n# … cut at ${maxChars} characters: ${text.length - lines.join('\n').length} more`;
}
