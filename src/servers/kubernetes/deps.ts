import type { AppsV1Api, CoreV1Api } from '@kubernetes/client-node';

/** What the Kubernetes server needs: narrow slices of the client so a test can back them with anything. */
export interface KubernetesServerDeps {
  core: Pick<
    CoreV1Api,
    | 'listNamespacedPod'
    | 'readNamespacedPod'
    | 'readNamespacedPodLog'
    | 'listNamespacedEvent'
    | 'listNamespacedService'
  >;
  apps: Pick<AppsV1Api, 'listNamespacedDeployment' | 'listNamespacedStatefulSet' | 'listNamespacedDaemonSet'>;
  /** The only namespaces this server may read; the first is the default. */
  namespaces: string[];
  /** The clock used for pod ages; defaults to the system clock. */
  now?: () => Date;
}
