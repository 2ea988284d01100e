import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';

import { UsageError } from '../../errors/errors.js';

type Env = Record<string, string | undefined>;

/** Where the Kubernetes configuration comes from, decided without parsing it (and without the client library). */
export type KubeConfigSource =
  { kind: 'files'; files: string[] } | { kind: 'in-cluster' } | { kind: 'default-file'; file: string };

/**
 * The source kubectl would use: `KUBECONFIG` (a list; every file must exist), else the in-cluster
 * service account when `KUBERNETES_SERVICE_HOST` is set, else `~/.kube/config`. Throws `UsageError`
 * naming what is missing, so that a misconfigured server fails at start, before any tool call.
 */
export function kubeConfigSource(env: Env): KubeConfigSource {
  const files = splitList(env['KUBECONFIG'], delimiter);
  if (files.length > 0) {
    for (const file of files) {
      if (!existsSync(file)) throw new UsageError(`KUBECONFIG names '${file}', which does not exist`);
    }
    return { kind: 'files', files };
  }
  if (env['KUBERNETES_SERVICE_HOST']) return { kind: 'in-cluster' };
  const home = env['HOME'] || env['USERPROFILE'];
  const defaultFile = home ? join(home, '.kube', 'config') : undefined;
  if (defaultFile && existsSync(defaultFile)) return { kind: 'default-file', file: defaultFile };
  throw new UsageError(
    'no Kubernetes configuration: set KUBECONFIG, run inside a cluster, or create ~/.kube/config',
  );
}

/**
 * The namespaces the server may read when they are known without the kubeconfig: `namespaces`,
 * else `SRE_AGENT_NAMESPACES`. Undefined when only the context's namespace can tell.
 */
export function explicitNamespaces(env: Env, namespaces?: string[]): string[] | undefined {
  if (namespaces?.length) return namespaces;
  const fromEnv = splitList(env['SRE_AGENT_NAMESPACES']);
  return fromEnv.length ? fromEnv : undefined;
}

export function splitList(value: string | undefined, separator = ','): string[] {
  return (value ?? '')
    .split(separator)
    .map((item) => item.trim())
    .filter(Boolean);
}
