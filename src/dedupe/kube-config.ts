import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import type { Env } from '../config/load.js';
import { UsageError } from '../errors/errors.js';

/**
 * A KubeConfig from an explicit environment, as kubectl finds one: `KUBECONFIG` (a list, merged),
 * else the in-cluster service account, else `~/.kube/config`. Plain-http servers (local APIs,
 * `kubectl proxy`) are accepted, which client-node 1.x refuses unless TLS verification is "skipped".
 */
export function kubeConfigFromEnv(env: Env): KubeConfig {
  const kubeConfig = new KubeConfig();
  const files = (env.KUBECONFIG ?? '')
    .split(delimiter)
    .map((f) => f.trim())
    .filter(Boolean);
  const home = env.HOME || env.USERPROFILE;
  const homeFile = home ? join(home, '.kube', 'config') : undefined;
  if (files.length > 0) {
    for (const [index, file] of files.entries()) {
      if (!existsSync(file)) throw new UsageError(`KUBECONFIG names '${file}', which does not exist`);
      if (index === 0) kubeConfig.loadFromFile(file);
      else {
        const more = new KubeConfig();
        more.loadFromFile(file);
        kubeConfig.mergeConfig(more);
      }
    }
  } else if (env.KUBERNETES_SERVICE_HOST) {
    kubeConfig.loadFromCluster();
  } else if (homeFile && existsSync(homeFile)) {
    kubeConfig.loadFromFile(homeFile);
  } else {
    throw new UsageError(
      'no Kubernetes configuration: set KUBECONFIG, run inside a cluster, or create ~/.kube/config',
    );
  }
  kubeConfig.clusters = kubeConfig.clusters.map((cluster) =>
    cluster.server.startsWith('http:') && !cluster.skipTLSVerify
      ? { ...cluster, skipTLSVerify: true }
      : cluster,
  );
  return kubeConfig;
}

/** The namespace of the current context, when it names one. */
export function contextNamespace(kubeConfig: KubeConfig): string | undefined {
  return kubeConfig.getContextObject(kubeConfig.getCurrentContext())?.namespace || undefined;
}
