import { badRequest } from './kube-status.js';

/** A JSON value as patches carry it. */
type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function isObject(value: unknown): value is Record<string, Json> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * RFC 7386 JSON merge patch (`application/merge-patch+json`): objects merge key by key, `null`
 * deletes a key, anything else (arrays included) replaces.
 */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return patch;
  const result: Record<string, unknown> = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = applyMergePatch(result[key], value);
  }
  return result;
}

/**
 * Strategic merge patch (`application/strategic-merge-patch+json`) for the fields a Deployment's
 * pod template has: lists of named objects (containers, env, ports, volumes, volumeMounts) merge
 * by `name` as the API server's patch strategy for them says; `$patch: replace` replaces a map and
 * `$patch: delete` removes a list entry. Other lists replace, as for lists without a merge key.
 * https://kubernetes.io/docs/tasks/manage-kubernetes-objects/update-api-object-kubectl-patch/
 */
export function applyStrategicMergePatch(target: unknown, patch: unknown): unknown {
  if (Array.isArray(patch)) return mergeList(target, patch);
  if (!isObject(patch)) return patch;
  if (patch.$patch === 'replace') {
    const { $patch: _directive, ...rest } = patch;
    return rest;
  }
  const result: Record<string, unknown> = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (key.startsWith('$')) continue;
    if (value === null) delete result[key];
    else result[key] = applyStrategicMergePatch(result[key], value);
  }
  return result;
}

function mergeList(target: unknown, patch: Json[]): unknown {
  const named = patch.every((item) => isObject(item) && typeof item.name === 'string');
  if (!named || !Array.isArray(target)) return patch.filter((item) => !(isObject(item) && item.$patch));
  const result = [...(target as unknown[])];
  for (const item of patch as Array<Record<string, Json>>) {
    const index = result.findIndex((entry) => isObject(entry) && entry.name === item.name);
    if (item.$patch === 'delete') {
      if (index >= 0) result.splice(index, 1);
    } else if (index >= 0) {
      result[index] = applyStrategicMergePatch(result[index], item);
    } else {
      result.push(applyStrategicMergePatch(undefined, item));
    }
  }
  return result;
}

/** `/spec/template/metadata` → keys, with `~1` and `~0` decoded (RFC 6901). */
function pointer(path: string): string[] {
  if (path === '') return [];
  if (!path.startsWith('/')) throw badRequest(`the JSON patch path "${path}" is not a JSON pointer`);
  return path
    .slice(1)
    .split('/')
    .map((key) => key.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/**
 * RFC 6902 JSON patch (`application/json-patch+json`), the kind `kubectl rollout undo` sends:
 * `add`, `replace`, `remove` and `test`, each applied to a copy.
 */
export function applyJsonPatch(target: unknown, operations: unknown): unknown {
  if (!Array.isArray(operations)) throw badRequest('a JSON patch must be a list of operations');
  let document = structuredClone(target);
  for (const raw of operations) {
    const op = raw as { op?: string; path?: string; value?: unknown };
    const keys = pointer(String(op.path ?? ''));
    if (keys.length === 0) {
      if (op.op === 'replace' || op.op === 'add') document = structuredClone(op.value);
      continue;
    }
    const last = keys[keys.length - 1] as string;
    let parent: unknown = document;
    for (const key of keys.slice(0, -1)) {
      parent = Array.isArray(parent) ? parent[Number(key)] : isObject(parent) ? parent[key] : undefined;
      if (parent === undefined) throw badRequest(`the JSON patch path "${op.path}" does not exist`);
    }
    const container = parent as Record<string, unknown> | unknown[];
    const exists = Array.isArray(container) ? Number(last) < container.length : last in container;
    if (op.op === 'test') {
      const current = Array.isArray(container) ? container[Number(last)] : container[last];
      if (JSON.stringify(current) !== JSON.stringify(op.value))
        throw badRequest(`the JSON patch test at "${op.path}" failed`);
    } else if (op.op === 'remove' || op.op === 'replace') {
      if (!exists) throw badRequest(`the JSON patch path "${op.path}" does not exist`);
      if (op.op === 'remove') {
        if (Array.isArray(container)) container.splice(Number(last), 1);
        else delete container[last];
      } else if (Array.isArray(container)) container[Number(last)] = structuredClone(op.value);
      else container[last] = structuredClone(op.value);
    } else if (op.op === 'add') {
      if (Array.isArray(container)) {
        container.splice(last === '-' ? container.length : Number(last), 0, structuredClone(op.value));
      } else container[last] = structuredClone(op.value);
    } else {
      throw badRequest(`the sandbox does not apply the JSON patch operation "${String(op.op)}"`);
    }
  }
  return document;
}
