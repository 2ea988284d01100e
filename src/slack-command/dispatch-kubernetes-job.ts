import type { BatchV1Api } from '@kubernetes/client-node';
import { errorMessage } from '../errors/errors.js';
import type { Logger } from '../util/log.js';
import type { DiagnosisRequest, DispatchResult, Dispatcher } from './dispatcher.js';
import { diagnosisJob, diagnosisJobName } from './job-manifest.js';
import { dispatchedReply } from './replies.js';
import type { ResponseMessage } from './response-url.js';

export type JobApi = Pick<BatchV1Api, 'createNamespacedJob'>;

export interface JobDispatchOptions {
  api: JobApi;
  namespace: string;
  image: string;
  serviceAccount: string;
  timeoutSeconds: number;
  secretName?: string;
  /** Non-secret settings passed to the Job (JOB_PASSED_ENV picked from the server's environment). */
  env: Record<string, string>;
  /** Where reports go, for the reply. */
  channel: string | null;
  logger: Logger;
}

function statusCode(error: unknown): number | undefined {
  return typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'number'
    ? error.code
    : undefined;
}

/**
 * Scale-out: each diagnosis becomes a Kubernetes Job running `sre-agent run-event`. The Job's name
 * comes from the dedupe key, so a second replica asked the same thing gets 409 and says so.
 */
export function createKubernetesJobDispatcher(options: JobDispatchOptions): Dispatcher {
  return {
    kind: 'kubernetes-job',
    async run(
      request: DiagnosisRequest,
      reply: (m: ResponseMessage) => Promise<void>,
    ): Promise<DispatchResult> {
      const body = diagnosisJob({
        namespace: options.namespace,
        image: options.image,
        serviceAccount: options.serviceAccount,
        timeoutSeconds: options.timeoutSeconds,
        ...(options.secretName ? { secretName: options.secretName } : {}),
        env: options.env,
        trigger: {
          service: request.service,
          namespace: request.namespace,
          text: request.text,
          dedupeKey: request.dedupeKey,
          responseUrl: request.responseUrl,
          requestedBy: request.requestedBy,
        },
      });
      const job = diagnosisJobName(request.service, request.dedupeKey);
      try {
        await options.api.createNamespacedJob({ namespace: options.namespace, body });
        options.logger.info(`dispatched Job ${job}`, {
          service: request.service,
          namespace: options.namespace,
        });
      } catch (error) {
        if (statusCode(error) !== 409)
          throw new Error(`creating Job ${job} failed: ${errorMessage(error)}`, { cause: error });
        options.logger.info(`Job ${job} already exists: another replica dispatched it`, {
          service: request.service,
        });
      }
      await reply(dispatchedReply(request.service, job, options.namespace, options.channel));
      return { state: 'dispatched', job };
    },
  };
}
