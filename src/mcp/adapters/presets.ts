import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import type { Capability, CapabilityAdapter } from './capability.js';
import { githubRestAdapters } from './github-rest/adapters.js';
import { kubernetesMcpServerAdapters } from './kubernetes-mcp-server/adapters.js';
import { whyNotAccepted, type ToolShape } from './schema-match.js';

/** The capability map of one kind of server: which of its tools serves what, and how to read it. */
export interface CapabilityPreset {
  id: string;
  /** Kubernetes servers get the namespace guards. */
  kind: 'kubernetes' | 'github';
  /** A server is taken for this preset when one of these tools is offered and accepts its shape. */
  signature: readonly string[];
  /** Capability → the tool that serves it. */
  tools: Partial<Record<Capability, string>>;
  /**
   * Tool → what its adapter (or an engine, for our own servers) sends it. A server is matched by
   * what its tools accept, not by their names: a tool whose schema does not take this shape serves
   * nothing of the preset.
   */
  accepts: Readonly<Record<string, ToolShape>>;
  /** Capability → adapter; a preset without adapters already answers in the shapes engines read. */
  adapters?: Partial<Record<Capability, CapabilityAdapter>>;
  /** Tools that read every namespace whatever their arguments: refused when the run is scoped. */
  clusterWide?: readonly string[];
  /** Tools never called, whatever the allowlist says, and why. */
  refused?: Readonly<Record<string, string>>;
}

/** A capability our own server answers as asked: the engine's arguments go through unchanged. */
function passThrough(tool: string): CapabilityAdapter {
  return async (args, ctx) => {
    const { durationMs: _ignored, ...outcome } = await ctx.call(tool, args);
    return outcome;
  };
}

/** Our own servers: their answers are the shapes the engines read. */
export const SRE_AGENT_KUBERNETES: CapabilityPreset = {
  id: 'sre-agent-kubernetes',
  kind: 'kubernetes',
  signature: ['list_pods', 'get_pod_logs'],
  tools: {
    listPods: 'list_pods',
    podLogs: 'get_pod_logs',
    events: 'list_events',
    deployment: 'get_deployment',
    service: 'get_service',
    services: 'list_services',
    deployments: 'list_deployments',
    nodes: 'list_nodes',
    configMaps: 'list_config_maps',
    resources: 'get_resources',
    accessCheck: 'check_access',
  },
  accepts: {
    list_pods: { sends: { namespace: 'string' }, mayFill: { service: 'string', labelSelector: 'string' } },
    get_pod_logs: {
      sends: { pod: 'string', namespace: 'string' },
      mayFill: { container: 'string', previous: 'boolean', tailLines: 'integer' },
    },
  },
};

const GITHUB_TOOLS = {
  fileContents: 'get_file_contents',
  searchCode: 'search_code',
  listCommits: 'list_commits',
  getCommit: 'get_commit',
} as const;

/**
 * Our GitHub server. Its capabilities are called through routes like a community server's, so
 * that a server of the same tool names but other arguments (the reference server) is never called
 * with ours: the host answers a route by what the connected server accepts.
 */
export const SRE_AGENT_GITHUB: CapabilityPreset = {
  id: 'sre-agent-github',
  kind: 'github',
  signature: ['get_file_contents', 'list_commits'],
  tools: GITHUB_TOOLS,
  accepts: {
    get_file_contents: {
      sends: { path: 'string' },
      mayFill: {
        ref: 'string',
        aroundLine: 'integer',
        context: 'integer',
        startLine: 'integer',
        endLine: 'integer',
      },
    },
    list_commits: {
      sends: {},
      mayFill: { path: 'string', since: 'string', until: 'string', limit: 'integer' },
    },
    search_code: { sends: { query: 'string' } },
    get_commit: { sends: { sha: 'string' } },
  },
  adapters: Object.fromEntries(Object.entries(GITHUB_TOOLS).map(([cap, tool]) => [cap, passThrough(tool)])),
};

const OWNER_REPO = { owner: 'string', repo: 'string' } as const;

/**
 * The reference GitHub server (`@modelcontextprotocol/server-github`): the same tool names as ours,
 * but every tool takes `owner`/`repo`, search takes `q`, a file's branch is `branch`; its answers
 * are the REST API's JSON.
 */
export const REFERENCE_GITHUB: CapabilityPreset = {
  id: 'modelcontextprotocol-server-github',
  kind: 'github',
  signature: ['get_file_contents', 'list_commits', 'search_code'],
  tools: { fileContents: 'get_file_contents', searchCode: 'search_code', listCommits: 'list_commits' },
  accepts: {
    get_file_contents: { sends: { ...OWNER_REPO, path: 'string' }, mayFill: { branch: 'string' } },
    list_commits: { sends: OWNER_REPO, mayFill: { perPage: 'number' } },
    search_code: { sends: { q: 'string' } },
  },
  adapters: githubRestAdapters({ searchParam: 'q', refParam: 'branch' }),
};

/** GitHub's own server (github/github-mcp-server): `owner`/`repo` too, search takes `query`, a file's ref `ref`. */
export const GITHUB_MCP_SERVER: CapabilityPreset = {
  id: 'github-mcp-server',
  kind: 'github',
  signature: ['get_file_contents', 'list_commits', 'search_code', 'get_commit'],
  tools: GITHUB_TOOLS,
  accepts: {
    get_file_contents: { sends: OWNER_REPO, mayFill: { path: 'string', ref: 'string' } },
    list_commits: { sends: OWNER_REPO, mayFill: { perPage: 'number' } },
    search_code: { sends: { query: 'string' } },
    get_commit: { sends: { ...OWNER_REPO, sha: 'string' } },
  },
  adapters: githubRestAdapters({ searchParam: 'query', refParam: 'ref' }),
};

/**
 * `kubernetes-mcp-server` (containers/kubernetes-mcp-server) with its read-only core tools. Its
 * answers are tables, YAML and plain text; the adapters turn them into our shapes.
 */
export const KUBERNETES_MCP_SERVER: CapabilityPreset = {
  id: 'kubernetes-mcp-server',
  kind: 'kubernetes',
  signature: ['pods_list_in_namespace', 'pods_log', 'events_list', 'resources_list'],
  tools: {
    listPods: 'pods_list_in_namespace',
    podLogs: 'pods_log',
    events: 'events_list',
    services: 'resources_list',
    deployments: 'resources_list',
    nodes: 'resources_list',
    resources: 'resources_list',
  },
  accepts: {
    pods_list_in_namespace: { sends: { namespace: 'string' }, mayFill: { labelSelector: 'string' } },
    pods_log: {
      sends: { name: 'string', namespace: 'string' },
      mayFill: { container: 'string', previous: 'boolean', tail: 'integer' },
    },
    events_list: { sends: { namespace: 'string' } },
    resources_list: {
      sends: { apiVersion: 'string', kind: 'string' },
      mayFill: { namespace: 'string', labelSelector: 'string', fieldSelector: 'string' },
    },
  },
  adapters: kubernetesMcpServerAdapters,
  clusterWide: ['pods_list', 'pods_top'],
  refused: { configuration_view: 'it returns the kubeconfig, credentials included' },
};

/** Presets in the order capabilities are looked up: ours first, then the community ones. */
export const PRESETS: readonly CapabilityPreset[] = [
  SRE_AGENT_KUBERNETES,
  SRE_AGENT_GITHUB,
  KUBERNETES_MCP_SERVER,
  REFERENCE_GITHUB,
  GITHUB_MCP_SERVER,
];

/** How a server's tools meet the presets: the preset taken, what each tool serves, why others were not. */
export interface PresetMatch {
  preset: CapabilityPreset | undefined;
  /** Tool → the capabilities it serves under the preset (only tools whose schema fits). */
  serves: Record<string, Capability[]>;
  /** Why no preset (or why a preset's tool did not fit), one line per preset that came close. */
  reasons: string[];
}

/**
 * The preset a server matches by what its tools accept: the first of whose signature tools at
 * least one is offered, and every one offered takes the preset's arguments. A tool of a matched preset whose schema does not fit serves
 * nothing (its capability is left to another server).
 */
export function matchPreset(offered: readonly Pick<Tool, 'name' | 'inputSchema'>[]): PresetMatch {
  const byName = new Map(offered.map((t) => [t.name, t]));
  const reasons: string[] = [];
  for (const preset of PRESETS) {
    const present = preset.signature.filter((name) => byName.has(name));
    if (present.length === 0) continue;
    const fits = (name: string): string | null => {
      const shape = preset.accepts[name];
      const tool = byName.get(name);
      if (!tool) return 'not offered';
      return shape ? whyNotAccepted(tool.inputSchema, shape) : null;
    };
    // Every signature tool the server offers must take the preset's arguments: servers share tool
    // names (get_file_contents) and differ in what the tools accept (path alone, owner/repo/path).
    const refusals = present.map((name) => ({ name, why: fits(name) })).filter((r) => r.why !== null);
    if (refusals.length > 0) {
      reasons.push(`not ${preset.id}: ${refusals.map((r) => `${r.name} ${r.why ?? ''}`).join('; ')}`);
      continue;
    }
    const serves: Record<string, Capability[]> = {};
    for (const [capability, tool] of Object.entries(preset.tools) as [Capability, string][]) {
      if (!byName.has(tool) || fits(tool) !== null) continue;
      (serves[tool] ??= []).push(capability);
    }
    return { preset, serves, reasons };
  }
  if (reasons.length === 0) reasons.push('offers none of the tools the capabilities are read through');
  return { preset: undefined, serves: {}, reasons };
}

/** The preset a server matches by what its tools accept, or undefined for a server we cannot read. */
export function detectPreset(
  offered: readonly Pick<Tool, 'name' | 'inputSchema'>[],
): CapabilityPreset | undefined {
  return matchPreset(offered).preset;
}
