import { fork, type ChildProcess } from 'node:child_process';
import { setPriority } from 'node:os';
import type { DiagnoseFlags, Env } from '../config/load.js';
import type { RunEvent } from '../agent/run-events.js';
import { errorMessage } from '../errors/errors.js';
import type { Logger } from '../util/log.js';
import type { DiagnosisRequest, DispatchResult, Dispatcher } from './dispatcher.js';
import type { ResponseMessage } from './response-url.js';
import type { FromWorker, ToWorker } from './worker-protocol.js';

export interface ChildProcessDispatchOptions {
  /** The worker's entry (dist/…/diagnosis-worker.js): it reads one `run` message and diagnoses. */
  workerModule: string;
  /** The worker's whole environment: tokens and secrets travel here, never in argv. */
  env: Env;
  logger: Logger;
  flags?: Omit<Partial<DiagnoseFlags>, 'service' | 'namespace'>;
  onEvent?: (event: RunEvent) => void;
  /** The server's dedupe store: the worker claims through it, so replicas and restarts still agree. */
  claim?: (key: string) => Promise<boolean>;
  /**
   * The worker's nice value (0 or absent: the server's priority). The MCP servers it spawns
   * inherit it, so on a busy machine the server's acknowledgements get the CPU first.
   */
  niceness?: number;
}

/**
 * Diagnoses each accepted command in its own child process (`child_process.fork`), so that the
 * server's event loop only verifies, parses, queues and answers.
 *
 * Processes rather than worker threads: a diagnosis spawns MCP servers, holds a model
 * conversation and can use a few hundred MiB; in its own process a crash, a leak or an out-of-memory
 * takes down that one diagnosis, never the endpoint, and its memory is returned when it exits. The
 * price is a Node start-up (tens of ms from the bundle) per diagnosis, small next to a diagnosis of
 * seconds. A process also carries a scheduling priority for itself and everything it spawns, which
 * a thread's MCP servers would not inherit.
 *
 * The worker never talks to the requester: it sends its replies here and the server posts them.
 * A worker that exits without saying it is done (crash, OOM kill, signal) makes `run` fail, so the
 * server's one failure path answers the requester; nothing is retried, so nothing posts twice.
 */
export function createChildProcessDispatcher(options: ChildProcessDispatchOptions): Dispatcher {
  const { logger } = options;
  const running = new Map<ChildProcess, (reason: string) => void>();
  let cancelled: string | null = null;

  const run = (request: DiagnosisRequest, reply: (m: ResponseMessage) => Promise<void>) =>
    new Promise<DispatchResult>((resolve, reject) => {
      if (cancelled !== null) {
        reject(new Error(cancelled));
        return;
      }
      const child = fork(options.workerModule, [], {
        env: { ...options.env },
        // The worker's stdout is not the server's report stream; its JSON-line logs go to stderr.
        stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
        // Not detached: a new session would be a scheduling group of its own under Linux's
        // autogroups (sched(7)), where its nice value ranks it only against its own MCP servers.
        // In the server's session the nice value puts it behind the server, while the session as
        // a whole shares the machine as before. So a Ctrl-C on the server's terminal reaches the
        // workers too and cancels them (each requester is told); SIGTERM to the server drains.
        serialization: 'json',
        execArgv: [],
      });
      let outcome: { result: DispatchResult } | { error: string } | null = null;
      let posted = false;
      let stopReason: string | null = null;
      const replies: Promise<void>[] = [];
      const send = (message: ToWorker) => {
        if (child.connected) child.send(message, (error) => error && logger.debug(errorMessage(error)));
      };
      if (options.niceness && child.pid) {
        try {
          setPriority(child.pid, options.niceness);
        } catch (error) {
          logger.debug('could not lower the diagnosis worker priority', { error: errorMessage(error) });
        }
      }
      running.set(child, (reason) => {
        stopReason = reason;
        child.kill('SIGTERM');
      });
      logger.info(`diagnosing ${request.service} in worker pid ${child.pid ?? '?'}`, {
        namespace: request.namespace,
      });
      child.on('message', (raw) => {
        const message = raw as FromWorker;
        if (message.type === 'reply') replies.push(reply(message.message));
        else if (message.type === 'event') {
          if (message.event.type === 'report_posted' && message.event.posted) posted = true;
          options.onEvent?.(message.event);
        } else if (message.type === 'claim') {
          const answer = options.claim ? options.claim(message.key) : Promise.resolve(true);
          void answer.then(
            (first) => send({ type: 'claimed', id: message.id, first }),
            (error: unknown) => {
              logger.warn('dedupe claim failed; the worker will not post', { error: errorMessage(error) });
              send({ type: 'claimed', id: message.id, first: false });
            },
          );
        } else if (message.type === 'done') outcome = { result: message.result };
        else if (message.type === 'failed') outcome = { error: message.error };
      });
      child.once('error', (error) => {
        logger.error('diagnosis worker error', { error: errorMessage(error) });
        // Never started: no 'close' will come, and the queue's slot must be given back.
        if (child.pid === undefined) {
          running.delete(child);
          reject(new Error(`the diagnosis worker could not start: ${errorMessage(error)}`));
        }
      });
      // 'close', not 'exit': by then every message the worker sent has been read.
      child.once('close', (code, signal) => {
        // Its MCP servers see their stdin close and exit with it.
        running.delete(child);
        void Promise.all(replies).then(() => {
          const done = outcome as typeof outcome;
          if (done && 'result' in done) resolve(done.result);
          else if (done) reject(new Error(done.error));
          else {
            const how = signal ? `was stopped by ${signal}` : `exited with code ${code ?? '?'}`;
            const after = posted
              ? 'after its report was posted (not posted again)'
              : 'before posting anything';
            reject(new Error(stopReason ?? `the diagnosis worker ${how} ${after}`));
          }
        });
      });
      send({ type: 'run', request, flags: options.flags ?? {}, claims: Boolean(options.claim) });
    });

  return {
    kind: 'child-process',
    run,
    cancel(reason) {
      cancelled = reason;
      const stopping = [...running.values()];
      for (const stop of stopping) stop(reason);
      return stopping.length;
    },
  };
}
