import type { EngineContext } from '../../engine.js';
import type { ServiceFacts } from '../facts.js';

/** What a rule concludes. Evidence and suspects go into the casebook as the rule finds them. */
export interface Verdict {
  status: 'diagnosed' | 'healthy' | 'inconclusive';
  summary: string;
  statement: string;
  confidence: 'high' | 'medium' | 'low';
  fix: string;
  /**
   * True when the fault ships with the target's own latest rollout (its code, image or manifest):
   * rolling the workload back mitigates it, and the report says how.
   */
  rollback?: boolean;
  /**
   * Values the change behind the fault most likely touched (a nodeSelector value, a class name, a
   * policy name): the change correlation quotes the diff lines that hold them.
   */
  clues?: string[];
  /**
   * New values the workload's newest revision brought (an env value, a limit): the commit that
   * wrote one of them outranks a commit found from the error alone.
   */
  revisionValues?: string[];
  /**
   * True when the evidence shows the fault was made outside the repository (a person's `kubectl
   * scale`, an autoscaler, a credential rotated outside it with pods not restarted since): no
   * commit is looked for, since any found would be a false lead.
   */
  notFromChange?: boolean;
  /**
   * What the change correlation searches for, instead of the statement, when the statement names
   * versions that are not the fault: a paused rollout names the new version it holds back, and the
   * commit that built that version is no culprit.
   */
  changeText?: string;
  /** The Kubernetes objects to change: their manifests in the repository become suspect files. */
  objects?: { kind: string; name: string }[];
}

/** A diagnosis rule: a verdict when its failure class is present, null otherwise. */
export type Rule = (ctx: EngineContext, facts: ServiceFacts) => Promise<Verdict | null>;

export function times(count: number): string {
  return count === 1 ? 'once' : `${count} times`;
}
