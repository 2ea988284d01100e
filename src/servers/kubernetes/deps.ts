import type { AppsV1Api, CoreV1Api } from '@kubernetes/client-node';

/**
 * What the Kubernetes server needs: narrow slices of the client so a test can back them with
 * anything. Read methods only, and none for Secrets: the server cannot read one whatever it is asked.
 */
export interface KubernetesServerDeps {
  core: Pick<
    CoreV1Api,
    | 'listNamespacedPod'
    | 'readNamespacedPod'
    | 'readNamespacedPodLog'
    | 'listNamespacedEvent'
    | 'listNamespacedService'
    | 'readNamespacedService'
    | 'readNamespacedEndpoints'
    | 'listNamespacedConfigMap'
    | 'listNode'
  >;
  apps: Pick<
    AppsV1Api,
    | 'listNamespacedDeployment'
    | 'readNamespacedDeployment'
    | 'listNamespacedReplicaSet'
    | 'listNamespacedStatefulSet'
    | 'listNamespacedDaemonSet'
  >;
  /** The only namespaces this server may read; the first is the default. */
  namespaces: string[];
  /** The clock used for pod ages; defaults to the system clock. */
  now?: () => Date;
}
