import type { EngineContext } from '../../engine.js';
import { readObject, readObjects } from '../cluster-read.js';
import type { ServiceFacts } from '../facts.js';
import { at, list, nameOf, str } from '../k8s-object.js';

/**
 * Settings a validation library reports missing, one per entry: pydantic prints the field's name
 * on its own line and `Field required [type=missing…]` under it.
 */
export function missingFields(text: string): { key: string; line: string }[] {
  const found: { key: string; line: string }[] = [];
  for (const m of text.matchAll(/^([A-Za-z_][A-Za-z0-9_.]*)\r?\n\s+(Field required\b[^\n]*)/gm)) {
    const key = m[1] as string;
    if (!found.some((f) => f.key === key)) found.push({ key, line: `${key}: ${m[2] as string}` });
  }
  return found;
}

export interface KeyHolder {
  /** The variable as the ConfigMap spells it. */
  key: string;
  configMap: string;
  /** The ConfigMaps the pod does take its environment from. */
  referenced: string[];
}

/** The ConfigMaps a pod's containers take variables from (envFrom and env valueFrom). */
function referencedConfigMaps(pod: unknown): string[] {
  const containers = [...list(at(pod, 'spec', 'containers')), ...list(at(pod, 'spec', 'initContainers'))];
  const names = containers.flatMap((c) => [
    ...list(c.envFrom).map((e) => str(at(e, 'configMapRef', 'name')) ?? ''),
    ...list(c.env).map((e) => str(at(e, 'valueFrom', 'configMapKeyRef', 'name')) ?? ''),
  ]);
  return [...new Set(names.filter(Boolean))];
}

/**
 * A variable the container misses that a ConfigMap of the namespace does hold, in a ConfigMap the
 * pod does not reference: the key was moved or added where the workload does not look (settings
 * libraries match variables case-insensitively, so `rating_engine_url` is `RATING_ENGINE_URL`).
 */
export async function unreferencedHolder(
  ctx: EngineContext,
  facts: ServiceFacts,
  podName: string,
  keys: string[],
): Promise<KeyHolder | null> {
  const pod = await readObject(ctx, 'Pod', podName, facts.namespace);
  if (!pod) return null;
  const referenced = referencedConfigMaps(pod);
  const configMaps = (await readObjects(ctx, 'ConfigMap', { namespace: facts.namespace })) ?? [];
  for (const wanted of keys) {
    const variants = new Set([wanted, wanted.toUpperCase(), wanted.toLowerCase()]);
    for (const configMap of configMaps) {
      const data = at(configMap, 'data');
      const key = Object.keys(typeof data === 'object' && data ? data : {}).find((k) => variants.has(k));
      if (key && !referenced.includes(nameOf(configMap)))
        return { key, configMap: nameOf(configMap), referenced };
    }
  }
  return null;
}
