import type { Capability, CapabilityAdapter } from './capability.js';
import { kubernetesMcpServerAdapters } from './kubernetes-mcp-server/adapters.js';

/** The capability map of one kind of server: which of its tools serves what, and how to read it. */
export interface CapabilityPreset {
  id: string;
  /** Kubernetes servers get the namespace guards. */
  kind: 'kubernetes' | 'github';
  /** A server is taken for this preset when it offers any of these tools. */
  signature: readonly string[];
  /** Capability → the tool that serves it. */
  tools: Partial<Record<Capability, string>>;
  /** Capability → adapter; a preset without adapters already answers in the shapes engines read. */
  adapters?: Partial<Record<Capability, CapabilityAdapter>>;
  /** Tools that read every namespace whatever their arguments: refused when the run is scoped. */
  clusterWide?: readonly string[];
  /** Tools never called, whatever the allowlist says, and why. */
  refused?: Readonly<Record<string, string>>;
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
};

export const SRE_AGENT_GITHUB: CapabilityPreset = {
  id: 'sre-agent-github',
  kind: 'github',
  signature: ['get_file_contents', 'list_commits'],
  tools: {
    fileContents: 'get_file_contents',
    searchCode: 'search_code',
    listCommits: 'list_commits',
    getCommit: 'get_commit',
  },
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
  adapters: kubernetesMcpServerAdapters,
  clusterWide: ['pods_list', 'pods_top'],
  refused: { configuration_view: 'it returns the kubeconfig, credentials included' },
};

/** Presets in the order capabilities are looked up: ours first, then the community ones. */
export const PRESETS: readonly CapabilityPreset[] = [
  SRE_AGENT_KUBERNETES,
  SRE_AGENT_GITHUB,
  KUBERNETES_MCP_SERVER,
];

/** The preset a server matches by the tools it offers, or undefined for a server we cannot read. */
export function detectPreset(offered: readonly string[]): CapabilityPreset | undefined {
  return PRESETS.find((preset) => preset.signature.some((tool) => offered.includes(tool)));
}
