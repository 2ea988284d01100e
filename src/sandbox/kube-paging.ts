import type { KubeObject } from './scenario-types.js';
import { KubeStatusError, badRequest } from './kube-status.js';

/** `metadata` of a list: its resource version and, when a `limit` cut it, where to go on. */
export interface ListMeta {
  resourceVersion: string;
  continue?: string;
  remainingItemCount?: number;
}

function expired(): KubeStatusError {
  return new KubeStatusError({
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: 'The provided continue parameter is too old to display a consistent list result.',
    reason: 'Expired',
    code: 410,
  });
}

/**
 * One page of a list, as `limit` and `continue` ask (kubectl reads in chunks of 500). The token
 * is opaque to clients; here it is the offset of the next item, tied to the list's version.
 */
export function pageOf(
  objects: KubeObject[],
  params: URLSearchParams,
  resourceVersion: string,
): { items: KubeObject[]; metadata: ListMeta } {
  const limitText = params.get('limit');
  const token = params.get('continue');
  let offset = 0;
  if (token) {
    let decoded: unknown;
    try {
      decoded = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    } catch {
      throw badRequest(`invalid continue token: ${token}`);
    }
    const { rv, start } = (decoded ?? {}) as { rv?: unknown; start?: unknown };
    if (rv !== resourceVersion || typeof start !== 'number') throw expired();
    offset = start;
  }
  const limit = limitText ? Number(limitText) : 0;
  if (!Number.isInteger(limit) || limit < 0) throw badRequest(`limit: Invalid value: "${limitText}"`);
  const end = limit > 0 ? offset + limit : objects.length;
  const items = objects.slice(offset, end);
  const remaining = objects.length - Math.min(end, objects.length);
  return {
    items,
    metadata: {
      resourceVersion,
      ...(remaining > 0
        ? {
            continue: Buffer.from(JSON.stringify({ rv: resourceVersion, start: end })).toString('base64url'),
            remainingItemCount: remaining,
          }
        : {}),
    },
  };
}
