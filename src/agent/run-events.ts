import type { HostEvent } from '../mcp/host-events.js';
import type { Report } from '../report/schema.js';

/** Everything a run reports as it goes: the audit log and the terminal progress read the same stream. */
export type RunEvent =
  | HostEvent
  | {
      type: 'model_request';
      turn: number;
      model: string;
      inputTokens: number;
      cacheReadTokens: number;
      cacheWriteTokens: number;
      outputTokens: number;
      stopReason: string | null;
      durationMs: number;
    }
  | { type: 'model_error'; kind: string; error: string; detail?: string }
  /** A line of what the model said between tool calls (thinking summaries, text). */
  | { type: 'model_note'; turn: number; text: string }
  | { type: 'fallback'; from: string; to: string; reason: string }
  /** A proposed action asked for, refused, dry-run or taken (src/actions/): the action's audit trail. */
  | {
      type: 'action';
      kind: 'rollback';
      outcome: 'refused' | 'dry_run' | 'rolled_back' | 'failed' | 'rollout_complete' | 'rollout_stuck';
      via: 'slack' | 'cli';
      reason: string;
      user?: string;
      proposal?: string;
      namespace?: string;
      deployment?: string;
      fromRevision?: number;
      toRevision?: number;
      image?: string;
      /** The approver group (`S…` or `@handle`) the user approved through, when not listed by id. */
      approverGroup?: string;
    }
  | { type: 'report_posted'; channel: string | null; ts: string | null; posted: boolean; error?: string }
  | {
      type: 'run_finished';
      status: string;
      engine: string;
      degraded: boolean;
      durationMs: number;
      report: Report;
    };

export type RunEventSink = (event: RunEvent) => void;
