import type { Env } from '../config/load.js';
import { errorMessage } from '../errors/errors.js';
import type { Logger } from '../util/log.js';
import type { Dispatcher } from './dispatcher.js';
import { refusedReply } from './replies.js';

/** Whether a slash command's service names something in the cluster. */
export type WorkloadCheck =
  | { found: true }
  | { found: false; closest: string[] }
  /** The cluster could not be asked: the diagnosis goes ahead and its report says what it saw. */
  | { found: 'unknown'; reason: string };

/** Looks a service up the way a diagnosis would; injected so tests can answer without a cluster. */
export type WorkloadLookup = (service: string, namespace: string) => Promise<WorkloadCheck>;

/**
 * The lookup `serve slack` uses: the bundled Kubernetes server's own resolution (workloads and
 * Services by name, tolerant of `cart-service` vs `cartservice`, then pod labels and names), from
 * the same environment a diagnosis would use. `/sre diagnose <anything>` must not post a report to
 * the channel for a name that is no service: the person who typed it gets close matches instead.
 */
export function kubernetesWorkloadLookup(env: Env, logger: Logger): WorkloadLookup {
  return async (service, namespace) => {
    try {
      const [{ kubernetesDepsFromEnv }, { resolveServicePods }] = await Promise.all([
        import('../servers/kubernetes/from-env.js'),
        import('../servers/kubernetes/resolve-service.js'),
      ]);
      const resolution = await resolveServicePods(
        kubernetesDepsFromEnv(env, [namespace]),
        namespace,
        service,
      );
      if (resolution.workload !== null || resolution.pods.length > 0) return { found: true };
      return { found: false, closest: resolution.closestServices ?? [] };
    } catch (error) {
      logger.warn(`could not check that ${service} exists; diagnosing anyway`, {
        error: errorMessage(error),
      });
      return { found: 'unknown', reason: errorMessage(error) };
    }
  };
}

/** The ephemeral answer for a name that matches nothing, with the closest names when there are some. */
export function unknownServiceProblem(
  service: string,
  namespace: string,
  closest: readonly string[],
): string {
  const suggestion = closest.length
    ? `; did you mean ${closest
        .slice(0, 5)
        .map((n) => `\`${n}\``)
        .join(', ')}?`
    : '';
  return `no workload or Service named '${service}' in namespace '${namespace}'${suggestion} Nothing was posted`;
}

/**
 * Checks the service exists before `dispatcher` runs it, off the acknowledgement path: the check
 * asks the cluster (and loads its client the first time), which an ack must not wait on. A name
 * that matches nothing is answered on `response_url` and nothing runs or posts.
 */
export function withWorkloadCheck(
  dispatcher: Dispatcher,
  lookup: WorkloadLookup,
  logger: Logger,
): Dispatcher {
  return {
    kind: dispatcher.kind,
    ...(dispatcher.cancel ? { cancel: dispatcher.cancel.bind(dispatcher) } : {}),
    async run(request, reply) {
      const check = await lookup(request.service, request.namespace);
      if (check.found === false) {
        logger.info(`refused a diagnosis of unknown service ${request.service}`, {
          namespace: request.namespace,
          closest: check.closest,
        });
        await reply(refusedReply(unknownServiceProblem(request.service, request.namespace, check.closest)));
        return { state: 'refused' };
      }
      return dispatcher.run(request, reply);
    },
  };
}
