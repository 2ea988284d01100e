import type { EngineContext } from '../../engine.js';
import { toolFor } from '../capabilities.js';
import { readObject, readObjects } from '../cluster-read.js';
import type { ServiceFacts } from '../facts.js';
import { at, formatMap, list, num, str, stringMap } from '../k8s-object.js';
import type {} from '../targets.js';
import { readPodListing, type PodInfo } from '../tool-data.js';
import type { Verdict } from './verdict.js';

/** A Service as the traffic checks need it. */
export interface ServiceView {
  name: string;
  namespace: string;
  clusterIP?: string;
  selector: Record<string, string> | null;
  ports: { name?: string; port: number; targetPort: string; protocol: string }[];
  readyEndpoints: number;
  /** Pods the selector matches, when known. */
  selected?: { total: number; ready: number };
  /** What the server already concluded (`targetPort x is not declared …`). */
  findings: string[];
}

/** The Service named exactly `name`, null when it does not exist, undefined when it could not be read. */
export async function readService(
  ctx: EngineContext,
  name: string,
  namespace: string,
): Promise<ServiceView | null | undefined> {
  const tool = toolFor('service', ctx.tools.toolNames());
  if (tool) {
    const outcome = await ctx.tools.call(tool, { name, namespace });
    if (!outcome.ok)
      return /No Service matches|not found/i.test(outcome.error ?? outcome.text) ? null : undefined;
    const d = outcome.structured ?? {};
    // The tool matches names loosely; a caller dials the exact name.
    if (str(d.name) !== name) return null;
    const selected = at(d, 'selectedPods');
    return {
      name,
      namespace,
      clusterIP: str(d.clusterIP),
      selector: d.selector && typeof d.selector === 'object' ? stringMap(d.selector) : null,
      ports: list(d.ports).map((p) => ({
        name: str(p.name),
        port: num(p.port) ?? 0,
        targetPort: String(p.targetPort ?? p.port ?? ''),
        protocol: str(p.protocol) ?? 'TCP',
      })),
      readyEndpoints: list(at(d, 'endpoints', 'ready')).length,
      ...(selected
        ? { selected: { total: num(at(selected, 'total')) ?? 0, ready: num(at(selected, 'ready')) ?? 0 } }
        : {}),
      findings: Array.isArray(d.findings) ? d.findings.filter((f): f is string => typeof f === 'string') : [],
    };
  }
  const object = await readObject(ctx, 'Service', name, namespace);
  if (!object) return object;
  const selector = stringMap(at(object, 'spec', 'selector'));
  const slices =
    (await readObjects(ctx, 'EndpointSlice', {
      namespace,
      labelSelector: `kubernetes.io/service-name=${name}`,
    })) ?? [];
  const all = slices.flatMap((s) => list(s.endpoints));
  const ready = all.filter((e) => at(e, 'conditions', 'ready') !== false);
  return {
    name,
    namespace,
    clusterIP: str(at(object, 'spec', 'clusterIP')),
    selector: Object.keys(selector).length ? selector : null,
    ports: list(at(object, 'spec', 'ports')).map((p) => ({
      name: str(p.name),
      port: num(p.port) ?? 0,
      targetPort: String(p.targetPort ?? p.port ?? ''),
      protocol: str(p.protocol) ?? 'TCP',
    })),
    readyEndpoints: ready.length,
    // The EndpointSlice controller lists every pod the selector matches, ready or not: an
    // endpoint that is not ready still proves the selector matches a pod.
    ...(all.length ? { selected: { total: all.length, ready: ready.length } } : {}),
    findings: [],
  };
}

/** The pods that run the thing a Service is named after (its workload), whatever their labels. */
export async function backendPods(
  ctx: EngineContext,
  service: string,
  namespace: string,
): Promise<PodInfo[]> {
  const tool = toolFor('listPods', ctx.tools.toolNames());
  if (!tool) return [];
  const outcome = await ctx.tools.call(tool, { service, namespace });
  if (!outcome.ok) return [];
  const listing = readPodListing(outcome.structured);
  // A listing that went through the Service's own selector says nothing new.
  return listing.workload?.kind === 'Service' ? [] : listing.pods;
}

interface ContainerPort {
  name?: string;
  containerPort: number;
}

async function containerPorts(
  ctx: EngineContext,
  pod: string,
  namespace: string,
): Promise<ContainerPort[] | null> {
  const object = await readObject(ctx, 'Pod', pod, namespace);
  if (!object) return null;
  return list(at(object, 'spec', 'containers')).flatMap((c) =>
    list(c.ports).map((p) => ({ name: str(p.name), containerPort: num(p.containerPort) ?? 0 })),
  );
}

function labelDifference(selector: Record<string, string>, labels: Record<string, string>): string {
  return Object.entries(selector)
    .filter(([k, v]) => labels[k] !== v)
    .map(([k, v]) =>
      labels[k] === undefined
        ? `no label ${k} (selector wants ${k}=${v})`
        : `${k}=${labels[k]} (selector wants ${k}=${v})`,
    )
    .join(', ');
}

/**
 * Why traffic to a Service goes nowhere although the thing behind it runs: a selector that matches
 * none of its pods, a targetPort no container declares, a port the caller dials that the Service
 * does not expose.
 */
export async function serviceWiring(
  ctx: EngineContext,
  view: ServiceView,
  dialedPort?: string,
): Promise<{
  summary: string;
  statement: string;
  fix: string;
  evidence: string;
  clues?: string[];
  objects?: { kind: string; name: string }[];
} | null> {
  const ref = `Service ${view.name}`;
  const portList = view.ports.map((p) => `${p.port}→${p.targetPort}`).join(', ');
  if (
    dialedPort &&
    view.ports.length &&
    !view.ports.some((p) => String(p.port) === dialedPort) &&
    dialedPort !== '80' &&
    dialedPort !== '443'
  ) {
    return {
      summary: `the caller dials ${view.name}:${dialedPort}, but ${ref} does not expose port ${dialedPort} (ports ${portList})`,
      statement: `${ref} exposes ${portList}, not ${dialedPort}: connections to ${view.name}:${dialedPort} are refused or time out.`,
      fix: `Make the caller dial one of ${ref}'s ports (${view.ports.map((p) => p.port).join(', ')}), or add port ${dialedPort} to the Service.`,
      evidence: `${ref} ports: ${portList || 'none'}`,
    };
  }
  if (view.selector && view.readyEndpoints === 0 && (view.selected?.total ?? 0) === 0) {
    const pods = await backendPods(ctx, view.name, view.namespace);
    const pod = pods[0];
    const diff = pod ? labelDifference(view.selector, pod.labels) : '';
    return {
      summary: `${ref} has no endpoints: its selector ${formatMap(view.selector)} matches no pod${pod ? ` (the pods of ${view.name} carry ${formatMap(pod.labels)})` : ''}`,
      statement: `${ref} selects ${formatMap(view.selector)}, which matches no pod in namespace ${view.namespace}, so it has no endpoints and every call to it fails.${pod ? ` The pods that run ${view.name} (e.g. ${pod.name}) have ${diff || formatMap(pod.labels)}.` : ''}`,
      fix: pod
        ? `Make the selector of ${ref} and the pod labels agree (${diff || 'see above'}): fix whichever side the last change renamed.`
        : `Make the selector of ${ref} match the labels of the pods that should serve it, or deploy them.`,
      evidence: `${ref}: selector ${formatMap(view.selector)}, 0 pods match, 0 ready endpoints`,
      clues: Object.values(view.selector),
      objects: [{ kind: 'Service', name: view.name }],
    };
  }
  if (view.readyEndpoints > 0 || (view.selected?.ready ?? 0) > 0) {
    const pods = await backendPods(ctx, view.name, view.namespace);
    const ports = pods[0] ? await containerPorts(ctx, pods[0].name, view.namespace) : null;
    const undeclared = ports?.length
      ? view.ports.filter((p) =>
          /^\d+$/.test(p.targetPort)
            ? !ports.some((c) => c.containerPort === Number(p.targetPort))
            : !ports.some((c) => c.name === p.targetPort),
        )
      : view.findings.some((f) => /targetPort .* is not declared/.test(f))
        ? view.ports
        : [];
    const bad = undeclared[0];
    if (bad) {
      const declared = ports?.map((c) => `${c.name ? `${c.name} ` : ''}${c.containerPort}`).join(', ');
      return {
        summary: `${ref} sends port ${bad.port} to targetPort ${bad.targetPort}, which no container of ${view.name} listens on${declared ? ` (they declare ${declared})` : ''}`,
        statement: `${ref} forwards ${bad.port} to targetPort ${bad.targetPort}, but the containers behind it declare ${declared ?? 'other ports'}: connections reach the pod and are refused.`,
        fix: `Set targetPort of ${ref} to the port the container listens on${declared ? ` (${declared})` : ''}, or make the container listen on ${bad.targetPort}.`,
        evidence: `${ref} ports ${portList}; container ports ${declared ?? 'unknown'}`,
        clues: ['containerPort', 'targetPort'],
        objects: [{ kind: 'Service', name: view.name }],
      };
    }
  }
  return null;
}

/** The target's own Service, named after it, routes nowhere although its pods run. */
export async function ownServiceWiring(ctx: EngineContext, facts: ServiceFacts): Promise<Verdict | null> {
  const names = [...new Set([facts.service, facts.listing.workload?.name ?? ''].filter(Boolean))];
  for (const name of names) {
    const view = await readService(ctx, name, facts.namespace);
    if (!view) continue;
    const wiring = await serviceWiring(ctx, view);
    if (!wiring) continue;
    ctx.casebook.evidence.unshift({
      source: 'kubernetes',
      detail: wiring.evidence,
      ref: `service/${view.name}`,
    });
    return {
      status: 'diagnosed',
      summary: `${facts.service}'s pods run, but ${wiring.summary}.`,
      statement: wiring.statement,
      confidence: 'high',
      fix: wiring.fix,
      clues: wiring.clues,
      objects: wiring.objects,
    };
  }
  return null;
}
