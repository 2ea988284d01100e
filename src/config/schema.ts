import { z } from 'zod';
import { SLACK_USER_GROUP, SLACK_USER_ID } from './actions.js';

/** Servers the agent ships; a configured server of the same name replaces the bundled one. */
export const BUNDLED_SERVER_NAMES = ['kubernetes', 'github', 'slack'] as const;

/** A pin: the sha256 of a tool's canonical definition, as `config check` prints it. */
const Pin = z
  .string()
  .regex(/^(sha256:)?[0-9a-f]{64}$/, 'expected a sha256 hex digest (64 hex characters, optionally sha256:)');

/**
 * A server entry as Claude Desktop, Cursor and VS Code write it (`command`/`args`/`env` for stdio,
 * `url`/`headers` for HTTP, optional `type`), plus ours: the tool allowlist and pins
 * (DESIGN.md 4.3). Strings may use `${VAR}` to take a value from the environment.
 */
export const McpServerEntry = z
  .object({
    type: z.enum(['stdio', 'http', 'streamable-http', 'sse']).optional(),
    command: z.string().min(1).optional(),
    args: z.array(z.string()).default([]),
    env: z.record(z.string(), z.string()).default({}),
    cwd: z.string().min(1).optional(),
    url: z.string().min(1).optional(),
    headers: z.record(z.string(), z.string()).default({}),
    /** Tools the model may see; required for any server that is not bundled. */
    tools: z.array(z.string().min(1)).optional(),
    /** Optional sha256 of each allowed tool's canonical definition. */
    pins: z.record(z.string(), Pin).optional(),
    disabled: z.boolean().default(false),
  })
  .strict()
  .superRefine((s, ctx) => {
    if (s.disabled) return;
    if (Boolean(s.command) === Boolean(s.url)) {
      ctx.addIssue({
        code: 'custom',
        path: [s.command ? 'url' : 'command'],
        message: 'give either `command` (stdio) or `url` (HTTP), not both and not neither',
      });
    }
    if (s.type === 'stdio' && !s.command)
      ctx.addIssue({ code: 'custom', path: ['command'], message: 'type stdio needs `command`' });
    if (s.type && s.type !== 'stdio' && !s.url)
      ctx.addIssue({ code: 'custom', path: ['url'], message: `type ${s.type} needs \`url\`` });
    for (const tool of Object.keys(s.pins ?? {})) {
      if (s.tools && !s.tools.includes(tool))
        ctx.addIssue({
          code: 'custom',
          path: ['pins', tool],
          message: `pins a tool that is not in \`tools\` (${s.tools.join(', ') || 'none'})`,
        });
    }
  });
export type McpServerEntry = z.infer<typeof McpServerEntry>;

const duration = z.union([z.number().int().positive(), z.string().min(1)]);

/** The config file. Every field has a default so that no file is needed. */
export const ConfigFile = z
  .object({
    mcpServers: z
      .record(
        z.string().regex(/^[a-zA-Z0-9_-]{1,32}$/, 'server names are 1-32 letters, digits, _ or -'),
        McpServerEntry,
      )
      .default({}),
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
    /** `auto`, `anthropic`, `bedrock` or `offline`, as `--llm` and SRE_AGENT_LLM. */
    llm: z.enum(['auto', 'anthropic', 'bedrock', 'offline']).optional(),
    /** Adaptive-thinking effort, as `--effort` and SRE_AGENT_EFFORT. */
    effort: z.enum(['low', 'medium', 'high']).optional(),
    /** How long the cached tools and system prompt live, as SRE_AGENT_PROMPT_CACHE_TTL. */
    promptCacheTtl: z.enum(['5m', '1h']).optional(),
    timeout: duration.optional(),
    maxTurns: z.number().int().positive().max(100).optional(),
    budgetUsd: z.number().positive().optional(),
    serviceAliases: z.record(z.string(), z.string()).default({}),
    auditLog: z.string().min(1).optional(),
    /** Actions the agent may propose, after a human's click: `[rollback]`; none by default. */
    actions: z.array(z.enum(['rollback'])).optional(),
    /** Slack user ids who may approve an action. */
    approvers: z.array(z.string().regex(SLACK_USER_ID, 'expected a Slack user id like U024BE7LH')).optional(),
    /** Slack user groups whose members may approve: ids (`S0614TZR7`) or handles (`@oncall`). */
    approverGroups: z
      .array(
        z
          .string()
          .regex(SLACK_USER_GROUP, 'expected a Slack user group id like S0614TZR7 or a handle like @oncall'),
      )
      .optional(),
  })
  .strict()
  .superRefine((file, ctx) => {
    // Fail closed: a server we did not write shows the model nothing until someone lists its tools.
    for (const [name, entry] of Object.entries(file.mcpServers)) {
      const bundled = (BUNDLED_SERVER_NAMES as readonly string[]).includes(name);
      if (!entry.disabled && !bundled && entry.tools === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['mcpServers', name, 'tools'],
          message:
            `required for a server that is not bundled (${BUNDLED_SERVER_NAMES.join(', ')}): ` +
            'list the tools the agent may use, e.g. ["pods_list_in_namespace", "pods_log"]',
        });
      }
    }
  });
export type ConfigFile = z.infer<typeof ConfigFile>;

/** Every field a config file may have, by where it sits: for "did you mean" hints. */
export const KNOWN_FIELDS = {
  top: Object.keys(ConfigFile.shape),
  server: Object.keys(McpServerEntry.shape),
  slack: ['channel'],
};
