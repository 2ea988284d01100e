// One slash-command diagnosis in a child process of `serve slack` (see dispatch-child-process.ts):
// it reads one `run` message, diagnoses with the same code as an in-process run, sends its replies,
// claims and progress back over IPC, says `done` (or `failed`) and exits.
import { errorMessage } from '../errors/errors.js';
import { createInProcessDispatcher } from '../slack-command/dispatch-in-process.js';
import type { FromWorker, ToWorker } from '../slack-command/worker-protocol.js';
import { kubernetesWorkloadLookup, withWorkloadCheck } from '../slack-command/workload-check.js';
import { createLogger } from '../util/log.js';
import { diagnoseOnce } from './diagnose-session.js';

const logger = createLogger({ name: 'diagnosis-worker' });

function send(message: FromWorker): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send || !process.connected) return resolve();
    process.send(message, undefined, {}, () => resolve());
  });
}

const claims = new Map<number, (first: boolean) => void>();
let nextClaim = 0;

async function run(message: Extract<ToWorker, { type: 'run' }>): Promise<void> {
  const env = process.env;
  const inner = createInProcessDispatcher({
    env,
    logger,
    diagnoseOnce,
    flags: message.flags,
    onEvent: (event) => void send({ type: 'event', event }),
    ...(message.claims
      ? {
          claim: (key: string) =>
            new Promise<boolean>((resolve) => {
              const id = nextClaim++;
              claims.set(id, resolve);
              void send({ type: 'claim', id, key });
            }),
        }
      : {}),
  });
  const dispatcher = withWorkloadCheck(inner, kubernetesWorkloadLookup(env, logger), logger);
  try {
    const result = await dispatcher.run(message.request, (m) => send({ type: 'reply', message: m }));
    await send({ type: 'done', result });
  } catch (error) {
    await send({ type: 'failed', error: errorMessage(error) });
  }
}

process.on('message', (raw) => {
  const message = raw as ToWorker;
  if (message.type === 'claimed') {
    claims.get(message.id)?.(message.first);
    claims.delete(message.id);
  } else if (message.type === 'run') {
    // Exit once said: MCP clients are closed by then, but a kept-alive socket must not hold a
    // finished diagnosis' memory.
    void run(message).finally(() => process.exit(0));
  }
});
// The server is gone: nobody can be answered and no claim can be made, so stop before posting.
process.on('disconnect', () => process.exit(1));
