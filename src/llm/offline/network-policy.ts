/**
 * NetworkPolicy semantics (networking.k8s.io/v1), enough to tell whether a policy set lets one pod
 * talk to another: a pod is isolated for a direction as soon as one policy selects it with that
 * policy type, and then only traffic some selecting policy's rules allow gets through; rules are
 * unions, peers and ports inside a rule are ORed, and peers are pod/namespace selectors or ipBlocks.
 */
import { at, list, nameOf, str, strings, selectorMatches, type KubeObject } from './k8s-object.js';

export interface Endpoint {
  labels: Record<string, string>;
  namespace: string;
  /** Namespace labels; `kubernetes.io/metadata.name` is always there. */
  namespaceLabels?: Record<string, string>;
  ip?: string;
  /** An address outside the cluster: only ipBlock peers can match it. */
  external?: boolean;
  /**
   * A host name whose address is unknown: every ipBlock is given the benefit of the doubt, so a
   * denial can only come from ports or from policies with no ipBlock at all.
   */
  unknownAddress?: boolean;
}

export interface Port {
  port?: number;
  name?: string;
  protocol: string;
}

export interface PolicyVerdict {
  allowed: boolean;
  /** The policies that select the pod for this direction; empty when it is not isolated. */
  isolating: string[];
}

function policyTypes(policy: KubeObject): string[] {
  const declared = strings(at(policy, 'spec', 'policyTypes'));
  if (declared.length) return declared;
  // Without policyTypes: Ingress always, Egress when the policy has egress rules.
  return at(policy, 'spec', 'egress') !== undefined ? ['Ingress', 'Egress'] : ['Ingress'];
}

function namespaceLabels(e: Endpoint): Record<string, string> {
  return { 'kubernetes.io/metadata.name': e.namespace, ...e.namespaceLabels };
}

function ipInCidr(ip: string, cidr: string): boolean {
  const [base, bitsText] = cidr.split('/');
  const bits = Number(bitsText ?? 32);
  const toInt = (a: string) => a.split('.').reduce((n, part) => (n << 8) + Number(part), 0) >>> 0;
  if (!base || !/^\d+\.\d+\.\d+\.\d+$/.test(ip) || !/^\d+\.\d+\.\d+\.\d+$/.test(base)) return false;
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  return (toInt(ip) & mask) === (toInt(base) & mask);
}

/** Whether a peer (`from`/`to` entry) of a policy in `policyNamespace` matches an endpoint. */
function peerMatches(peer: KubeObject, policyNamespace: string, other: Endpoint): boolean {
  const ipBlock = at(peer, 'ipBlock');
  if (ipBlock) {
    const cidr = str(at(ipBlock, 'cidr'));
    if (other.unknownAddress) return Boolean(cidr);
    if (!cidr || !other.ip) return cidr === '0.0.0.0/0';
    return (
      ipInCidr(other.ip, cidr) && !strings(at(ipBlock, 'except')).some((x) => ipInCidr(other.ip as string, x))
    );
  }
  if (other.external) return false;
  const podSelector = at(peer, 'podSelector');
  const namespaceSelector = at(peer, 'namespaceSelector');
  const namespaceOk =
    namespaceSelector !== undefined
      ? selectorMatches(namespaceSelector, namespaceLabels(other))
      : other.namespace === policyNamespace;
  const podOk = podSelector !== undefined ? selectorMatches(podSelector, other.labels) : true;
  return namespaceOk && podOk;
}

function portMatches(rulePorts: KubeObject[], port: Port): boolean {
  if (!rulePorts.length) return true;
  return rulePorts.some((p) => {
    const protocol = str(p.protocol) ?? 'TCP';
    if (protocol !== port.protocol) return false;
    if (p.port === undefined) return true;
    if (typeof p.port === 'number') {
      const end = typeof p.endPort === 'number' ? p.endPort : p.port;
      return port.port !== undefined && port.port >= p.port && port.port <= end;
    }
    return p.port === port.name || String(p.port) === String(port.port);
  });
}

function evaluate(
  policies: KubeObject[],
  direction: 'Ingress' | 'Egress',
  subject: Endpoint,
  other: Endpoint,
  port: Port,
): PolicyVerdict {
  const selecting = policies.filter(
    (p) =>
      (str(at(p, 'metadata', 'namespace')) ?? subject.namespace) === subject.namespace &&
      selectorMatches(at(p, 'spec', 'podSelector') ?? {}, subject.labels) &&
      policyTypes(p).includes(direction),
  );
  if (!selecting.length) return { allowed: true, isolating: [] };
  const key = direction === 'Ingress' ? 'ingress' : 'egress';
  const peerKey = direction === 'Ingress' ? 'from' : 'to';
  const allowed = selecting.some((policy) =>
    list(at(policy, 'spec', key)).some((rule) => {
      const peers = list(rule[peerKey]);
      const peerOk =
        rule[peerKey] === undefined ||
        peers.length === 0 ||
        peers.some((peer) => peerMatches(peer, subject.namespace, other));
      return peerOk && portMatches(list(rule.ports), port);
    }),
  );
  return { allowed, isolating: selecting.map(nameOf) };
}

/** Whether `source` may send to `destination` on `port`: its egress policies, then the destination's ingress ones. */
export function trafficAllowed(
  policies: KubeObject[],
  source: Endpoint,
  destination: Endpoint,
  port: Port,
): { egress: PolicyVerdict; ingress: PolicyVerdict } {
  return {
    egress: evaluate(policies, 'Egress', source, destination, port),
    ingress: evaluate(policies, 'Ingress', destination, source, port),
  };
}

/** The cluster DNS as NetworkPolicies see it: CoreDNS pods in kube-system, port 53. */
export const CLUSTER_DNS: Endpoint = { labels: { 'k8s-app': 'kube-dns' }, namespace: 'kube-system' };

/** Whether a pod's egress policies let it ask the cluster DNS (UDP 53, or TCP 53). */
export function dnsAllowed(policies: KubeObject[], source: Endpoint): PolicyVerdict {
  const udp = evaluate(policies, 'Egress', source, CLUSTER_DNS, { port: 53, name: 'dns', protocol: 'UDP' });
  return udp.allowed
    ? udp
    : evaluate(policies, 'Egress', source, CLUSTER_DNS, { port: 53, name: 'dns-tcp', protocol: 'TCP' });
}

/**
 * Of the egress policies isolating a pod, the one most likely meant to carry this traffic and now
 * denying it, first: an ipBlock that covers the address but excepts it, then a rule for the same
 * port to other peers, then any policy with rules beyond DNS.
 */
export function rankBlocking(
  policies: KubeObject[],
  names: readonly string[],
  ip: string | undefined,
  port: number,
): string[] {
  const score = (name: string) => {
    const policy = policies.find((p) => nameOf(p) === name);
    const rules = list(at(policy, 'spec', 'egress'));
    let best = 0;
    for (const rule of rules) {
      for (const peer of list(rule.to)) {
        const cidr = str(at(peer, 'ipBlock', 'cidr'));
        const excepted = strings(at(peer, 'ipBlock', 'except')).some(
          (x) => ip !== undefined && ipInCidr(ip, x),
        );
        if (cidr && ip && ipInCidr(ip, cidr) && excepted) best = Math.max(best, 4);
      }
      const ports = list(rule.ports).map((p) => Number(p.port));
      if (port && ports.includes(port)) best = Math.max(best, 3);
      if (ports.some((p) => p !== 53) || list(rule.to).some((peer) => at(peer, 'ipBlock')))
        best = Math.max(best, 2);
    }
    return best;
  };
  return [...names].sort((a, b) => score(b) - score(a));
}
