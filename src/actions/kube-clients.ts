import type { AppsV1Api, CoreV1Api } from '@kubernetes/client-node';
import type { Env } from '../config/load.js';
import { lazyClient } from '../servers/lazy-client.js';
import type { RollbackApi } from './rollback.js';

export interface ActionClients {
  apps: RollbackApi;
  core: Pick<CoreV1Api, 'listNamespacedPod'>;
  /** Loads the client now, ahead of the first call; resolves once loaded, rejects with why not. */
  warm(): Promise<void>;
}

/**
 * The host's own Kubernetes clients for the action path: KUBECONFIG as kubectl reads it, or the
 * pod's service account. @kubernetes/client-node is loaded on the first call, not with the
 * command: every diagnosis makes these clients for its proposal, and parsing the client was the
 * largest part of a diagnosis's start-up. A configuration that cannot be read rejects that call.
 */
export function actionClients(env: Env): ActionClients {
  const { client, warm } = lazyClient(async () => {
    const { AppsV1Api, CoreV1Api, KubeConfig } = await import('@kubernetes/client-node');
    const kubeConfig = new KubeConfig();
    if (env.KUBECONFIG) kubeConfig.loadFromFile(env.KUBECONFIG.split(':')[0] ?? env.KUBECONFIG);
    else if (env.KUBERNETES_SERVICE_HOST) kubeConfig.loadFromCluster();
    else kubeConfig.loadFromDefault();
    return {
      apps: kubeConfig.makeApiClient(AppsV1Api) as AppsV1Api,
      core: kubeConfig.makeApiClient(CoreV1Api) as CoreV1Api,
    };
  });
  return { apps: client.apps, core: client.core, warm };
}
