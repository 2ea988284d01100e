import {
  AppsV1Api,
  AuthenticationV1Api,
  AuthorizationV1Api,
  CoreV1Api,
  KubeConfig,
} from '@kubernetes/client-node';

import { kubernetesApiReader } from './api-reader.js';
import type { KubernetesServerDeps } from './deps.js';
import { explicitNamespaces, kubeConfigSource } from './kubeconfig-source.js';

type Env = Record<string, string | undefined>;

/**
 * Kubernetes clients and namespace scope from the environment (DESIGN.md 4.2): `KUBECONFIG` (a list,
 * merged as kubectl does), else the in-cluster service account when `KUBERNETES_SERVICE_HOST` is
 * set, else `~/.kube/config`. Namespaces: `namespaces`, else `SRE_AGENT_NAMESPACES`, else the
 * context's namespace, else `default`.
 */
export function kubernetesDepsFromEnv(env: Env, namespaces?: string[]): KubernetesServerDeps {
  const kubeConfig = loadKubeConfig(env);
  const contextNamespace = kubeConfig.getContextObject(kubeConfig.getCurrentContext())?.namespace;
  return {
    ...kubernetesClients(kubeConfig),
    namespaces: explicitNamespaces(env, namespaces) ?? [contextNamespace || 'default'],
  };
}

/** The clients of `kubernetesDepsFromEnv`, without the namespace scope (the lazy server knows it already). */
export function kubernetesClientsFromEnv(env: Env): Omit<KubernetesServerDeps, 'namespaces' | 'now'> {
  return kubernetesClients(loadKubeConfig(env));
}

function kubernetesClients(kubeConfig: KubeConfig): Omit<KubernetesServerDeps, 'namespaces' | 'now'> {
  return {
    core: kubeConfig.makeApiClient(CoreV1Api),
    apps: kubeConfig.makeApiClient(AppsV1Api),
    api: kubernetesApiReader(kubeConfig),
    authorization: kubeConfig.makeApiClient(AuthorizationV1Api),
    authentication: kubeConfig.makeApiClient(AuthenticationV1Api),
  };
}

/** The kubeconfig `kubeConfigSource` finds, merged as kubectl merges a `KUBECONFIG` list. */
function loadKubeConfig(env: Env): KubeConfig {
  const source = kubeConfigSource(env);
  const kubeConfig = new KubeConfig();
  if (source.kind === 'files') {
    for (const [index, file] of source.files.entries()) {
      if (index === 0) {
        loadFile(kubeConfig, file);
      } else {
        const more = new KubeConfig();
        loadFile(more, file);
        kubeConfig.mergeConfig(more);
      }
    }
  } else if (source.kind === 'in-cluster') {
    kubeConfig.loadFromCluster();
  } else {
    loadFile(kubeConfig, source.file);
  }
  allowPlainHttp(kubeConfig);
  return kubeConfig;
}

/**
 * One kubeconfig file. client-node fails on an empty file or a YAML document that is not a mapping
 * with a JavaScript TypeError; say instead what the file is not.
 */
function loadFile(kubeConfig: KubeConfig, file: string): void {
  try {
    kubeConfig.loadFromFile(file);
  } catch (error) {
    if (error instanceof TypeError)
      throw new Error(`${file} is empty or is not a kubeconfig (no clusters, users or contexts in it)`, {
        cause: error,
      });
    throw error;
  }
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
