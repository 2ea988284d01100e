import type { Evidence } from '../../../report/schema.js';
import type { ServiceFacts } from '../facts.js';
import type { LogSignature } from '../log-analysis.js';
import { quote } from '../quote.js';
import { times } from './verdict.js';

export interface LoggedMatch {
  s: LogSignature;
  pod: string;
}

/** The signatures of a service's logs whose text matches, the most frequent first, and how often they were logged in all. */
export function loggedMatches(
  facts: ServiceFacts,
  pattern: RegExp,
  keep: (s: LogSignature) => boolean = () => true,
): { hits: LoggedMatch[]; total: number; top?: LoggedMatch } {
  const hits = facts.logs
    .flatMap((l) =>
      l.analysis.signatures
        .filter((s) => keep(s) && pattern.test(`${s.message} ${s.sample}`))
        .map((s) => ({ s, pod: l.pod })),
    )
    .sort((a, b) => b.s.count - a.s.count);
  const top = hits[0];
  return { hits, total: hits.reduce((n, h) => n + h.s.count, 0), ...(top ? { top } : {}) };
}

/** A logged line as evidence: the line, how often, the pod. */
export function loggedEvidence(match: LoggedMatch): Evidence {
  return {
    source: 'logs',
    detail: `${quote(match.s.sample, 300)} (${times(match.s.count)})`,
    ref: `pod/${match.pod}`,
  };
}
