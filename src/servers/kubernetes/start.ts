import type { BundledServer, BundledServerOptions } from '../bundled-server.js';
import { warmOrWarn } from '../bundled-server.js';
import { lazyClient } from '../lazy-client.js';
import { UsageError, errorMessage } from '../../errors/errors.js';
import type { Logger } from '../../util/log.js';
import { explicitNamespaces, kubeConfigSource, type KubeConfigSource } from './kubeconfig-source.js';
import { createKubernetesServer } from './server.js';

/**
 * The Kubernetes server of `sre-agent mcp kubernetes`. @kubernetes/client-node takes longer to
 * parse than the rest of the server: when the namespaces are known without the kubeconfig, the
 * server answers `initialize` and `tools/list` first and loads the client after.
 */
export async function startKubernetesServer(
  options: BundledServerOptions,
  logger: Logger,
): Promise<BundledServer> {
  // A missing configuration fails the start, as it would if the client were loaded now.
  const source = kubeConfigSource(options.env);
  const namespaces = explicitNamespaces(options.env, options.namespaces);
  const now = options.now ? { now: options.now } : {};
  if (!namespaces) {
    // Only the kubeconfig's context names the namespace: read it now.
    const { kubernetesDepsFromEnv } = await import('./from-env.js');
    let found;
    try {
      found = kubernetesDepsFromEnv(options.env, options.namespaces);
    } catch (error) {
      // A configuration the user can fix: exit 2 with what to fix, not an unexpected failure.
      throw new UsageError(
        `cannot read the Kubernetes configuration (${describeSource(source)}): ${errorMessage(error)}`,
      );
    }
    const deps = { ...found, ...now };
    logger.info('kubernetes server scope', { namespaces: deps.namespaces });
    return createKubernetesServer(deps);
  }
  const clients = lazyClient(async () => {
    const { kubernetesClientsFromEnv } = await import('./from-env.js');
    try {
      return kubernetesClientsFromEnv(options.env);
    } catch (error) {
      // Found at start but unreadable now: name the file, so the tool error says what to fix.
      throw new Error(
        `cannot read the Kubernetes configuration (${describeSource(source)}): ${errorMessage(error)}`,
      );
    }
  });
  const { core, apps, api, authorization, authentication } = clients.client;
  logger.info('kubernetes server scope', { namespaces });
  return {
    ...createKubernetesServer({ core, apps, api, authorization, authentication, namespaces, ...now }),
    warm: () => warmOrWarn(clients, 'the Kubernetes client', logger),
  };
}

function describeSource(source: KubeConfigSource): string {
  if (source.kind === 'files') return `KUBECONFIG ${source.files.join(', ')}`;
  if (source.kind === 'in-cluster') return 'the in-cluster service account';
  return source.file;
}
