import { describe, expect, it } from 'vitest';

import { lazyClient } from '../src/servers/lazy-client.js';

/** A stand-in vendor client: nested namespaces of async methods that use `this`. */
class FakeClient {
  readonly calls: string[] = [];
  readonly chat = {
    owner: this,
    async postMessage(this: { owner: FakeClient }, text: string) {
      this.owner.calls.push(text);
      return { ok: true, text };
    },
  };
  async ping(): Promise<string> {
    return `pong ${this.calls.length}`;
  }
}

describe('lazyClient', () => {
  it('loads the client on the first call, once, and forwards calls at any depth with their receiver', async () => {
    let loads = 0;
    const real = new FakeClient();
    const lazy = lazyClient(async () => {
      loads++;
      return real;
    });
    const client = lazy.client;
    expect(loads).toBe(0);
    await expect(client.chat.postMessage('hello')).resolves.toEqual({ ok: true, text: 'hello' });
    await expect(client.ping()).resolves.toBe('pong 1');
    await lazy.warm();
    expect(loads).toBe(1);
    expect(real.calls).toEqual(['hello']);
  });

  it('loads ahead of the first call with warm()', async () => {
    let loads = 0;
    const lazy = lazyClient(async () => {
      loads++;
      return new FakeClient();
    });
    await lazy.warm();
    expect(loads).toBe(1);
    await lazy.client.ping();
    expect(loads).toBe(1);
  });

  it('rejects each call with the load error, and loads again on the next call', async () => {
    let attempt = 0;
    const lazy = lazyClient(async () => {
      attempt++;
      if (attempt === 1) throw new Error('kubeconfig unreadable');
      return new FakeClient();
    });
    await expect(lazy.warm()).rejects.toThrow('kubeconfig unreadable');
    await expect(lazy.client.ping()).resolves.toBe('pong 0');
  });

  it('is not mistaken for a promise, and names a path that is not a method', async () => {
    const lazy = lazyClient(async () => new FakeClient());
    // `await` of the stand-in must not wait on a `then` of its own.
    expect(await Promise.resolve(lazy.client)).toBe(lazy.client);
    const missing = lazy.client as unknown as { chat: { nothing(): Promise<unknown> } };
    await expect(missing.chat.nothing()).rejects.toThrow('chat.nothing is not a method of the loaded client');
  });
});
