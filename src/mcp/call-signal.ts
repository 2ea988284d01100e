/**
 * A signal of its own for one call, aborted by the run's signals or the call's deadline while the
 * call is in flight, and cut loose from them when it settles. The SDK never removes the abort
 * listener it adds, so a signal that aborts later (the run ending, a timer firing) would make it
 * send `notifications/cancelled` for a request long answered.
 */
export function callSignal(
  parents: readonly (AbortSignal | undefined)[],
  timeoutMs: number,
): { signal: AbortSignal; release(): void } {
  const controller = new AbortController();
  const live = parents.filter((p): p is AbortSignal => p !== undefined);
  const onAbort = (event: Event) => controller.abort((event.target as AbortSignal).reason);
  const aborted = live.find((p) => p.aborted);
  if (aborted) controller.abort(aborted.reason);
  else for (const p of live) p.addEventListener('abort', onAbort, { once: true });
  const timer = setTimeout(
    () => controller.abort(new DOMException(`the call took longer than ${timeoutMs} ms`, 'TimeoutError')),
    timeoutMs,
  );
  timer.unref?.();
  return {
    signal: controller.signal,
    release() {
      clearTimeout(timer);
      for (const p of live) p.removeEventListener('abort', onAbort);
    },
  };
}
