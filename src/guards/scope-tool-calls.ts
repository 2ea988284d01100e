/**
 * Guard: namespace scope and Secret reads, checked by the host on every tool call (DESIGN.md 5.3).
 *
 * Threat: the model (or a prompt injected into tool output) asks a Kubernetes server to read a
 * namespace outside the run's scope, to list every namespace at once, or to read Secrets; or calls
 * a community tool that returns credentials (kubernetes-mcp-server's `configuration_view`). Our own
 * Kubernetes server enforces its scope itself; a community one is trusted with nothing.
 */
import type { CapabilityPreset } from '../mcp/adapters/presets.js';
import type { ServerSpec } from '../mcp/server-spec.js';

/** Kinds that live outside namespaces: reading them names no namespace, and breaks no scope. */
const CLUSTER_SCOPED_KINDS = new Set([
  'node',
  'namespace',
  'persistentvolume',
  'storageclass',
  'priorityclass',
  'ingressclass',
  'runtimeclass',
  'csidriver',
  'csinode',
  'clusterrole',
  'clusterrolebinding',
  'volumeattachment',
  'customresourcedefinition',
]);

export interface GuardRefusal {
  guard: string;
  reason: string;
}

/** A Kubernetes server whose reads the host keeps to the allowed namespaces. */
export function isScopedKubernetesServer(spec: ServerSpec, preset: CapabilityPreset | undefined): boolean {
  return (
    Boolean(spec.namespaces) && (spec.bundled || spec.name === 'kubernetes' || preset?.kind === 'kubernetes')
  );
}

/**
 * The host's checks on one call of an allowed tool, before anything reaches the server. Our own
 * Kubernetes server enforces the namespace scope itself; a community one is trusted with nothing:
 * it reads every namespace when none is named, and it can read Secrets.
 */
export function guardCall(
  spec: ServerSpec,
  preset: CapabilityPreset | undefined,
  tool: string,
  inputSchema: Record<string, unknown>,
  args: Record<string, unknown>,
): GuardRefusal | null {
  const refused = preset?.refused?.[tool];
  if (refused) return { guard: 'preset', reason: `'${tool}' is never called: ${refused}` };
  if (!isScopedKubernetesServer(spec, preset)) return null;
  const scope = spec.namespaces ?? [];
  const namespace = args.namespace;
  if (namespace !== undefined && (typeof namespace !== 'string' || !scope.includes(namespace))) {
    return {
      guard: 'namespace-scope',
      reason: `namespace '${String(namespace)}' is outside the allowed namespaces (${scope.join(', ')})`,
    };
  }
  if (spec.bundled) return null;
  if (preset?.clusterWide?.includes(tool)) {
    return {
      guard: 'namespace-scope',
      reason: `'${tool}' reads every namespace; use a tool that takes one of ${scope.join(', ')}`,
    };
  }
  const properties = (inputSchema.properties ?? {}) as Record<string, unknown>;
  const clusterScoped = typeof args.kind === 'string' && CLUSTER_SCOPED_KINDS.has(args.kind.toLowerCase());
  if (namespace === undefined && 'namespace' in properties && !clusterScoped) {
    return {
      guard: 'namespace-scope',
      reason: `name the namespace (one of ${scope.join(', ')}): without one, '${tool}' would read every namespace`,
    };
  }
  if (typeof args.kind === 'string' && /^secrets?$/i.test(args.kind.trim())) {
    return {
      guard: 'no-secrets',
      reason: 'Secrets are never read; ConfigMaps and pod specs say what a service is given',
    };
  }
  return null;
}
