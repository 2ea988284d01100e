import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';

import {
  AppsV1Api,
  AuthenticationV1Api,
  AuthorizationV1Api,
  CoreV1Api,
  KubeConfig,
} from '@kubernetes/client-node';

import { UsageError } from '../../errors/errors.js';
import { kubernetesApiReader } from './api-reader.js';
import type { KubernetesServerDeps } from './deps.js';

type Env = Record<string, string | undefined>;

/**
 * Kubernetes clients and namespace scope from the environment (DESIGN.md 4.2): `KUBECONFIG` (a list,
 * merged as kubectl does), else the in-cluster service account when `KUBERNETES_SERVICE_HOST` is
 * set, else `~/.kube/config`. Namespaces: `namespaces`, else `SRE_AGENT_NAMESPACES`, else the
 * context's namespace, else `default`.
 */
export function kubernetesDepsFromEnv(env: Env, namespaces?: string[]): KubernetesServerDeps {
  const kubeConfig = loadKubeConfig(env);
  allowPlainHttp(kubeConfig);
  const contextNamespace = kubeConfig.getContextObject(kubeConfig.getCurrentContext())?.namespace;
  const fromEnv = splitList(env['SRE_AGENT_NAMESPACES']);
  const scope = namespaces?.length ? namespaces : fromEnv.length ? fromEnv : [contextNamespace || 'default'];
  return {
    core: kubeConfig.makeApiClient(CoreV1Api),
    apps: kubeConfig.makeApiClient(AppsV1Api),
    api: kubernetesApiReader(kubeConfig),
    authorization: kubeConfig.makeApiClient(AuthorizationV1Api),
    authentication: kubeConfig.makeApiClient(AuthenticationV1Api),
    namespaces: scope,
  };
}

function loadKubeConfig(env: Env): KubeConfig {
  const kubeConfig = new KubeConfig();
  const files = splitList(env['KUBECONFIG'], delimiter);
  if (files.length > 0) {
    for (const [index, file] of files.entries()) {
      if (!existsSync(file)) throw new UsageError(`KUBECONFIG names '${file}', which does not exist`);
      if (index === 0) {
        kubeConfig.loadFromFile(file);
      } else {
        const more = new KubeConfig();
        more.loadFromFile(file);
        kubeConfig.mergeConfig(more);
      }
    }
    return kubeConfig;
  }
  if (env['KUBERNETES_SERVICE_HOST']) {
    kubeConfig.loadFromCluster();
    return kubeConfig;
  }
  const home = env['HOME'] || env['USERPROFILE'];
  const defaultFile = home ? join(home, '.kube', 'config') : undefined;
  if (defaultFile && existsSync(defaultFile)) {
    kubeConfig.loadFromFile(defaultFile);
    return kubeConfig;
  }
  throw new UsageError(
    'no Kubernetes configuration: set KUBECONFIG, run inside a cluster, or create ~/.kube/config',
  );
}

/**
 * client-node 1.x refuses an `http://` server unless the cluster says `insecure-skip-tls-verify`,
 * although there is no TLS to verify; kubectl accepts it as is (`kubectl proxy`, local APIs).
 */
function allowPlainHttp(kubeConfig: KubeConfig): void {
  kubeConfig.clusters = kubeConfig.clusters.map((cluster) =>
    cluster.server.startsWith('http:') && !cluster.skipTLSVerify
      ? { ...cluster, skipTLSVerify: true }
      : cluster,
  );
}

function splitList(value: string | undefined, separator = ','): string[] {
  return (value ?? '')
    .split(separator)
    .map((item) => item.trim())
    .filter(Boolean);
}
