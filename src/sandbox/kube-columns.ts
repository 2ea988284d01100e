import type { KubeObject } from './scenario-types.js';
import { ageAt } from './kube-age.js';

/** A `columnDefinitions` entry of a meta.k8s.io Table. */
export interface ColumnDefinition {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  format: string;
  description: string;
  /** 0 for the default columns; 1 for those kubectl shows only with `-o wide`. */
  priority: number;
}

/** How one kind is printed: its columns and each object's cells, in the same order. */
export interface TablePrinter {
  columns: ColumnDefinition[];
  cells(object: KubeObject, now: Date): unknown[];
}

/** An object of any kind, read defensively: scenarios are hand-written. */
export type Loose = Record<string, unknown>;
type Cell = (object: Loose, now: Date) => unknown;

/** A column definition and how to compute its cell. */
export function column(name: string, cell: Cell, options: Partial<ColumnDefinition> = {}) {
  const definition: ColumnDefinition = {
    name,
    type: 'string',
    format: name === 'Name' ? 'name' : '',
    description: `${name} of the object`,
    priority: 0,
    ...options,
  };
  return { definition, cell };
}
export type Column = ReturnType<typeof column>;

/** Options for columns kubectl shows only with `-o wide`, and for integer columns. */
export const wide = { priority: 1 };
export const integer = { type: 'integer' as const };

/** A printer from columns in display order. */
export function printer(columns: Column[]): TablePrinter {
  return {
    columns: columns.map((c) => c.definition),
    cells: (object, now) => columns.map((c) => c.cell(object as Loose, now)),
  };
}

/** Read a nested field without trusting the scenario's shape. */
export function at(object: unknown, ...path: (string | number)[]): unknown {
  let current = object;
  for (const key of path) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string | number, unknown>)[key];
  }
  return current;
}
/** A string cell, or the fallback kubectl prints for an empty value. */
export function text(value: unknown, fallback = '<none>'): string {
  return typeof value === 'string' && value !== ''
    ? value
    : typeof value === 'number'
      ? String(value)
      : fallback;
}
/** A numeric field, 0 when absent (replica counts are omitted when zero). */
export function count(value: unknown): number {
  return typeof value === 'number' ? value : 0;
}
/** A list field, empty when absent or not a list. */
export function list(value: unknown): Loose[] {
  return Array.isArray(value) ? (value as Loose[]) : [];
}

/** The Name and Age columns every kind has. */
export const name = column('Name', (o) => at(o, 'metadata', 'name'));
export const age = column('Age', (o, now) => ageAt(at(o, 'metadata', 'creationTimestamp'), now));

/** A label map as kubectl prints it: `k=v` pairs sorted by key, `<none>` when empty. */
export function formatLabels(value: unknown): string {
  const pairs = Object.entries((value ?? {}) as Loose)
    .filter(([, v]) => typeof v === 'string')
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${String(v)}`);
  return pairs.length ? pairs.join(',') : '<none>';
}

/**
 * A LabelSelector (`matchLabels` and `matchExpressions`) as kubectl prints it: requirements sorted
 * by key, `k=v`, `k in (a,b)`, `k notin (a)`, `k`, `!k`; `<none>` for an empty selector.
 */
export function formatLabelSelector(value: unknown): string {
  const requirements: [string, string][] = [];
  for (const [key, v] of Object.entries((at(value, 'matchLabels') ?? {}) as Loose)) {
    if (typeof v === 'string') requirements.push([key, `${key}=${v}`]);
  }
  for (const expression of list(at(value, 'matchExpressions'))) {
    const key = text(expression.key, '');
    const values = (Array.isArray(expression.values) ? (expression.values as unknown[]) : [])
      .map(String)
      .sort()
      .join(',');
    const operator = text(expression.operator, '');
    const rendered =
      operator === 'In'
        ? `${key} in (${values})`
        : operator === 'NotIn'
          ? `${key} notin (${values})`
          : operator === 'Exists'
            ? key
            : operator === 'DoesNotExist'
              ? `!${key}`
              : `${key} ${operator.toLowerCase()} (${values})`;
    requirements.push([key, rendered]);
  }
  if (requirements.length === 0) return '<none>';
  return requirements
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([, rendered]) => rendered)
    .join(',');
}

/** The names and the images of a pod template's containers, comma-separated, as `-o wide` shows them. */
export function containerCells(podSpec: unknown): { names: string; images: string } {
  const containers = list(at(podSpec, 'containers'));
  return {
    names: containers.map((c) => text(c.name, '')).join(','),
    images: containers.map((c) => text(c.image, '')).join(','),
  };
}

/** Access modes in kubectl's short form and fixed order: `RWO,ROX,RWX,RWOP`. */
export function accessModes(value: unknown): string {
  const modes = Array.isArray(value) ? (value as unknown[]) : [];
  const short: [string, string][] = [
    ['ReadWriteOnce', 'RWO'],
    ['ReadOnlyMany', 'ROX'],
    ['ReadWriteMany', 'RWX'],
    ['ReadWriteOncePod', 'RWOP'],
  ];
  return short
    .filter(([mode]) => modes.includes(mode))
    .map(([, abbreviation]) => abbreviation)
    .join(',');
}

/** `True`/`False` for a set boolean, `<unset>` otherwise (kubectl's printBoolPtr). */
export function boolWord(value: unknown): string {
  if (typeof value !== 'boolean') return '<unset>';
  return value ? 'True' : 'False';
}

/** The default columns of kinds the API server has no printer for: Name and Created At. */
export const createdAt = column(
  'Created At',
  (o) => {
    const time = Date.parse(String(at(o, 'metadata', 'creationTimestamp') ?? ''));
    return Number.isNaN(time) ? null : new Date(time).toISOString().replace('.000Z', 'Z');
  },
  {
    type: 'date',
    description:
      'CreationTimestamp is a timestamp representing the server time when this object was created.',
  },
);
