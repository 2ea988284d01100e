import { AppsV1Api, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import type { Env } from '../config/load.js';
import type { RollbackApi } from './rollback.js';

/**
 * The host's own Kubernetes clients for the action path: KUBECONFIG as kubectl reads it, or the
 * pod's service account. Made only where a proposal or an approved rollback needs them.
 */
export function actionClients(env: Env): { apps: RollbackApi; core: Pick<CoreV1Api, 'listNamespacedPod'> } {
  const kubeConfig = new KubeConfig();
  if (env.KUBECONFIG) kubeConfig.loadFromFile(env.KUBECONFIG.split(':')[0] ?? env.KUBECONFIG);
  else if (env.KUBERNETES_SERVICE_HOST) kubeConfig.loadFromCluster();
  else kubeConfig.loadFromDefault();
  return { apps: kubeConfig.makeApiClient(AppsV1Api), core: kubeConfig.makeApiClient(CoreV1Api) };
}
