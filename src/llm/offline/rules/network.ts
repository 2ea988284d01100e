import type { EngineContext } from '../../engine.js';
import { toolFor } from '../capabilities.js';
import { readObjects } from '../cluster-read.js';
import type { ServiceFacts } from '../facts.js';
import { noteGap } from '../gaps.js';
import {
  at,
  formatMap,
  list,
  mapSelectorMatches,
  selectorMatches,
  str,
  stringMap,
  type KubeObject,
} from '../k8s-object.js';
import { dnsAllowed, trafficAllowed, type Endpoint } from '../network-policy.js';
import { closestNames } from '../names.js';
import { quote } from '../quote.js';
import { DNS_SERVER_REFUSED, type CallTarget } from '../targets.js';
import { type PodInfo } from '../tool-data.js';
import { backendPods, readService, type ServiceView } from './traffic.js';
import type { Verdict } from './verdict.js';

function endpointOf(pod: PodInfo | undefined, namespace: string): Endpoint | null {
  return pod ? { labels: pod.labels, namespace } : null;
}

/** A NetworkPolicy that stops the caller's traffic to the destination (egress or ingress). */
export async function policyBlock(
  ctx: EngineContext,
  caller: ServiceFacts,
  view: ServiceView,
): Promise<{ statement: string; fix: string; policies: string[] } | null> {
  const source = endpointOf(caller.listing.pods[0], caller.namespace);
  const backend = (await backendPods(ctx, view.name, view.namespace))[0];
  const destination = endpointOf(backend, view.namespace);
  if (!source || !destination) return null;
  const namespaces = [...new Set([caller.namespace, view.namespace])];
  const policies: KubeObject[] = [];
  for (const ns of namespaces)
    policies.push(...((await readObjects(ctx, 'NetworkPolicy', { namespace: ns })) ?? []));
  if (!policies.length) return null;
  for (const port of view.ports.length ? view.ports : [{ port: 0, targetPort: '', protocol: 'TCP' }]) {
    const target = /^\d+$/.test(port.targetPort)
      ? { port: Number(port.targetPort), protocol: port.protocol }
      : { name: port.targetPort, protocol: port.protocol };
    const { egress, ingress } = trafficAllowed(policies, source, destination, target);
    if (!egress.allowed)
      return {
        statement: `NetworkPolicy ${egress.isolating.join(', ')} isolates the egress of ${caller.service}'s pods and no egress rule allows ${view.name} on port ${port.targetPort}: the connections are dropped (they time out).`,
        fix: `Add an egress rule to ${egress.isolating[0]} allowing ${caller.service} to reach the pods of ${view.name} (podSelector ${formatMap(destination.labels)}) on port ${port.targetPort}.`,
        policies: egress.isolating,
      };
    if (!ingress.allowed)
      return {
        statement: `NetworkPolicy ${ingress.isolating.join(', ')} isolates the ingress of ${view.name}'s pods and no ingress rule admits ${caller.service}'s pods (${formatMap(source.labels)}) on port ${port.targetPort}: the connections are dropped (they time out).`,
        fix: `Add an ingress rule to ${ingress.isolating[0]} that admits ${caller.service}'s pods (podSelector ${formatMap(source.labels)}) on port ${port.targetPort}.`,
        policies: ingress.isolating,
      };
  }
  return null;
}

/** Name-resolution failures: the name the caller dials resolves to no Service, or DNS itself is blocked. */
export async function nameResolution(
  ctx: EngineContext,
  caller: ServiceFacts,
  target: CallTarget,
  service: { service: string; namespace: string },
): Promise<Verdict | null> {
  const evidence = {
    source: 'logs' as const,
    detail: `${quote(target.line, 300)} (${target.count}×)`,
    ref: `pod/${target.pod}`,
  };
  if (target.failure === 'dns-timeout') {
    const policies = (await readObjects(ctx, 'NetworkPolicy', { namespace: caller.namespace })) ?? [];
    const source = endpointOf(caller.listing.pods[0], caller.namespace);
    const dns = source && policies.length ? dnsAllowed(policies, source) : null;
    ctx.casebook.evidence.unshift(evidence);
    if (dns && !dns.allowed) {
      return {
        status: 'diagnosed',
        summary: `${caller.service} cannot resolve any name: NetworkPolicy ${dns.isolating.join(', ')} blocks its DNS traffic (port 53 to kube-dns), so calls to ${target.host} fail.`,
        statement: `NetworkPolicy ${dns.isolating.join(', ')} selects ${caller.service}'s pods for egress and allows no traffic to the cluster DNS (kube-system, UDP/TCP 53): every lookup of ${target.host} times out ("${quote(target.line, 200)}").`,
        confidence: 'high',
        fix: `Add an egress rule to ${dns.isolating[0]} allowing UDP and TCP port 53 to the kube-dns pods (namespaceSelector kubernetes.io/metadata.name=kube-system, podSelector k8s-app=kube-dns).`,
        clues: dns.isolating,
        objects: dns.isolating.map((name) => ({ kind: 'NetworkPolicy', name })),
      };
    }
    const refusedBy = DNS_SERVER_REFUSED.test(target.line)
      ? /on ([\d.]+):53/.exec(target.line)?.[1]
      : undefined;
    if (refusedBy) {
      // Refused, not timed out: the DNS Service answers for no pod, so the DNS pods are down.
      return {
        status: 'diagnosed',
        summary: `The cluster DNS is down: ${caller.service}'s lookups of ${target.host} are refused by the DNS Service at ${refusedBy}:53 (${target.count}×), which answers that way when it has no ready CoreDNS/kube-dns pod.`,
        statement: `Every name lookup from ${caller.service} is refused by the cluster DNS Service (${refusedBy}:53): "${quote(target.line, 200)}". A Service refuses connections when none of its pods is ready, so the DNS pods (CoreDNS, kube-dns in kube-system) are unavailable — crashed, for example on a broken Corefile after a change to their ConfigMap — and calls to ${target.host} fail as a result.`,
        confidence: 'medium',
        fix: `Look at the DNS pods and their last error: kubectl -n kube-system get pods -l k8s-app=kube-dns; kubectl -n kube-system logs -l k8s-app=kube-dns --previous. If a change to the coredns ConfigMap (Corefile) broke them, revert it and restart them (kubectl -n kube-system rollout restart deployment/coredns).`,
        clues: ['coredns', 'Corefile', 'kube-dns'],
      };
    }
    return {
      status: 'diagnosed',
      summary: `${caller.service}'s DNS lookups of ${target.host} time out (${target.count}×).`,
      statement: `Name lookups from ${caller.service} time out ("${quote(target.line, 200)}"): the cluster DNS is unreachable or failing${policies.length ? '' : '; no NetworkPolicy in the namespace blocks it'}.`,
      confidence: 'medium',
      fix: 'Check the CoreDNS pods in kube-system (kubectl -n kube-system get pods -l k8s-app=kube-dns) and any egress policy on port 53.',
    };
  }
  if (!ctx.settings.namespaces.includes(service.namespace)) {
    noteGap(
      ctx,
      `Service ${service.service} in namespace ${service.namespace}`,
      `namespace ${service.namespace} is outside the run's scope`,
    );
  }
  const elsewhere: string[] = [];
  for (const ns of ctx.settings.namespaces) {
    if (ns === service.namespace) continue;
    const view = await readService(ctx, service.service, ns);
    if (view) elsewhere.push(ns);
  }
  const inScope = ctx.settings.namespaces.includes(service.namespace);
  const here = inScope ? await readService(ctx, service.service, service.namespace) : undefined;
  if (here) return null;
  const services = inScope ? await serviceNames(ctx, service.namespace) : [];
  const closest = closestNames(service.service, services);
  if (here === undefined && !elsewhere.length) return null;
  ctx.casebook.evidence.unshift(evidence);
  const where = elsewhere.length
    ? ` A Service ${service.service} exists in namespace ${elsewhere.join(', ')}, not in ${service.namespace}.`
    : '';
  // An init container that waits for the name holds every new pod in Init until the name resolves.
  const who = target.container ? `${caller.service}'s init container ${target.container}` : caller.service;
  const held = target.container
    ? ` The init container never completes, so the pods stay in Init and the application containers never start.`
    : '';
  return {
    status: 'diagnosed',
    summary: `${who} cannot resolve ${target.host}: there is no Service ${service.service} in namespace ${service.namespace}${elsewhere.length ? ` (it is in ${elsewhere.join(', ')})` : ''}.`,
    statement: `${who} dials ${target.host}${target.port ? `:${target.port}` : ''}, and the name does not resolve ("${quote(target.line, 200)}"): no Service ${service.service} exists in namespace ${service.namespace}.${where}${closest.length ? ` Closest Services there: ${closest.join(', ')}.` : ''}${held}`,
    confidence: 'high',
    ...(target.container && caller.listing.workload ? { objects: [caller.listing.workload] } : {}),
    fix: target.container
      ? `Point init container ${target.container} at a Service that exists${closest[0] ? ` (${closest[0]}?)` : ''}, or remove the wait if the dependency is gone, then roll out again.`
      : elsewhere.length
        ? `Point ${caller.service} at ${service.service}.${elsewhere[0]}.svc.cluster.local (or ${service.service} from the same namespace), or create the Service in ${service.namespace}.`
        : `Fix the host name ${caller.service} is configured with${closest[0] ? ` (did you mean ${closest[0]}?)` : ''}, or create Service ${service.service} in namespace ${service.namespace}.`,
  };
}

async function serviceNames(ctx: EngineContext, namespace: string): Promise<string[]> {
  const tool = toolFor('services', ctx.tools.toolNames());
  if (tool) {
    const outcome = await ctx.tools.call(tool, { namespace });
    if (outcome.ok)
      return list(at(outcome.structured, 'services'))
        .map((s) => str(s.name) ?? '')
        .filter(Boolean);
  }
  const objects = await readObjects(ctx, 'Service', { namespace });
  return (objects ?? []).map((o) => str(at(o, 'metadata', 'name')) ?? '').filter(Boolean);
}

/**
 * The target's pods run but nothing can reach them: the NetworkPolicies that select them for
 * ingress allow no traffic at all (a default-deny without its allow rules).
 */
export async function ingressDenied(ctx: EngineContext, facts: ServiceFacts): Promise<Verdict | null> {
  const pod = facts.listing.pods[0];
  if (!pod || !facts.listing.pods.some((p) => p.phase === 'Running')) return null;
  const policies = (await readObjects(ctx, 'NetworkPolicy', { namespace: facts.namespace })) ?? [];
  const selecting = policies.filter(
    (p) =>
      selectorMatches(at(p, 'spec', 'podSelector') ?? {}, pod.labels) &&
      (list(at(p, 'spec', 'ingress')).length > 0 ||
        (Array.isArray(at(p, 'spec', 'policyTypes'))
          ? (at(p, 'spec', 'policyTypes') as unknown[]).includes('Ingress')
          : true)),
  );
  if (!selecting.length || selecting.some((p) => list(at(p, 'spec', 'ingress')).length > 0)) return null;
  // A worker that nobody calls may well deny all ingress: only pods behind a Service are expected to answer.
  const tool = toolFor('services', ctx.tools.toolNames());
  const listed = tool ? await ctx.tools.call(tool, { namespace: facts.namespace }) : null;
  const fronted = (listed?.ok ? list(at(listed.structured, 'services')) : []).some((s) =>
    mapSelectorMatches(stringMap(s.selector), pod.labels),
  );
  if (!fronted) return null;
  const names = selecting.map((p) => str(at(p, 'metadata', 'name')) ?? '?');
  ctx.casebook.evidence.unshift({
    source: 'kubernetes',
    detail: `NetworkPolicy ${names.join(', ')} selects ${facts.service}'s pods (${formatMap(pod.labels)}) for ingress and has no ingress rule`,
    ref: `networkpolicy/${names[0]}`,
  });
  return {
    status: 'diagnosed',
    summary: `${facts.service}'s pods run, but NetworkPolicy ${names.join(', ')} denies all ingress to them: every caller times out.`,
    statement: `NetworkPolicy ${names.join(', ')} selects the pods of ${facts.service} with policy type Ingress and allows nothing, so no caller (nor the ingress controller) can connect.`,
    confidence: 'high',
    fix: `Add the ingress rules ${facts.service} needs to ${names[0]} (or a policy that allows its callers on its ports).`,
    objects: names.map((name) => ({ kind: 'NetworkPolicy', name })),
    clues: names,
  };
}
