import { z } from 'zod';
import { Findings } from '../report/schema.js';

export const SUBMIT_TOOL_NAME = 'submit_diagnosis';

/** The host's own tool (DESIGN.md 4.4.1): the model's only way to report, and only once. */
export function submitToolDefinition(): {
  name: string;
  description: string;
  input_schema: Record<string, unknown>;
} {
  const schema = z.toJSONSchema(Findings, { io: 'input' }) as Record<string, unknown>;
  delete schema.$schema;
  return {
    name: SUBMIT_TOOL_NAME,
    description:
      'Submit your diagnosis. The host validates it, renders it and posts it to the team channel, then the run ends. ' +
      'Call it exactly once, when you have decided. status: diagnosed (a cause found), healthy (no fault), or inconclusive. ' +
      'Back the root cause with evidence items, each with its source and a ref (pod/name, path:line, or commit sha).',
    input_schema: schema,
  };
}
