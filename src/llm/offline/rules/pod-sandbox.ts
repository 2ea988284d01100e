import { quote } from '../quote.js';
import { times, type Rule } from './verdict.js';

/** What a CNI plugin says when it has no address to give a pod (AWS VPC CNI, Azure, Calico IPAM, host-local, Cilium). */
const NO_ADDRESS =
  /failed to assign an IP address|no (?:available |free )?IP(?: addresse)?s? (?:available|left)|InsufficientFreeAddressesInSubnet|IP address pool|range is full|failed to allocate (?:for range|address|IP)|no IPs available|ipam.{0,40}(?:exhausted|full)|exhausted/i;
/** The network plugin itself is not there on the node: its daemon is down or not yet started. */
const PLUGIN_DOWN =
  /cni plugin not initialized|network plugin is not ready|failed to find plugin|no such file or directory.{0,40}(?:cni|\.sock)|connect(?:ion)? refused.{0,80}(?:ipamd|calico|cilium|\.sock)|dial unix .{0,80}(?:cni|cilium|calico|ipamd)/i;

/**
 * Pods stuck ContainerCreating because the kubelet cannot set up their network sandbox: the CNI
 * plugin has no IP address left to give (the subnet or pool is exhausted), or the plugin's
 * daemon on the node is not running. Nothing of the application has started yet.
 */
export const podSandboxRule: Rule = async (ctx, facts) => {
  const failed = facts.related.filter((e) => e.reason === 'FailedCreatePodSandBox' && e.type === 'Warning');
  const first = failed[0];
  if (!first) return null;
  const waiting = facts.listing.pods.filter((p) =>
    p.containers.some((c) => !c.init && c.state === 'waiting' && /ContainerCreating/.test(c.reason ?? '')),
  );
  if (!waiting.length) return null;
  const total = failed.reduce((n, e) => n + (e.count ?? 1), 0);
  const message = first.message ?? '';
  const plugin = message.match(/plugin type="([^"]+)"/)?.[1];
  const cni = plugin ? `the ${plugin} CNI plugin` : 'the CNI plugin';
  const nodes = [...new Set(waiting.map((p) => p.node).filter(Boolean))];
  const on = nodes.length ? ` on node${nodes.length > 1 ? 's' : ''} ${nodes.join(', ')}` : '';
  // The plugin's own words, after the sandbox's long id.
  const pluginAt = message.indexOf('plugin type=');
  const tail = quote(pluginAt >= 0 ? message.slice(pluginAt) : message, 260);
  const evidence = {
    source: 'kubernetes' as const,
    detail: `FailedCreatePodSandBox (${times(total)}): ${NO_ADDRESS.test(message) ? tail : quote(message, 300)}`,
    ref: first.object,
  };
  if (NO_ADDRESS.test(message)) {
    ctx.casebook.evidence.unshift(evidence);
    return {
      status: 'diagnosed',
      summary: `${waiting.length} pod(s) of ${facts.service} are stuck ContainerCreating${on}: ${cni} has no IP address left to assign (the subnet or IP pool is exhausted), so their network sandbox cannot be created.`,
      statement: `The kubelet cannot create the pods' network sandbox: ${cni} fails to assign an IP address ("${tail}"). Every pod needs an address from the node's subnet or pool; when it is exhausted, new pods wait in ContainerCreating while those already running keep theirs.`,
      confidence: 'high',
      notFromChange: true,
      fix: `Free or add pod IP addresses: add subnets (or a secondary CIDR) for the nodes' pods, enable prefix delegation where the CNI supports it (AWS VPC CNI: ENABLE_PREFIX_DELEGATION), lower warm-IP settings that hold addresses idle, or spread pods to nodes whose subnets have free addresses; then the pending pods start on their own.`,
    };
  }
  if (PLUGIN_DOWN.test(message)) {
    ctx.casebook.evidence.unshift(evidence);
    return {
      status: 'diagnosed',
      summary: `${waiting.length} pod(s) of ${facts.service} are stuck ContainerCreating${on}: ${cni} is not running there, so no pod network can be set up.`,
      statement: `The kubelet cannot create the pods' network sandbox: "${quote(message, 260)}". The CNI daemon on the node (a DaemonSet pod in kube-system) is down or not yet ready.`,
      confidence: 'high',
      notFromChange: true,
      fix: `Check the CNI DaemonSet's pod on ${nodes.join(', ') || 'the affected nodes'} (kube-system) and its logs; restart or repair it, or cordon and replace the node.`,
    };
  }
  return null;
};
