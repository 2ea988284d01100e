import type { ResponseMessage } from './response-url.js';

/** One `/sre diagnose` the server accepted, as a dispatcher receives it. */
export interface DiagnosisRequest {
  service: string;
  namespace: string;
  /** Slack user id of whoever asked. */
  requestedBy: string;
  /** Verified: it came in a signed Slack request. */
  responseUrl: string;
  dedupeKey: string;
  /** The alert text the run sees: who asked, from where. */
  text: string;
}

export interface DispatchResult {
  state: 'posted' | 'finished' | 'dispatched';
  link?: string;
  job?: string;
}

/**
 * Where a diagnosis runs: in this process (`in-process`) or as a Kubernetes Job (`kubernetes-job`).
 * `reply` posts progress to the requester's `response_url`.
 */
export interface Dispatcher {
  readonly kind: 'in-process' | 'kubernetes-job';
  run(request: DiagnosisRequest, reply: (message: ResponseMessage) => Promise<void>): Promise<DispatchResult>;
}
