import type { Casebook } from '../llm/engine.js';
import type { Findings, Gap, Report, Usage } from '../report/schema.js';

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

const MAX_GAPS = 20;

/** The engine's gaps and the casebook's, once each (the same read can fail for two rules). */
export function mergeGaps(...lists: readonly (readonly Gap[] | undefined)[]): Gap[] {
  const seen = new Set<string>();
  const merged: Gap[] = [];
  for (const gap of lists.flatMap((list) => list ?? [])) {
    const key = `${gap.what}\u0000${gap.why}`;
    if (seen.has(key)) continue;
    seen.add(key);
    merged.push({ what: gap.what, why: gap.why });
  }
  return merged.slice(0, MAX_GAPS);
}

/** A server the run could not start reads nothing: everything it would have read is a gap. */
function serverGaps(degradedReasons: readonly string[]): Gap[] {
  return degradedReasons.flatMap((reason) => {
    const down = reason.match(/^MCP server '([^']+)' unavailable: (.+)$/s);
    if (down)
      return [
        { what: `everything the ${down[1]} server reads`, why: `the server is unavailable: ${down[2]}` },
      ];
    // A server lost mid-run: what it answered before counts, what came after could not be read.
    const lost = reason.match(/^MCP server '([^']+)' stopped during the run \((.+)\)/s);
    return lost
      ? [
          {
            what: `what the ${lost[1]} server would have read after it stopped`,
            why: `it stopped: ${lost[2]}`,
          },
        ]
      : [];
  });
}

/**
 * Findings plus what the run knows about itself. Evidence the findings lack comes from the
 * casebook; gaps come from both. `healthy` needs a complete look: with gaps it becomes
 * `inconclusive`, since what could not be read may be where the fault is (DESIGN.md 4.4).
 */
export function buildReport(findings: Findings, casebook: Casebook, meta: ReportMeta): Report {
  const gaps = mergeGaps(serverGaps(meta.degradedReasons), findings.gaps, casebook.gaps);
  const status =
    meta.status ?? (findings.status === 'healthy' && gaps.length ? 'inconclusive' : findings.status);
  const summary =
    status === 'inconclusive' && findings.status === 'healthy'
      ? `${findings.summary} Not everything could be checked (${gaps.length} gap${gaps.length === 1 ? '' : 's'} below), so this is not a clean bill of health.`
      : findings.summary;
  return {
    service: meta.service,
    namespace: meta.namespace,
    status,
    summary,
    rootCause: findings.rootCause,
    evidence: findings.evidence.length ? findings.evidence : casebook.evidence,
    suspectFiles: findings.suspectFiles.length ? findings.suspectFiles : casebook.suspectFiles,
    suspectCommits: findings.suspectCommits.length ? findings.suspectCommits : casebook.suspectCommits,
    suggestedFix: findings.suggestedFix,
    engine: meta.engine,
    degraded: meta.degradedReasons.length > 0,
    degradedReasons: [...meta.degradedReasons],
    gaps,
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
