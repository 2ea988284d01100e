import { z } from 'zod';

/** A server entry as Claude Desktop and Cursor write it, plus our allowlist (DESIGN.md 4.3). */
export const McpServerEntry = z
  .object({
    command: z.string().min(1).optional(),
    args: z.array(z.string()).default([]),
    env: z.record(z.string(), z.string()).default({}),
    url: z.string().url().optional(),
    headers: z.record(z.string(), z.string()).default({}),
    /** Tools the model may see; required for any server that is not bundled. */
    tools: z.array(z.string().min(1)).optional(),
    /** Optional sha256 of each allowed tool's canonical definition. */
    pins: z.record(z.string(), z.string()).optional(),
    disabled: z.boolean().default(false),
  })
  .strict()
  .refine((s) => Boolean(s.command) !== Boolean(s.url), {
    message: 'give either `command` (stdio) or `url` (HTTP), not both and not neither',
  });
export type McpServerEntry = z.infer<typeof McpServerEntry>;

const duration = z.union([z.number().int().positive(), z.string().min(1)]);

/** The config file. Every field has a default so that no file is needed. */
export const ConfigFile = z
  .object({
    mcpServers: z.record(z.string().regex(/^[a-zA-Z0-9_-]{1,32}$/), McpServerEntry).default({}),
    namespaces: z.array(z.string().min(1)).min(1).optional(),
    slack: z
      .object({ channel: z.string().min(1).optional() })
      .strict()
      .default({}),
    repository: z
      .string()
      .regex(/^[\w.-]+\/[\w.-]+$/, 'expected owner/repo')
      .optional(),
    model: z.string().min(1).optional(),
    timeout: duration.optional(),
    maxTurns: z.number().int().positive().max(100).optional(),
    budgetUsd: z.number().positive().optional(),
    serviceAliases: z.record(z.string(), z.string()).default({}),
    auditLog: z.string().min(1).optional(),
  })
  .strict();
export type ConfigFile = z.infer<typeof ConfigFile>;
