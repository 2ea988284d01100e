import type { ToolOutcome } from '../normalize-result.js';

/** What an engine needs from the tools, by capability rather than by server or tool name. */
export type Capability =
  | 'listPods'
  | 'podLogs'
  | 'events'
  | 'deployment'
  | 'service'
  | 'services'
  | 'deployments'
  | 'nodes'
  | 'configMaps'
  /** `get_resources`: list or get any kind the API serves (issue 11 contract). */
  | 'resources'
  /** `check_access`: a (Self)SubjectAccessReview. */
  | 'accessCheck'
  | 'fileContents'
  | 'searchCode'
  | 'listCommits'
  | 'getCommit';

/** What an adapter may do on the server it adapts: call its allowed tools, under the host's guards. */
export interface AdapterContext {
  /** Call one of this server's tools; the answer is redacted but not yet cut to the output budget. */
  call(tool: string, args: Record<string, unknown>): Promise<ToolOutcome>;
  /** True when the tool is allowlisted, offered and not withheld. */
  allows(tool: string): boolean;
  /** The namespaces the run may read; the first is the default. */
  namespaces: readonly string[];
  /** The application repository (`owner/repo`), for servers whose tools take it as arguments. */
  repository: string | null;
  now: Date;
}

/** An adapter's answer: `structured` in the shape the bundled tool of that capability returns. */
export type AdaptedResult = Omit<ToolOutcome, 'durationMs'>;

/**
 * Turns a capability call, with the bundled tool's arguments, into calls of a community server's
 * tools, and their text, YAML or tables into the bundled tool's structured shape.
 */
export type CapabilityAdapter = (
  args: Record<string, unknown>,
  ctx: AdapterContext,
) => Promise<AdaptedResult>;
