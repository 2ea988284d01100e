const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40 };
const DECIMAL: Record<string, number> = { k: 1e3, M: 1e6, G: 1e9, T: 1e12, m: 1e-3 };

/** A Kubernetes quantity (`128Mi`, `1.5Gi`, `500m`, `2`) as a number (bytes or cores); undefined if unreadable. */
export function parseQuantity(value: string | undefined): number | undefined {
  if (!value) return undefined;
  const m = value.trim().match(/^(\d+(?:\.\d+)?)([KMGT]i|[kMGTm])?$/);
  if (!m) return undefined;
  const n = Number(m[1]);
  const unit = m[2];
  if (!unit) return n;
  return n * (BINARY[unit] ?? DECIMAL[unit] ?? 1);
}

/** Bytes as a short binary quantity: `128Mi`, `1.5Gi`. */
export function formatBytes(bytes: number): string {
  if (bytes >= 2 ** 30) return `${+(bytes / 2 ** 30).toFixed(1)}Gi`;
  if (bytes >= 2 ** 20) return `${Math.round(bytes / 2 ** 20)}Mi`;
  return `${Math.round(bytes / 2 ** 10)}Ki`;
}
