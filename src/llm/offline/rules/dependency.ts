import type { EngineContext } from '../../engine.js';
import { toolFor } from '../capabilities.js';
import type { ServiceFacts } from '../facts.js';
import { noteGap } from '../gaps.js';
import { at, list, str } from '../k8s-object.js';
import { quote } from '../quote.js';
import { callTargets, serviceOfHost, type CallTarget } from '../targets.js';
import { egressBlock } from './egress.js';
import { externalNameRoute, serviceOfPodIp } from './external-name.js';
import { nameResolution, policyBlock } from './network.js';
import { readService, serviceWiring } from './traffic.js';
import { times, type Rule, type Verdict } from './verdict.js';

/** What following a dependency found: its verdict, and whether anything by that name runs at all. */
export interface DependencyOutcome {
  verdict: Verdict | null;
  found: boolean;
}

export type FollowDependency = (
  ctx: EngineContext,
  target: { service: string; namespace: string },
) => Promise<DependencyOutcome>;

/**
 * An IP in a log is a Service's cluster IP more often than not — in any namespace of the run, the
 * caller's first — else a pod's IP that a Service's EndpointSlice lists: name that Service.
 */
async function serviceOfIp(
  ctx: EngineContext,
  ip: string,
  namespace: string,
): Promise<{ service: string; namespace: string } | undefined> {
  const tool = toolFor('services', ctx.tools.toolNames());
  for (const ns of tool ? [namespace, ...ctx.settings.namespaces.filter((n) => n !== namespace)] : []) {
    const outcome = await ctx.tools.call(tool as string, { namespace: ns });
    const services = outcome.ok ? list(at(outcome.structured, 'services')) : [];
    const name = str(services.find((s) => s.clusterIP === ip)?.name);
    if (name) return { service: name, namespace: ns };
  }
  return serviceOfPodIp(ctx, ip);
}

/** ` Its readiness probe fails as a result (3 pod(s) not ready).` when the caller's own probes suffer. */
function probeNote(facts: ServiceFacts): string {
  const unhealthy = facts.related.find((e) => e.reason === 'Unhealthy');
  if (!unhealthy) return '';
  const kind = /liveness/i.test(unhealthy.message ?? '') ? 'liveness' : 'readiness';
  const notReady = facts.listing.pods.filter((p) => p.ready?.startsWith('0/')).length;
  return ` ${facts.service}'s ${kind} probe fails as a result${notReady ? ` (${notReady} pod(s) not ready)` : ''}.`;
}

const normal = (s: string) => s.replace(/[-_.]/g, '').toLowerCase();

function callerEvidence(facts: ServiceFacts, t: CallTarget, name: string) {
  const address =
    name === t.host
      ? `${t.host}${t.port ? `:${t.port}` : ''}`
      : `${name} (${t.host}${t.port ? `:${t.port}` : ''})`;
  return {
    source: 'logs' as const,
    detail: `${facts.service} cannot reach ${address}: ${quote(t.line, 260)} (${times(t.count)})`,
    ref: `pod/${t.pod}`,
  };
}

/**
 * The service fails because something it calls fails: follow the calls its logs say failed to
 * the Service they went to. The dependency's own verdict becomes the root cause; when the
 * dependency runs fine, the wiring between them is checked (the name, the Service's selector and
 * ports, NetworkPolicies).
 */
export function dependencyRule(follow: FollowDependency): Rule {
  const rule = dependencyVerdict(follow);
  return async (ctx, facts) => {
    const verdict = await rule(ctx, facts);
    return verdict ? { ...verdict, summary: `${verdict.summary}${probeNote(facts)}` } : null;
  };
}

function dependencyVerdict(follow: FollowDependency): Rule {
  return async (ctx, facts) => {
    const self = [facts.service, facts.listing.workload?.name ?? ''].filter(Boolean).map(normal);
    const outside: CallTarget[] = [];
    for (const target of callTargets(facts.logs).slice(0, 3)) {
      const ip = /^\d+\.\d+\.\d+\.\d+$/.test(target.host);
      let ref: { service: string; namespace: string; viaService?: string } | null = ip
        ? ((await serviceOfIp(ctx, target.host, facts.namespace)) ?? null)
        : serviceOfHost(target.host, facts.namespace);
      if (ref && self.includes(normal(ref.service))) continue;
      // A name that is (or points at) an ExternalName Service's external host: that Service is the route.
      if (!ip && target.failure !== 'other' && target.failure !== 'unavailable') {
        const external = await externalNameRoute(ctx, facts, target, ref);
        if (external) return external;
      }
      if (!ref) {
        outside.push(target);
        continue;
      }
      // A pod's name under a headless Service resolves only while that pod is ready: follow the pod.
      if ((target.failure === 'dns-missing' && !ref.viaService) || target.failure === 'dns-timeout') {
        const verdict = await nameResolution(ctx, facts, target, ref);
        if (verdict) return verdict;
      }
      if (!ctx.settings.namespaces.includes(ref.namespace)) {
        noteGap(
          ctx,
          `${ref.service} in namespace ${ref.namespace}, which ${facts.service} fails to reach`,
          `namespace ${ref.namespace} is outside the run's scope`,
        );
        continue;
      }
      let theirs = await follow(ctx, ref);
      // A pod's own name under a headless Service: when that pod is gone, the Service's pods are the story.
      if (!theirs.found && ref.viaService) {
        ref = { service: ref.viaService, namespace: ref.namespace };
        theirs = await follow(ctx, ref);
      }
      const evidence = callerEvidence(facts, target, ref.service);
      if (theirs.verdict?.status === 'diagnosed') {
        ctx.casebook.evidence.unshift(evidence);
        return {
          status: 'diagnosed',
          summary: `${facts.service} fails because its dependency ${ref.service} is failing: ${theirs.verdict.summary}`,
          statement: `${facts.service}'s errors come from calls to ${ref.service} ("${quote(target.line, 180)}"). Root cause in ${ref.service}: ${theirs.verdict.statement}`,
          confidence: theirs.verdict.confidence,
          fix: theirs.verdict.fix,
          ...(theirs.verdict.notFromChange ? { notFromChange: true } : {}),
        };
      }
      const view = await readService(ctx, ref.service, ref.namespace);
      if (view) {
        const wiring = await serviceWiring(ctx, view, target.port);
        if (wiring) {
          ctx.casebook.evidence.unshift(evidence, {
            source: 'kubernetes',
            detail: wiring.evidence,
            ref: `service/${view.name}`,
          });
          return {
            status: 'diagnosed',
            summary: `${facts.service} cannot reach ${ref.service}: ${wiring.summary}.`,
            statement: `${facts.service}'s calls to ${ref.service} fail ("${quote(target.line, 180)}"). ${wiring.statement}`,
            confidence: 'high',
            fix: wiring.fix,
            clues: wiring.clues,
            objects: wiring.objects,
          };
        }
        const block = await policyBlock(ctx, facts, view);
        if (block) {
          ctx.casebook.evidence.unshift(evidence);
          return {
            status: 'diagnosed',
            summary: `${facts.service} cannot reach ${ref.service}: a NetworkPolicy drops the traffic.`,
            statement: `${facts.service}'s calls to ${ref.service} fail ("${quote(target.line, 180)}"). ${block.statement}`,
            confidence: 'high',
            fix: block.fix,
            clues: block.policies,
            objects: block.policies.map((name) => ({ kind: 'NetworkPolicy', name })),
          };
        }
      }
      if (view === null && !theirs.found && target.failure !== 'dns-missing') {
        ctx.casebook.evidence.unshift(evidence);
        return {
          status: 'diagnosed',
          summary: `${facts.service} calls ${ref.service}, which does not exist in namespace ${ref.namespace}.`,
          statement: `${facts.service}'s calls to ${target.host}${target.port ? `:${target.port}` : ''} fail ("${quote(target.line, 180)}"): there is no Service and no workload named ${ref.service} in namespace ${ref.namespace}.`,
          confidence: 'medium',
          fix: `Deploy ${ref.service} or correct the address ${facts.service} is configured with.`,
        };
      }
      if (theirs.verdict?.status === 'healthy') {
        ctx.casebook.evidence.unshift(evidence);
        return {
          status: 'diagnosed',
          summary: `${facts.service} cannot reach ${ref.service} (${times(target.count)}), although ${ref.service}'s pods look healthy.`,
          statement: `Calls from ${facts.service} to ${ref.service} fail: "${quote(target.line, 200)}"; ${ref.service}'s pods look healthy, its Service has ready endpoints and no NetworkPolicy found blocks the path, so look at the client side (address, port, timeouts) and the network between.`,
          confidence: 'low',
          fix: `Compare the address ${facts.service} dials (${target.host}${target.port ? `:${target.port}` : ''}) with Service ${ref.service}'s ports; check the client's timeouts and any mesh or egress policy outside the namespace.`,
        };
      }
    }
    const external = outside[0];
    return external ? outsideTarget(ctx, facts, external) : null;
  };
}

/** A call to something outside the cluster (an IP no Service owns, a name outside cluster.local) that fails. */
async function outsideTarget(
  ctx: EngineContext,
  facts: ServiceFacts,
  target: CallTarget,
): Promise<Verdict | null> {
  const address = `${target.host}${target.port ? `:${target.port}` : ''}`;
  const block = await egressBlock(ctx, facts, target);
  if (block) return block;
  if (target.failure === 'other' || target.failure === 'unavailable') return null;
  ctx.casebook.evidence.unshift(callerEvidence(facts, target, target.host));
  const words: Record<string, string> = {
    timeout: 'the connections time out',
    refused: 'the connections are refused',
    reset: 'the connections are reset',
    'dns-missing': 'the name does not resolve',
    'dns-timeout': 'name lookups time out',
  };
  return {
    status: 'diagnosed',
    summary: `${facts.service} cannot reach ${address}, outside the cluster: ${words[target.failure] ?? 'the calls fail'} (${times(target.count)}).`,
    statement: `${facts.service} fails on its calls to ${address}, which no Service in namespace ${facts.namespace} fronts: ${words[target.failure] ?? 'the calls fail'} ("${quote(target.line, 220)}").`,
    confidence: 'medium',
    clues: [target.host],
    fix: `Check that ${address} is up and reachable from the cluster's nodes and pods (the address configured, firewall rules or authorised networks, private connectivity), or roll back the change that pointed ${facts.service} at it.`,
  };
}
