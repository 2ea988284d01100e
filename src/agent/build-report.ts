import type { Casebook } from '../llm/engine.js';
import type { Findings, Report, Usage } from '../report/schema.js';

export interface ReportMeta {
  service: string;
  namespace: string;
  engine: string;
  degradedReasons: string[];
  usage: Usage;
  startedAt: number;
  /** Overrides the findings' status (`timed_out`, `failed`). */
  status?: Report['status'];
}

/** Findings plus what the run knows about itself. Evidence the findings lack comes from the casebook. */
export function buildReport(findings: Findings, casebook: Casebook, meta: ReportMeta): Report {
  return {
    service: meta.service,
    namespace: meta.namespace,
    status: meta.status ?? findings.status,
    summary: findings.summary,
    rootCause: findings.rootCause,
    evidence: findings.evidence.length ? findings.evidence : casebook.evidence,
    suspectFiles: findings.suspectFiles.length ? findings.suspectFiles : casebook.suspectFiles,
    suspectCommits: findings.suspectCommits.length ? findings.suspectCommits : casebook.suspectCommits,
    suggestedFix: findings.suggestedFix,
    engine: meta.engine,
    degraded: meta.degradedReasons.length > 0,
    degradedReasons: [...meta.degradedReasons],
    slack: { posted: false, channel: null, ts: null },
    usage: { ...meta.usage },
    durationMs: Date.now() - meta.startedAt,
  };
}

/** Findings made from the casebook alone, when no engine could finish. */
export function casebookFindings(summary: string): Findings {
  return {
    status: 'inconclusive',
    summary,
    rootCause: { statement: summary, confidence: 'low' },
    evidence: [],
    suspectFiles: [],
    suspectCommits: [],
    suggestedFix: '',
  };
}
