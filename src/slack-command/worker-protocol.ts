import type { DiagnoseFlags } from '../config/load.js';
import type { RunEvent } from '../agent/run-events.js';
import type { DiagnosisRequest, DispatchResult } from './dispatcher.js';
import type { ResponseMessage } from './response-url.js';

/**
 * The messages between `serve slack` and a diagnosis worker, over the IPC channel of
 * `child_process.fork` (JSON). The request goes here, never in argv (other users of the host see
 * argv); secrets reach the worker only through its environment.
 */
export type ToWorker =
  | {
      type: 'run';
      request: DiagnosisRequest;
      flags: Omit<Partial<DiagnoseFlags>, 'service' | 'namespace'>;
      /** Whether the server has a dedupe store the worker must claim through (`claim` messages). */
      claims: boolean;
    }
  | { type: 'claimed'; id: number; first: boolean };

export type FromWorker =
  /** A message for the requester's `response_url`: the server posts it, the worker never does. */
  | { type: 'reply'; message: ResponseMessage }
  | { type: 'claim'; id: number; key: string }
  | { type: 'event'; event: RunEvent }
  | { type: 'done'; result: DispatchResult }
  /** The diagnosis failed the ordinary way (an error, not a crash). */
  | { type: 'failed'; error: string };
