import { z } from 'zod';
import { Findings } from '../report/schema.js';

export const SUBMIT_TOOL_NAME = 'submit_diagnosis';

/**
 * The host validates a submission against `Findings` itself (lengths, counts, defaults) and says
 * what is wrong; the model's copy of the schema carries only the shape, since every token of it is
 * sent on every turn.
 */
function withoutLimits(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutLimits);
  if (!value || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(
        ([k]) =>
          !['maxLength', 'minLength', 'maxItems', 'default', 'exclusiveMinimum', 'maximum'].includes(k),
      )
      .map(([k, v]) => [k, withoutLimits(v)]),
  );
}

/** The host's own tool (DESIGN.md 4.4.1): the model's only way to report, and only once. */
export function submitToolDefinition(): {
  name: string;
  description: string;
  input_schema: Record<string, unknown>;
} {
  const schema = withoutLimits(z.toJSONSchema(Findings, { io: 'input' })) as Record<string, unknown>;
  delete schema.$schema;
  return {
    name: SUBMIT_TOOL_NAME,
    description:
      'Report once: the host validates your diagnosis, posts it to the team channel and ends the run. ' +
      'status: diagnosed (cause found), healthy (no fault) or inconclusive. Each evidence item has a source ' +
      'and a ref (pod/name, path:line, commit sha).',
    input_schema: schema,
  };
}
