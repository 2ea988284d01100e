/**
 * A stand-in for a vendor client that is loaded on first use. A server answers `initialize` and
 * `tools/list` without its client (the Kubernetes client alone takes longer to parse than the
 * rest of the server), and the client is loaded when a tool is first called, or earlier through
 * `warm()` once the server is idle.
 */
export interface LazyClient<T> {
  /** Behaves as the client for method calls at any depth (`client.chat.postMessage(…)`); every call returns a promise. */
  readonly client: T;
  /** Starts loading now; resolves once the client is loaded, rejects with why it could not be. */
  warm(): Promise<void>;
}

/**
 * Wraps `load` so that the first call through `client` (or `warm()`) loads the real client, once.
 * Only method calls are forwarded, and each becomes asynchronous: use it for clients whose methods
 * already return promises. A failed load is retried on the next call, so that one bad moment
 * (a file being rewritten) does not disable the server for good.
 */
export function lazyClient<T extends object>(load: () => Promise<T>): LazyClient<T> {
  let loading: Promise<T> | undefined;
  const get = (): Promise<T> => {
    loading ??= load().catch((error: unknown) => {
      loading = undefined;
      throw error;
    });
    return loading;
  };
  const at = (path: readonly PropertyKey[]): unknown =>
    // A function target, so that the proxy can be called as well as read from.
    new Proxy(function lazyMember() {}, {
      get: (_target, key) => (key === 'then' ? undefined : at([...path, key])),
      apply: async (_target, _this, args: unknown[]) => {
        let owner: unknown;
        let member: unknown = await get();
        for (const key of path) {
          owner = member;
          member = (member as Record<PropertyKey, unknown>)[key];
        }
        if (typeof member !== 'function') {
          throw new TypeError(`${path.map(String).join('.')} is not a method of the loaded client`);
        }
        return (member as (...a: unknown[]) => unknown).apply(owner, args);
      },
    });
  return {
    client: at([]) as T,
    warm: () => get().then(() => undefined),
  };
}
