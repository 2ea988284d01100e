/**
 * Reading raw Kubernetes objects (as `get_resources` returns them) defensively: any field may be
 * missing, and a server may hand back any shape.
 */
export type KubeObject = Record<string, unknown>;

/** The value at a path of nested objects, or undefined. */
export function at(value: unknown, ...path: (string | number)[]): unknown {
  let current = value;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string | number, unknown>)[key];
  }
  return current;
}

export function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

export function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

export function list(value: unknown): KubeObject[] {
  return Array.isArray(value)
    ? value.filter((v): v is KubeObject => v !== null && typeof v === 'object' && !Array.isArray(v))
    : [];
}

export function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/** A string map (labels, selectors, quota figures). */
export function stringMap(value: unknown): Record<string, string> {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return {};
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => typeof v === 'string' || typeof v === 'number')
      .map(([k, v]) => [k, String(v)]),
  );
}

export const nameOf = (o: unknown): string => str(at(o, 'metadata', 'name')) ?? '?';
export const labelsOf = (o: unknown): Record<string, string> => stringMap(at(o, 'metadata', 'labels'));

/** A condition of an object's status by type (`Failed`, `ReplicaFailure`, `ScalingActive`…). */
export function condition(
  o: unknown,
  type: string,
): { status?: string; reason?: string; message?: string } | undefined {
  const found = list(at(o, 'status', 'conditions')).find((c) => c.type === type);
  return found
    ? { status: str(found.status), reason: str(found.reason), message: str(found.message) }
    : undefined;
}

interface Requirement {
  key: string;
  operator: string;
  values: string[];
}

/**
 * Whether labels satisfy a LabelSelector (`matchLabels` + `matchExpressions`). An empty selector
 * selects everything, as in NetworkPolicy `podSelector: {}`; a missing one (undefined) nothing.
 */
export function selectorMatches(selector: unknown, labels: Record<string, string>): boolean {
  if (selector === undefined || selector === null) return false;
  const matchLabels = stringMap(at(selector, 'matchLabels'));
  if (Object.entries(matchLabels).some(([k, v]) => labels[k] !== v)) return false;
  const expressions: Requirement[] = list(at(selector, 'matchExpressions')).map((e) => ({
    key: str(e.key) ?? '',
    operator: str(e.operator) ?? '',
    values: strings(e.values),
  }));
  return expressions.every(({ key, operator, values }) => {
    const value = labels[key];
    if (operator === 'In') return value !== undefined && values.includes(value);
    if (operator === 'NotIn') return value === undefined || !values.includes(value);
    if (operator === 'Exists') return value !== undefined;
    if (operator === 'DoesNotExist') return value === undefined;
    return false;
  });
}

/** A plain `key: value` selector (a Service's) against labels; empty selects nothing. */
export function mapSelectorMatches(
  selector: Record<string, string>,
  labels: Record<string, string>,
): boolean {
  const entries = Object.entries(selector);
  return entries.length > 0 && entries.every(([k, v]) => labels[k] === v);
}

/** `app=cart,tier=web` */
export function formatMap(map: Record<string, string>): string {
  return Object.entries(map)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}
