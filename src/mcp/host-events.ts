/** What the host reports as it works: the audit log and the terminal progress both read these. */
export type HostEvent =
  | { type: 'server_connected'; server: string; tools: number; allowed: number; durationMs: number }
  | { type: 'server_failed'; server: string; error: string }
  | {
      type: 'tool_call';
      server: string;
      tool: string;
      caller: 'model' | 'host' | 'engine';
      arguments: unknown;
      ok: boolean;
      error?: string;
      durationMs: number;
      bytes: number;
    }
  | { type: 'refusal'; guard: string; target: string; reason: string };

export type HostEventSink = (event: HostEvent) => void;
