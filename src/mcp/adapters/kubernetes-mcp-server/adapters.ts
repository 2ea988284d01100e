import type { Capability, CapabilityAdapter } from '../capability.js';
import { eventsAdapter } from './events.js';
import { listPodsAdapter } from './list-pods.js';
import { podLogsAdapter } from './pod-logs.js';
import { deploymentsAdapter, nodesAdapter, servicesAdapter } from './resources.js';
import { resourcesAdapter } from './any-resources.js';

/** kubernetes-mcp-server's tools, read into the shapes of the bundled Kubernetes tools. */
export const kubernetesMcpServerAdapters: Partial<Record<Capability, CapabilityAdapter>> = {
  listPods: listPodsAdapter,
  podLogs: podLogsAdapter,
  events: eventsAdapter,
  services: servicesAdapter,
  deployments: deploymentsAdapter,
  nodes: nodesAdapter,
  resources: resourcesAdapter,
};
