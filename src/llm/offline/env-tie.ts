import type { EngineContext } from '../engine.js';
import { readObject } from './cluster-read.js';
import type { ServiceFacts } from './facts.js';
import { at, list, str } from './k8s-object.js';
import type { Verdict } from './rules/verdict.js';

/** Values too common to tie an error to one setting. */
const COMMON = /^(true|false|yes|no|on|off|null|none|info|debug|warn|error|production|prod|dev|\d)$/i;

function escape(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Whether an error names an env entry: its name, or its value quoted or after a colon. */
function named(error: string, name: string, value: string): 'name' | 'value' | null {
  if (name.length >= 3 && new RegExp(`(?<![\\w])${escape(name)}(?![\\w])`).test(error)) return 'name';
  if (value.length < 2 || COMMON.test(value)) return null;
  const v = escape(value);
  return new RegExp(`["'\`]${v}["'\`]|:\\s*${v}(?![\\w.])|=\\s*${v}(?![\\w.])`).test(error) ? 'value' : null;
}

/**
 * A crash on a value (a parse error, an invalid setting) tied to the env entry of the pod spec
 * that holds it: the entry whose value the error quotes, or whose name it says. The value then
 * becomes a clue for the commit that wrote it.
 */
export async function withEnvTie(
  ctx: EngineContext,
  facts: ServiceFacts,
  verdict: Verdict,
): Promise<Verdict> {
  const crashed = facts.problems.find((p) =>
    /CrashLoopBackOff|Error|Restarted|RunContainerError/.test(p.reason),
  );
  if (!crashed) return verdict;
  const errors = facts.logs
    .filter((l) => l.pod === crashed.pod)
    .flatMap((l) => l.analysis.signatures.filter((s) => s.kind !== 'warning'))
    .map((s) => `${s.type ?? ''}: ${s.message} ${s.sample}`)
    .join('\n');
  if (!errors) return verdict;
  const pod = await readObject(ctx, 'Pod', crashed.pod, facts.namespace);
  if (!pod) return verdict;
  for (const c of list(at(pod, 'spec', 'containers'))) {
    if (crashed.container && str(c.name) !== crashed.container) continue;
    for (const e of list(c.env)) {
      const name = str(e.name);
      const value = str(e.value);
      if (!name || value === undefined) continue;
      // A loopback address points at a sidecar in the same pod: the sidecar, not the value, is the lead.
      if (/^(127\.0\.0\.1|localhost|::1)$/.test(value)) continue;
      const how = named(errors, name, value);
      if (!how) continue;
      // Already said (by the revision difference): nothing to add.
      if (verdict.statement.includes(`env ${name}`)) return verdict;
      ctx.casebook.evidence.push({
        source: 'kubernetes',
        detail: `env ${name}="${value}" of container ${str(c.name) ?? '?'} in pod ${crashed.pod}; the error ${how === 'name' ? 'names it' : 'quotes its value'}`,
        ref: `pod/${crashed.pod}`,
      });
      return {
        ...verdict,
        statement: `${verdict.statement} The value comes from env ${name}="${value}" of container ${str(c.name) ?? '?'}.`,
        clues: [...(verdict.clues ?? []), value.length >= 2 ? value : name, name],
      };
    }
  }
  return verdict;
}
