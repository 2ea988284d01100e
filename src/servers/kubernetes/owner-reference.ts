import type { V1OwnerReference } from '@kubernetes/client-node';

/**
 * The controller among an object's owners (the one with `controller: true`, else the first), as
 * `{ownerKind, ownerName}` to spread into a summary; empty when the object has no owner.
 */
export function ownerOf(references: readonly V1OwnerReference[] | undefined): {
  ownerKind?: string;
  ownerName?: string;
} {
  const owner = references?.find((reference) => reference.controller) ?? references?.[0];
  return owner ? { ownerKind: owner.kind, ownerName: owner.name } : {};
}
