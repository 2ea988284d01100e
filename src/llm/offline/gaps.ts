import type { EngineContext } from '../engine.js';
import { quote } from './quote.js';

/**
 * Record something the investigation wanted to read and could not (DESIGN.md 4.4 `gaps`). The
 * report lists it, and a report with gaps is never `healthy`.
 */
export function noteGap(ctx: Pick<EngineContext, 'casebook'>, what: string, why: string): void {
  const gaps = ctx.casebook.gaps;
  if (gaps.some((g) => g.what === what && g.why === why)) return;
  gaps.push({ what, why: quote(why, 400) });
}

/** Why a failed tool call failed, in words, for a gap: its error line, without the tool's own prefix. */
export function failureReason(outcome: { error?: string; text: string }): string {
  const reason = (outcome.error ?? outcome.text).split('\n')[0]?.trim() ?? '';
  return reason || 'the tool call failed without saying why';
}

/** True when a tool refused because the namespace is outside the run's scope. */
export function outOfScope(reason: string): boolean {
  return /outside .*allowed namespaces|out of (?:the run's )?scope|namespace .*not allowed/i.test(reason);
}
