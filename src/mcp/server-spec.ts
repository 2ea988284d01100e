/** How to reach one MCP server and what of it may be used. */
export interface ServerSpec {
  name: string;
  bundled: boolean;
  transport:
    | { kind: 'stdio'; command: string; args: string[]; env: Record<string, string>; cwd?: string }
    /** `auto` (default): Streamable HTTP, falling back to HTTP+SSE when the server refuses it. */
    | { kind: 'http'; url: string; headers: Record<string, string>; mode?: 'auto' | 'sse' };
  /** Tools the model may see and call. Anything else is refused (fail closed). */
  allow: readonly string[];
  /** Tools only the host itself may call (the Slack post); never shown to the model. */
  hostOnly: readonly string[];
  /** For Kubernetes servers: a call naming any other namespace is refused by the host too. */
  namespaces?: readonly string[];
  /** sha256 of allowed tools' canonical definitions; a tool that differs is withheld. */
  pins?: Readonly<Record<string, string>>;
}

/** Default allowlists of the bundled servers: read tools only. */
export const BUNDLED_ALLOWLISTS: Record<
  'kubernetes' | 'github' | 'slack',
  { allow: string[]; hostOnly: string[] }
> = {
  kubernetes: {
    allow: [
      'list_pods',
      'get_pod_logs',
      'list_events',
      'get_deployment',
      'list_deployments',
      'get_service',
      'list_services',
      'list_config_maps',
      'list_nodes',
      'get_resources',
      'check_access',
    ],
    hostOnly: [],
  },
  github: { allow: ['get_file_contents', 'search_code', 'list_commits', 'get_commit'], hostOnly: [] },
  // The post is the host's to make (DESIGN.md 4.4.1): the model can neither see nor call it.
  slack: { allow: [], hostOnly: ['post_message'] },
};
