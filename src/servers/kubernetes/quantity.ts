/** Multipliers of the Kubernetes quantity suffixes (binary `Ki`… and decimal `m`, `k`, `M`…). */
const suffixes: Record<string, number> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
};

/**
 * A Kubernetes quantity (`128Mi`, `1.5Gi`, `250m`, `2`, `1e9`) in base units (bytes or cores), or
 * undefined when it is not one.
 */
export function parseQuantity(quantity: string | number | undefined): number | undefined {
  if (typeof quantity === 'number') return quantity;
  const match = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE])?)$/.exec(
    (quantity ?? '').trim(),
  );
  if (!match?.[1]) return undefined;
  const value = Number(match[1]);
  if (match[2]) return value * 10 ** Number(match[2].slice(1));
  return value * (suffixes[match[3] ?? ''] ?? 1);
}

/** Bytes the way people read memory sizes: `512Mi`, `1.5Gi`. */
export function formatBytes(bytes: number): string {
  const units: [string, number][] = [
    ['Ti', 2 ** 40],
    ['Gi', 2 ** 30],
    ['Mi', 2 ** 20],
    ['Ki', 2 ** 10],
  ];
  for (const [unit, size] of units) {
    if (Math.abs(bytes) >= size) return `${trimNumber(bytes / size)}${unit}`;
  }
  return `${Math.round(bytes)}`;
}

/** Cores the way Kubernetes writes them: `250m` below one core, `1.5` above. */
export function formatCores(cores: number): string {
  return Math.abs(cores) < 1 ? `${Math.round(cores * 1000)}m` : trimNumber(cores);
}

function trimNumber(value: number): string {
  return String(Math.round(value * 100) / 100);
}
