import type { Evidence } from '../../../report/schema.js';
import type { ServiceFacts } from '../facts.js';
import { quote } from '../quote.js';
import { loggedMatches } from './logged.js';
import { times } from './verdict.js';

/** A failure line found in a service's logs (or a container's termination message). */
export interface LoggedLine {
  sample: string;
  pod: string;
  count: number;
  /** Every distinct line that matched, most frequent first: hosts, versions and names differ. */
  samples: string[];
  /** The whole log the line came from, for what the runtime prints on the lines after it. */
  text: string;
}

/**
 * The most frequent line matching `pattern` and not `unless`: among the log analysis's
 * signatures first, else in the raw logs and termination messages (a runtime that dies before
 * its logger starts prints lines no analysis groups, and a loader's message carries no level).
 */
export function findLogged(facts: ServiceFacts, pattern: RegExp, unless?: RegExp): LoggedLine | null {
  const fits = (text: string) => pattern.test(text) && !(unless?.test(text) ?? false);
  const { hits } = loggedMatches(
    facts,
    pattern,
    (s) => (s.kind !== 'warning' || s.count >= 3) && fits(`${s.message} ${s.sample}`),
  );
  const top = hits[0];
  if (top) {
    const text = facts.logs.find((l) => l.pod === top.pod)?.text ?? top.s.sample;
    return {
      sample: top.s.sample,
      pod: top.pod,
      count: hits.reduce((n, h) => n + h.s.count, 0),
      samples: [...new Set(hits.map((h) => h.s.sample))],
      text,
    };
  }
  const raw = [
    ...facts.logs.map((l) => ({ pod: l.pod, text: l.text })),
    ...facts.listing.pods.flatMap((p) =>
      p.containers.map((c) => ({
        pod: p.name,
        text: [c.lastTermination?.message, c.message].filter(Boolean).join('\n'),
      })),
    ),
  ];
  for (const { pod, text } of raw) {
    const lines = text.split('\n').filter((l) => fits(l));
    const first = lines[0];
    if (first) return { sample: first.trim(), pod, count: lines.length, samples: [...new Set(lines)], text };
  }
  return null;
}

/** The line as evidence of the fault. */
export function loggedLineEvidence(line: LoggedLine): Evidence {
  return {
    source: 'logs',
    detail: `${quote(line.sample, 300)} (${times(line.count)})`,
    ref: `pod/${line.pod}`,
  };
}
