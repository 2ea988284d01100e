import type { EngineContext } from '../engine.js';
import { readObject } from './cluster-read.js';
import { at, list, str, stringMap } from './k8s-object.js';

/** One environment variable a container starts with, and where its value comes from. */
export interface EnvEntry {
  name: string;
  value: string;
  /** `env`, or `ConfigMap <name>` for values read through `envFrom` or `configMapKeyRef`. */
  from: string;
}

/**
 * The plain environment of a pod's containers: literal `env` values and the ConfigMap values
 * they read (`envFrom.configMapRef`, `valueFrom.configMapKeyRef`). Secrets are never read: a
 * diagnosis has no business with their values.
 */
export async function podEnvironment(
  ctx: EngineContext,
  pod: string,
  namespace: string,
): Promise<EnvEntry[]> {
  const object = await readObject(ctx, 'Pod', pod, namespace);
  if (!object) return [];
  const entries: EnvEntry[] = [];
  const configMaps = new Map<string, Record<string, string>>();
  const configMap = async (name: string) => {
    if (!configMaps.has(name)) {
      const found = await readObject(ctx, 'ConfigMap', name, namespace);
      configMaps.set(name, stringMap(at(found, 'data')));
    }
    return configMaps.get(name) ?? {};
  };
  for (const c of list(at(object, 'spec', 'containers'))) {
    for (const source of list(c.envFrom)) {
      const name = str(at(source, 'configMapRef', 'name'));
      if (!name) continue;
      const prefix = str(source.prefix) ?? '';
      for (const [key, value] of Object.entries(await configMap(name)))
        entries.push({ name: `${prefix}${key}`, value, from: `ConfigMap ${name}` });
    }
    for (const e of list(c.env)) {
      const name = str(e.name);
      if (!name) continue;
      const value = str(e.value);
      if (value !== undefined) {
        entries.push({ name, value, from: 'env' });
        continue;
      }
      const ref = at(e, 'valueFrom', 'configMapKeyRef');
      const map = str(at(ref, 'name'));
      const key = str(at(ref, 'key'));
      const referenced = map && key ? (await configMap(map))[key] : undefined;
      if (referenced !== undefined) entries.push({ name, value: referenced, from: `ConfigMap ${map}` });
    }
  }
  return entries;
}
