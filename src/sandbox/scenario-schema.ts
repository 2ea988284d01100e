import { z } from 'zod';
import { ScenarioError } from '../errors/errors.js';

const stringList = z.array(z.string(), { error: 'expected a list of strings' });

/** `scenario.yaml` (DESIGN.md 4.6). Unknown keys are allowed so scenarios can carry notes. */
export const ScenarioFileSchema = z.object({
  title: z.string().min(1, 'must not be empty'),
  service: z.string().min(1, 'must not be empty'),
  namespace: z.string().min(1, 'must not be empty').default('default'),
  repository: z
    .string()
    .regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/, 'expected owner/repo, e.g. fuzzylabs/microservices-demo'),
  now: z.iso.datetime({
    offset: true,
    error: 'expected an ISO 8601 date-time with a time zone, e.g. 2026-11-20T14:30:00Z',
  }),
  alert: z.string().optional(),
  expect: z
    .object({
      status: z.enum(['diagnosed', 'healthy', 'inconclusive']).default('diagnosed'),
      rootCause: z.array(stringList, { error: 'expected a list of lists of strings' }).default([]),
      files: stringList.default([]),
      commits: stringList.default([]),
      forbid: stringList.default([]),
    })
    .default({ status: 'diagnosed', rootCause: [], files: [], commits: [], forbid: [] }),
  /** Optional: the local Slack's workspace, for approvals by user group (issue 15). */
  slack: z
    .object({
      usergroups: z
        .array(
          z.object({
            id: z.string().regex(/^S[A-Z0-9]{2,}$/, 'expected a Slack user group id like S0614TZR7'),
            handle: z
              .string()
              .regex(/^[a-z0-9][a-z0-9._-]*$/, 'expected a mention handle without the @, like oncall'),
            name: z.string().min(1, 'must not be empty').optional(),
            users: z.array(z.string().regex(/^[UW][A-Z0-9]{2,}$/, 'expected Slack user ids like U024BE7LH')),
          }),
          { error: 'expected a list of user groups ({id, handle, users})' },
        )
        .default([]),
    })
    .optional(),
});
export type ScenarioFile = z.infer<typeof ScenarioFileSchema>;

/** One entry of `commits.yaml`; `date` is resolved against the scenario's clock afterwards. */
export const CommitFileSchema = z.array(
  z.object({
    sha: z.string().regex(/^[0-9a-f]{7,40}$/i, 'expected 7 to 40 hexadecimal characters'),
    message: z.string().min(1, 'must not be empty'),
    author: z.string().min(1, 'must not be empty'),
    // yaml's core schema keeps timestamps as strings, numbers would be a mistake.
    date: z.string().min(1, 'must not be empty'),
    files: stringList.default([]),
    patches: z.record(z.string(), z.string(), { error: 'expected a map of path to diff text' }).optional(),
  }),
  { error: 'expected a list of commits' },
);

/** The fields every object in cluster.yaml must have; the rest is kept as written. */
export const KubeObjectSchema = z.looseObject({
  apiVersion: z.string().min(1, 'must not be empty'),
  kind: z.string().min(1, 'must not be empty'),
  metadata: z.looseObject({
    name: z.string().min(1, 'must not be empty'),
    namespace: z.string().min(1, 'must not be empty').optional(),
    labels: z.record(z.string(), z.string(), { error: 'expected a map of string to string' }).optional(),
    annotations: z.record(z.string(), z.string(), { error: 'expected a map of string to string' }).optional(),
  }),
});

/** `expect.rootCause[1]` from `['expect', 'rootCause', 1]`, prefixed by `base` when given. */
export function formatFieldPath(path: readonly PropertyKey[], base = ''): string {
  let out = base;
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out;
}

/**
 * Validate `data` against `schema`, turning the first problem into a ScenarioError that names the
 * file and the field, so a scenario author can fix it without reading a stack trace.
 */
export function parseScenarioFile<T extends z.ZodType>(
  file: string,
  schema: T,
  data: unknown,
  basePath = '',
): z.infer<T> {
  const result = schema.safeParse(data, {
    error: (issue) => (issue.input === undefined && issue.code === 'invalid_type' ? 'required' : undefined),
  });
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = formatFieldPath(issue?.path ?? [], basePath);
  throw new ScenarioError(file, field === '' ? undefined : field, issue?.message ?? 'invalid');
}

/**
 * A YAML syntax error as a ScenarioError: `line N` as the field, and the first line of the
 * parser's message without its code frame.
 */
export function yamlSyntaxError(
  file: string,
  error: { message: string; linePos?: { line: number }[] },
): ScenarioError {
  const line = error.linePos?.[0]?.line;
  const problem = (error.message.split('\n')[0] ?? '').replace(/:$/, '');
  return new ScenarioError(file, line ? `line ${line}` : undefined, `invalid YAML: ${problem}`, {
    cause: error,
  });
}
