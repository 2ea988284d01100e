/** What the offline engine needs from the tools, by capability rather than by server. */
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
  | 'fileContents'
  | 'searchCode'
  | 'listCommits'
  | 'getCommit';

const BUNDLED: Record<Capability, string> = {
  listPods: 'kubernetes__list_pods',
  podLogs: 'kubernetes__get_pod_logs',
  events: 'kubernetes__list_events',
  fileContents: 'github__get_file_contents',
  searchCode: 'github__search_code',
  listCommits: 'github__list_commits',
  getCommit: 'github__get_commit',
  deployment: 'kubernetes__get_deployment',
  service: 'kubernetes__get_service',
  services: 'kubernetes__list_services',
  deployments: 'kubernetes__list_deployments',
  nodes: 'kubernetes__list_nodes',
  configMaps: 'kubernetes__list_config_maps',
};

/** The tool that provides a capability in this run, or undefined when no connected server offers it. */
export function toolFor(capability: Capability, available: readonly string[]): string | undefined {
  const name = BUNDLED[capability];
  return available.includes(name) ? name : undefined;
}
