import { parse as parseYaml } from 'yaml';
import type { ToolOutcome } from '../../normalize-result.js';

/** One table row, keyed by the column header in lowercase without punctuation (`CLUSTER-IP` → `clusterip`). */
export type Row = Record<string, string>;

/** A Kubernetes object as YAML or JSON gives it. */
export type KubeObject = Record<string, unknown> & {
  metadata?: { name?: string; namespace?: string; labels?: Record<string, string> };
};

export type Listing = { kind: 'objects'; objects: KubeObject[] } | { kind: 'rows'; rows: Row[] };

const normalKey = (key: string) => key.toLowerCase().replace(/[^a-z0-9]/g, '');

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Leading `# …` lines are the server's preamble (`# The following events (YAML format) were found:`). */
export function withoutPreamble(text: string): string {
  const lines = text.split('\n');
  let start = 0;
  while (start < lines.length && /^\s*(#.*)?$/.test(lines[start] ?? '')) start += 1;
  return lines.slice(start).join('\n');
}

/** YAML (a list, a `kind: List`, or one object) as objects; anything unparseable as none. */
export function parseYamlObjects(text: string): KubeObject[] {
  let value: unknown;
  try {
    value = parseYaml(withoutPreamble(text));
  } catch {
    return [];
  }
  if (Array.isArray(value)) return value.filter(isObject) as KubeObject[];
  if (isObject(value) && Array.isArray(value.items)) return value.items.filter(isObject) as KubeObject[];
  return isObject(value) ? [value as KubeObject] : [];
}

/**
 * A kubectl-style table: the header's columns are separated by two or more spaces (a header such as
 * `NOMINATED NODE` keeps its one space). `<none>` cells read as empty.
 */
export function parseTable(text: string): Row[] {
  const lines = withoutPreamble(text)
    .split('\n')
    .filter((line) => line.trim() !== '');
  const header = lines[0];
  if (!header || !/\bNAME\b/.test(header)) return [];
  const columns = [...header.matchAll(/\S+(?: \S+)*/g)].map((m) => ({
    key: normalKey(m[0]),
    start: m.index,
  }));
  return lines.slice(1).map((line) => {
    const cells = line.trim().split(/\s{2,}|\t/);
    // Aligned output is cut at the header's offsets; a row that does not split evenly still is.
    const values =
      cells.length === columns.length
        ? cells
        : columns.map((c, i) => line.slice(c.start, columns[i + 1]?.start ?? line.length).trim());
    return Object.fromEntries(
      columns.map((c, i) => {
        const value = (values[i] ?? '').trim();
        return [c.key, value === '<none>' ? '' : value];
      }),
    );
  });
}

/** What a list tool answered: whole objects (YAML output, or JSON) or table rows. */
export function readListing(outcome: ToolOutcome): Listing {
  const items = outcome.structured?.items;
  if (Array.isArray(items) && items.every(isObject)) {
    if (items.some((item) => isObject(item.metadata)))
      return { kind: 'objects', objects: items as KubeObject[] };
    return {
      kind: 'rows',
      rows: items.map((item) =>
        Object.fromEntries(
          Object.entries(item).map(([k, v]) => [normalKey(k), v === '<none>' ? '' : String(v)]),
        ),
      ),
    };
  }
  const body = withoutPreamble(outcome.text).trimStart();
  if (/^(- |apiVersion:|items:|kind:)/.test(body))
    return { kind: 'objects', objects: parseYamlObjects(body) };
  return { kind: 'rows', rows: parseTable(body) };
}

/** `app=cart,tier=web` as a map; `<none>` or empty as an empty map. */
export function parseLabels(text: string | undefined): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const pair of (text ?? '').split(',')) {
    const at = pair.indexOf('=');
    if (at > 0) labels[pair.slice(0, at).trim()] = pair.slice(at + 1).trim();
  }
  return labels;
}

/** An object's metadata.name, or '' when it has none. */
export function nameOf(object: KubeObject): string {
  return typeof object.metadata?.name === 'string' ? object.metadata.name : '';
}
