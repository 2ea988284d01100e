import type { AppsV1Api, AuthenticationV1Api, AuthorizationV1Api, CoreV1Api } from '@kubernetes/client-node';

import type { KubernetesApiReader } from './api-reader.js';

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
  /**
   * GET-only reads of any path: discovery and the kinds `get_resources` lists. It refuses
   * credential-bearing resources (Secrets) itself.
   */
  api: KubernetesApiReader;
  /** Access reviews: questions to the authorizer, which change nothing in the cluster. */
  authorization: Pick<AuthorizationV1Api, 'createSelfSubjectAccessReview' | 'createSubjectAccessReview'>;
  /** Who the agent's credentials are (SelfSubjectReview), to name it in access checks. */
  authentication: Pick<AuthenticationV1Api, 'createSelfSubjectReview'>;
  /** The only namespaces this server may read; the first is the default. */
  namespaces: string[];
  /** The clock used for pod ages; defaults to the system clock. */
  now?: () => Date;
}
