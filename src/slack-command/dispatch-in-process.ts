import type { DiagnoseFlags, Env } from '../config/load.js';
import type { RunEvent } from '../agent/run-events.js';
import type { Report } from '../report/schema.js';
import type { Logger } from '../util/log.js';
import type { DiagnosisRequest, DispatchResult, Dispatcher } from './dispatcher.js';
import { duplicateReply, finalReply, startedReply } from './replies.js';
import { reportLink } from './report-link.js';
import type { ResponseMessage } from './response-url.js';

/** The one diagnosis core, injected so that this module does not depend on `triggers/`. */
export type DiagnoseOnce = (
  flags: DiagnoseFlags,
  deps: {
    env: Env;
    logger: Logger;
    incident: { service: string; namespace: string; source: 'slack'; text: string; dedupeKey: string };
    onEvent?: (event: RunEvent) => void;
    claim?: (key: string) => Promise<boolean>;
  },
) => Promise<{ report: Report }>;

/**
 * Diagnoses in this process: the report goes to the channel through the normal one-post path; the
 * requester gets "started" and then the link through `response_url`.
 */
export function createInProcessDispatcher(options: {
  env: Env;
  logger: Logger;
  diagnoseOnce: DiagnoseOnce;
  flags?: Omit<Partial<DiagnoseFlags>, 'service' | 'namespace'>;
  onEvent?: (event: RunEvent) => void;
  /** Replicas agree through the dedupe store: one post per service and cooldown window. */
  claim?: (key: string) => Promise<boolean>;
}): Dispatcher {
  return {
    kind: 'in-process',
    async run(
      request: DiagnosisRequest,
      reply: (m: ResponseMessage) => Promise<void>,
    ): Promise<DispatchResult> {
      await reply(startedReply(request.service));
      const { claim } = options;
      let claimedElsewhere = false;
      const { report } = await options.diagnoseOnce(
        { ...options.flags, service: request.service, namespace: request.namespace },
        {
          env: options.env,
          logger: options.logger,
          incident: {
            service: request.service,
            namespace: request.namespace,
            source: 'slack',
            text: request.text,
            dedupeKey: request.dedupeKey,
          },
          ...(options.onEvent ? { onEvent: options.onEvent } : {}),
          ...(claim
            ? {
                claim: async (key: string) => {
                  const first = await claim(key);
                  claimedElsewhere = !first;
                  return first;
                },
              }
            : {}),
        },
      );
      const { channel, ts } = report.slack;
      const link =
        report.slack.posted && channel && ts
          ? await reportLink(options.env, { channel, ts }, options.logger)
          : undefined;
      await reply(claimedElsewhere ? duplicateReply(report) : finalReply(report, link));
      return { state: report.slack.posted ? 'posted' : 'finished', ...(link ? { link } : {}) };
    },
  };
}
