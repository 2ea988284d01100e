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
