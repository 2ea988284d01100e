import { CoordinationV1Api } from '@kubernetes/client-node';
import type { Env } from '../config/load.js';
import { errorMessage } from '../errors/errors.js';
import type { Logger } from '../util/log.js';
import { failOpen, noDedupe, type DedupeStore } from './dedupe-store.js';
import { contextNamespace, kubeConfigFromEnv } from './kube-config.js';
import { createKubernetesDedupeStore } from './kubernetes-store.js';
import { createMemoryDedupeStore } from './memory-store.js';

/**
 * The dedupe store a trigger uses, from `SRE_AGENT_DEDUPE`: `kubernetes` (default; Leases in
 * `SRE_AGENT_DEDUPE_NAMESPACE`, else the kube context's namespace, else `fallbackNamespace`),
 * `memory` (this process only) or `off`.
 * It fails open: a store that cannot answer lets the post through, with a warning.
 */
export function dedupeStoreFromEnv(
  env: Env,
  options: {
    fallbackNamespace: string;
    holder: string;
    logger: Logger;
    /** The process's own memory store, made once by the entry point; a fresh one otherwise. */
    memory?: DedupeStore;
  },
): DedupeStore {
  const choice = (env.SRE_AGENT_DEDUPE ?? 'kubernetes').trim().toLowerCase();
  if (choice === 'off' || choice === 'none') return noDedupe;
  const memory = (): DedupeStore => options.memory ?? createMemoryDedupeStore();
  if (choice === 'memory') return memory();
  if (choice !== 'kubernetes') {
    options.logger.warn(`SRE_AGENT_DEDUPE: '${choice}' is not kubernetes, memory or off; using kubernetes`);
  }
  try {
    const kubeConfig = kubeConfigFromEnv(env);
    const api = kubeConfig.makeApiClient(CoordinationV1Api);
    // In a pod, the context's namespace is the pod's own: where its Role lets it create Leases.
    const namespace =
      env.SRE_AGENT_DEDUPE_NAMESPACE?.trim() || contextNamespace(kubeConfig) || options.fallbackNamespace;
    return failOpen(createKubernetesDedupeStore({ api, namespace, holder: options.holder }), options.logger);
  } catch (error) {
    options.logger.warn('no Kubernetes access for dedupe claims: claims are held in this process only', {
      error: errorMessage(error),
    });
    return memory();
  }
}
