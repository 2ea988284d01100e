import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';

type RequestId = string | number;

/**
 * Watches a transport for requests that have not been answered yet. A stdio client may send its
 * last request and close its end at once (`echo … | sre-agent mcp github`); waiting for `idle()`
 * before closing lets that answer go out instead of cutting it off.
 * Call before `server.connect(transport)`: the server keeps the handlers it finds.
 */
export function trackPendingRequests(transport: Transport): { idle(maxWaitMs: number): Promise<void> } {
  const pending = new Set<RequestId>();
  let waiters: (() => void)[] = [];
  const settle = () => {
    if (pending.size > 0) return;
    for (const wake of waiters) wake();
    waiters = [];
  };
  transport.onmessage = (message: JSONRPCMessage) => {
    if ('method' in message && 'id' in message) pending.add(message.id);
  };
  const send = transport.send.bind(transport);
  transport.send = async (message, options) => {
    await send(message, options);
    if (!('method' in message) && 'id' in message && message.id !== undefined) {
      pending.delete(message.id);
      settle();
    }
  };
  return {
    idle: (maxWaitMs) =>
      new Promise<void>((resolve) => {
        if (pending.size === 0) return resolve();
        // Bounded: a request that never finishes must not keep the process alive forever.
        const timer = setTimeout(resolve, maxWaitMs);
        timer.unref();
        waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      }),
  };
}
