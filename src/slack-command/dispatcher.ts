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
  /** `refused`: the service named nothing in the cluster; the requester was told, nothing ran. */
  state: 'posted' | 'finished' | 'dispatched' | 'refused';
  link?: string;
  job?: string;
}

/**
 * Where a diagnosis runs: in a child process of the server (`child-process`), in the server's own
 * event loop (`in-process`, the old way and the benchmark's baseline) or as a Kubernetes Job.
 * `reply` posts progress to the requester's `response_url`.
 */
export interface Dispatcher {
  readonly kind: 'in-process' | 'child-process' | 'kubernetes-job';
  run(request: DiagnosisRequest, reply: (message: ResponseMessage) => Promise<void>): Promise<DispatchResult>;
  /**
   * Shutdown past its deadline: stop the diagnoses still running and refuse new ones, each
   * failing with `reason` (so the requester is told). Returns how many were running.
   */
  cancel?(reason: string): number;
}
