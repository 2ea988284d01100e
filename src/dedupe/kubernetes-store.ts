import type { CoordinationV1Api, V1Lease } from '@kubernetes/client-node';
import type { DedupeStore } from './dedupe-store.js';
import { asPostedNote, dedupeObjectName } from './dedupe-store.js';

/** The two calls the store makes; a narrow type so that any client (or a fake) fits. */
export type LeaseApi = Pick<
  CoordinationV1Api,
  'createNamespacedLease' | 'readNamespacedLease' | 'deleteNamespacedLease' | 'replaceNamespacedLease'
>;

const NOTE_ANNOTATION = 'sre-agent/posted';

function statusCode(error: unknown): number | undefined {
  return typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'number'
    ? error.code
    : undefined;
}

/**
 * Claims as Kubernetes Leases, created if absent: the API server's 409 AlreadyExists is the
 * atomic "someone else claimed it", so Lambda invocations, jobs and Slack replicas agree. The
 * Lease is named from the key's hash; the key itself is kept in an annotation for people.
 */
export function createKubernetesDedupeStore(options: {
  api: LeaseApi;
  namespace: string;
  /** Who claims (host name, Lambda request id); written as the Lease's holder. */
  holder: string;
}): DedupeStore {
  const { api, namespace } = options;
  const lease = (key: string, annotations: Record<string, string> = {}): V1Lease => ({
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: {
      name: dedupeObjectName(key),
      namespace,
      labels: { 'app.kubernetes.io/managed-by': 'sre-agent', 'sre-agent/role': 'dedupe' },
      annotations: { 'sre-agent/dedupe-key': key.slice(0, 1_000), ...annotations },
    },
    spec: { holderIdentity: options.holder.slice(0, 253) },
  });
  return {
    kind: 'kubernetes',
    claim: async (key) => {
      const body: V1Lease = {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: {
          name: dedupeObjectName(key),
          namespace,
          labels: { 'app.kubernetes.io/managed-by': 'sre-agent', 'sre-agent/role': 'dedupe' },
          annotations: { 'sre-agent/dedupe-key': key.slice(0, 1_000) },
        },
        spec: { holderIdentity: options.holder.slice(0, 253) },
      };
      try {
        await api.createNamespacedLease({ namespace, body });
        return true;
      } catch (error) {
        if (statusCode(error) === 409) return false;
        throw error;
      }
    },
    isClaimed: async (key) => {
      try {
        await api.readNamespacedLease({ namespace, name: dedupeObjectName(key) });
        return true;
      } catch (error) {
        if (statusCode(error) === 404) return false;
        throw error;
      }
    },
    release: async (key) => {
      try {
        await api.deleteNamespacedLease({ namespace, name: dedupeObjectName(key) });
      } catch (error) {
        if (statusCode(error) !== 404) throw error;
      }
    },
    // The note is an annotation of its own Lease: created, or replaced when the key was noted before.
    remember: async (key, note) => {
      const body = lease(key, { [NOTE_ANNOTATION]: JSON.stringify(note) });
      try {
        await api.createNamespacedLease({ namespace, body });
      } catch (error) {
        if (statusCode(error) !== 409) throw error;
        const current = await api.readNamespacedLease({ namespace, name: dedupeObjectName(key) });
        body.metadata = { ...body.metadata, resourceVersion: current.metadata?.resourceVersion };
        await api.replaceNamespacedLease({ namespace, name: dedupeObjectName(key), body });
      }
    },
    recall: async (key) => {
      try {
        const found = await api.readNamespacedLease({ namespace, name: dedupeObjectName(key) });
        const raw = found.metadata?.annotations?.[NOTE_ANNOTATION];
        return raw ? asPostedNote(JSON.parse(raw)) : undefined;
      } catch (error) {
        if (statusCode(error) === 404) return undefined;
        throw error;
      }
    },
  };
}
