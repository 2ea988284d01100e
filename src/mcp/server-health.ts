/** Per server: how many of the run's reads it answered, and the last failure. */
export class ServerHealth {
  private readonly counts = new Map<string, { calls: number; failed: number; lastError: string }>();

  record(server: string, ok: boolean, error: string | undefined): void {
    const entry = this.counts.get(server) ?? { calls: 0, failed: 0, lastError: '' };
    entry.calls += 1;
    if (!ok) {
      entry.failed += 1;
      entry.lastError = (error ?? '').split('\n')[0]?.slice(0, 300) ?? '';
    }
    this.counts.set(server, entry);
  }

  /**
   * A configured server that answered none of the run's calls: the report must name it, or a server
   * called with arguments it cannot take (or that cannot reach its API) looks like an empty answer.
   */
  reasons(isConfigured: (server: string) => boolean): string[] {
    return [...this.counts]
      .filter(([server, c]) => isConfigured(server) && c.calls > 0 && c.failed === c.calls)
      .map(
        ([server, c]) =>
          `MCP server '${server}' failed every call (${c.failed} of ${c.calls})${c.lastError ? `: ${c.lastError}` : ''}`,
      );
  }
}
