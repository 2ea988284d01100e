import { z } from 'zod';

/** Where a piece of evidence came from (DESIGN.md 4.4). */
export const EvidenceSource = z.enum(['kubernetes', 'logs', 'github', 'slack', 'other']);
export const Confidence = z.enum(['high', 'medium', 'low']);
export const ReportStatus = z.enum(['diagnosed', 'healthy', 'inconclusive', 'timed_out', 'failed']);

export const Evidence = z.object({
  source: EvidenceSource,
  detail: z.string().min(1),
  ref: z.string().optional(),
});

export const SuspectFile = z.object({
  path: z.string().min(1),
  line: z.number().int().positive().optional(),
  url: z.string().optional(),
});

/** Something the investigation wanted to read and could not (DESIGN.md 4.4). */
export const Gap = z.object({
  what: z.string().min(1).max(500),
  why: z.string().min(1).max(1000),
});

export const SuspectCommit = z.object({
  sha: z.string().min(1),
  message: z.string().optional(),
  author: z.string().optional(),
  date: z.string().optional(),
});

/**
 * The findings an engine submits: the input of `submit_diagnosis` (DESIGN.md 4.4.1).
 * The host adds everything else (engine, usage, slack, timing).
 */
export const Findings = z.object({
  status: z.enum(['diagnosed', 'healthy', 'inconclusive']),
  summary: z.string().min(1).max(2000),
  rootCause: z.object({ statement: z.string().max(4000), confidence: Confidence }),
  evidence: z.array(Evidence).max(50),
  suspectFiles: z.array(SuspectFile).max(20).default([]),
  suspectCommits: z.array(SuspectCommit).max(20).default([]),
  suggestedFix: z.string().max(4000).default(''),
  /** What could not be read; optional so a submission without it stays valid. */
  gaps: z.array(Gap).max(30).optional(),
});
export type Findings = z.infer<typeof Findings>;
export type Evidence = z.infer<typeof Evidence>;
export type SuspectFile = z.infer<typeof SuspectFile>;
export type SuspectCommit = z.infer<typeof SuspectCommit>;
export type Gap = z.infer<typeof Gap>;
export type ReportStatusName = z.infer<typeof ReportStatus>;

export interface SlackOutcome {
  posted: boolean;
  channel: string | null;
  ts: string | null;
  /** The thread reply that carries the evidence beyond the main message, when there was one. */
  threadTs?: string;
  error?: string;
  /** How many times the post was sent (more than 1 only after a 429, or a timeout with no post in the history). */
  attempts?: number;
  /** What happened on the way: a Retry-After honoured, a late answer found in the channel history. */
  notes?: string[];
}

export interface Usage {
  turns: number;
  toolCalls: number;
  inputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  outputTokens: number;
  /** null when the model's price is unknown: no wrong number is better than a made-up one. */
  costUsd: number | null;
}

export interface SandboxSlackMessage {
  channel: string;
  text: string;
  blocks?: unknown[];
  ts: string;
  thread_ts?: string;
}

/** A rollback the report proposes; `image` is the first container image of `toRevision`. */
export interface ProposedAction {
  kind: 'rollback';
  namespace: string;
  deployment: string;
  fromRevision: number;
  toRevision: number;
  image: string;
}

/** The report (DESIGN.md 4.4). Fields may be added, never renamed or dropped. */
export interface Report {
  service: string;
  namespace: string;
  status: ReportStatusName;
  summary: string;
  rootCause: { statement: string; confidence: 'high' | 'medium' | 'low' };
  evidence: Evidence[];
  suspectFiles: SuspectFile[];
  suspectCommits: SuspectCommit[];
  suggestedFix: string;
  engine: string;
  degraded: boolean;
  /** Why the run was degraded, one line each; empty when not degraded. */
  degradedReasons: string[];
  /**
   * What the investigation wanted to read and could not: a failed or refused tool call, a server
   * that is down, a namespace out of scope, no repository configured. A report with gaps is never
   * `healthy`.
   */
  gaps: Gap[];
  /**
   * The one action the agent may propose (DESIGN.md 4.4): rolling the Deployment back when the
   * incident came with its latest rollout and the previous revision's ReplicaSet exists. Taken
   * only after an approver's click (src/actions/).
   */
  proposedAction?: ProposedAction;
  slack: SlackOutcome;
  usage: Usage;
  durationMs: number;
  /** Present in sandbox mode only. */
  sandbox?: { scenario: string; slackMessages: SandboxSlackMessage[] };
}

export function emptyUsage(): Usage {
  return {
    turns: 0,
    toolCalls: 0,
    inputTokens: 0,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    outputTokens: 0,
    costUsd: 0,
  };
}
