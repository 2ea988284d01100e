/** What the loop knows after each turn, for the stop predicates. */
export interface LoopState {
  turn: number;
  maxTurns: number;
  costUsd: number | null;
  budgetUsd: number | null;
  submitted: boolean;
  aborted: boolean;
}

/** A stop condition: the reason to stop, or null to go on. Combined with OR. */
export type StopCondition = (state: LoopState) => string | null;

export const reportPosted: StopCondition = (s) =>
  s.submitted ? 'the diagnosis was submitted and posted' : null;
export const budgetSpent: StopCondition = (s) =>
  s.budgetUsd !== null && s.costUsd !== null && s.costUsd >= s.budgetUsd
    ? `the budget of $${s.budgetUsd.toFixed(2)} was spent ($${s.costUsd.toFixed(4)})`
    : null;
export const cancelled: StopCondition = (s) =>
  s.aborted ? 'the run was cancelled (deadline or signal)' : null;

/** The first reason any condition gives to stop, or null. */
export function shouldStop(state: LoopState, conditions: StopCondition[]): string | null {
  for (const condition of conditions) {
    const reason = condition(state);
    if (reason) return reason;
  }
  return null;
}
