/** What the host reports as it works: the audit log and the terminal progress both read these. */
export type HostEvent =
  | { type: 'server_connected'; server: string; tools: number; allowed: number; durationMs: number }
  | { type: 'server_failed'; server: string; error: string }
  | { type: 'tools_changed'; server: string; tools: number; allowed: number }
  | {
      type: 'tool_call';
      server: string;
      tool: string;
      caller: 'model' | 'host' | 'engine';
      arguments: unknown;
      ok: boolean;
      error?: string;
      durationMs: number;
      /** Size of the server's answer, and of what was passed on after redaction and budgeting. */
      bytes: number;
      bytesAfter: number;
      /** Answered from this run's memory of an identical earlier call. */
      cached: boolean;
    }
  | { type: 'refusal'; guard: string; target: string; reason: string }
  /** An allowlisted tool the host stopped offering: its definition does not match its pin, or changed. */
  | { type: 'tool_withheld'; server: string; tool: string; reason: string };

export type HostEventSink = (event: HostEvent) => void;
