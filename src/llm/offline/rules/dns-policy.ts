import { readObject } from '../cluster-read.js';
import { at, list, str, strings } from '../k8s-object.js';
import { quote } from '../quote.js';
import { callTargets, serviceOfHost } from '../targets.js';
import { times, type Rule } from './verdict.js';

/**
 * Why a pod's resolver does not know cluster names, from its spec: `dnsPolicy: Default` hands it
 * the node's resolv.conf (the cloud or host resolver, which has no cluster.local zone);
 * `hostNetwork: true` without `ClusterFirstWithHostNet` does the same; `None` uses only the
 * nameservers of dnsConfig. `ClusterFirst`, the API's default, sends lookups to the cluster DNS.
 */
function resolverProblem(spec: unknown, owner: string): { why: string; short: string; fix: string } | null {
  const policy = str(at(spec, 'dnsPolicy')) ?? 'ClusterFirst';
  const hostNetwork = at(spec, 'hostNetwork') === true;
  if (policy === 'Default')
    return {
      why: `dnsPolicy: Default, so it inherits the node's resolv.conf (the node's resolver), which does not serve cluster Service names (ClusterFirst sends them to the cluster DNS, CoreDNS)`,
      short: 'dnsPolicy: Default, which bypasses the cluster DNS',
      fix: `Remove dnsPolicy: Default from ${owner} pod template (ClusterFirst is the default); if the aim was fewer search-domain lookups for outside hosts, keep ClusterFirst and set dnsConfig.options ndots to 1 or 2, or write those hosts with a trailing dot.`,
    };
  if (hostNetwork && policy === 'ClusterFirst')
    return {
      why: `hostNetwork: true with dnsPolicy ClusterFirst, which on the host network falls back to the node's resolver (ClusterFirstWithHostNet is the policy that keeps the cluster DNS)`,
      short:
        'hostNetwork: true without dnsPolicy ClusterFirstWithHostNet, so lookups go to the node resolver',
      fix: `Set dnsPolicy: ClusterFirstWithHostNet in ${owner} pod template (or drop hostNetwork if the pod does not need the node's network).`,
    };
  if (policy === 'None') {
    const servers = strings(at(spec, 'dnsConfig', 'nameservers'));
    return {
      why: `dnsPolicy: None with dnsConfig nameservers ${servers.join(', ') || '(none)'}, which do not include the cluster DNS service`,
      short: 'dnsPolicy: None with nameservers that are not the cluster DNS',
      fix: `Use dnsPolicy ClusterFirst in ${owner} pod template, or list the cluster DNS Service IP first in dnsConfig.nameservers.`,
    };
  }
  return null;
}

/**
 * Lookups of cluster Service names fail (no such host / could not translate host name) in pods
 * whose DNS policy bypasses the cluster DNS: the pod spec, not the Service, is the fault.
 */
export const dnsPolicyRule: Rule = async (ctx, facts) => {
  const target = callTargets(facts.logs).find(
    (t) =>
      (t.failure === 'dns-missing' || t.failure === 'dns-timeout') &&
      serviceOfHost(t.host, facts.namespace) !== null,
  );
  if (!target) return null;
  const pod = await readObject(ctx, 'Pod', target.pod, facts.namespace);
  const spec = at(pod, 'spec');
  const workload = facts.listing.workload;
  const owner = workload ? `${workload.kind} ${workload.name}'s` : 'the';
  const problem = spec ? resolverProblem(spec, owner) : null;
  if (!problem) return null;
  const policy = str(at(spec, 'dnsPolicy')) ?? 'ClusterFirst';
  const others = list(at(spec, 'dnsConfig', 'options'))
    .map((o) => `${str(o.name)}${o.value !== undefined ? `=${String(o.value)}` : ''}`)
    .join(', ');
  ctx.casebook.evidence.unshift(
    {
      source: 'logs',
      detail: `${quote(target.line, 260)} (${times(target.count)})`,
      ref: `pod/${target.pod}`,
    },
    {
      source: 'kubernetes',
      detail: `Pod ${target.pod}: dnsPolicy ${policy}${at(spec, 'hostNetwork') === true ? ', hostNetwork true' : ''}${others ? `, dnsConfig options ${others}` : ''}`,
      ref: `pod/${target.pod}`,
    },
  );
  return {
    status: 'diagnosed',
    summary: `${facts.service}'s pods cannot resolve cluster names such as ${target.host}: their pod spec has ${problem.short}.`,
    statement: `The pods of ${facts.service} resolve names with the wrong resolver: the pod spec has ${problem.why}. Every lookup of ${target.host} fails ("${quote(target.line, 200)}", ${times(target.count)}), although the name is a cluster Service name.`,
    confidence: 'high',
    fix: problem.fix,
    clues: ['dnsPolicy', policy],
    objects: workload ? [workload] : [],
  };
};
