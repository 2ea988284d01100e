import type { EngineContext } from '../../engine.js';
import { toolFor } from '../capabilities.js';
import { readObjects } from '../cluster-read.js';
import type { ServiceFacts } from '../facts.js';
import { at, list, mapSelectorMatches, nameOf, num, str, stringMap, type KubeObject } from '../k8s-object.js';
import { readService } from './traffic.js';
import type { Rule } from './verdict.js';

const DEFAULT_CLASS = 'ingressclass.kubernetes.io/is-default-class';

interface Backend {
  service: string;
  port?: number | string;
  host?: string;
  path?: string;
}

function backendsOf(ingress: KubeObject): Backend[] {
  const toBackend = (b: unknown, host?: string, path?: string): Backend | null => {
    const service = str(at(b, 'service', 'name'));
    if (!service) return null;
    const port = num(at(b, 'service', 'port', 'number')) ?? str(at(b, 'service', 'port', 'name'));
    return {
      service,
      ...(port !== undefined ? { port } : {}),
      ...(host ? { host } : {}),
      ...(path ? { path } : {}),
    };
  };
  const rules = list(at(ingress, 'spec', 'rules')).flatMap((r) =>
    list(at(r, 'http', 'paths')).map((p) => toBackend(p.backend, str(r.host), str(p.path))),
  );
  return [toBackend(at(ingress, 'spec', 'defaultBackend')), ...rules].filter((b): b is Backend => b !== null);
}

/** Names of the Services in front of the target's pods (their selector matches the pods' labels). */
async function servicesOf(ctx: EngineContext, facts: ServiceFacts): Promise<Set<string>> {
  const names = new Set([facts.service, facts.listing.workload?.name ?? ''].filter(Boolean));
  const tool = toolFor('services', ctx.tools.toolNames());
  const outcome = tool ? await ctx.tools.call(tool, { namespace: facts.namespace }) : null;
  const labels = facts.listing.pods[0]?.labels;
  for (const s of outcome?.ok ? list(at(outcome.structured, 'services')) : []) {
    const selector = stringMap(s.selector);
    if (labels && mapSelectorMatches(selector, labels)) names.add(str(s.name) ?? '');
  }
  return names;
}

/** The Ingresses that route to the target (by its Services), and the names of those Services. */
export async function ingressesInFront(
  ctx: EngineContext,
  facts: ServiceFacts,
): Promise<{ relevant: KubeObject[]; ours: Set<string> }> {
  const ingresses = await readObjects(ctx, 'Ingress', { namespace: facts.namespace });
  if (!ingresses?.length) return { relevant: [], ours: new Set() };
  const ours = await servicesOf(ctx, facts);
  const relevant = ingresses.filter(
    (i) => ours.has(nameOf(i)) || backendsOf(i).some((b) => ours.has(b.service)),
  );
  return { relevant, ours };
}

/**
 * An Ingress in front of the target that cannot route: its IngressClass does not exist (no
 * controller serves it), or its backend Service or port does not exist.
 */
export const ingressRule: Rule = async (ctx, facts) => {
  const { relevant, ours } = await ingressesInFront(ctx, facts);
  if (!relevant.length) return null;
  const classes = (await readObjects(ctx, 'IngressClass', { clusterScoped: true })) ?? null;
  for (const ingress of relevant) {
    const name = nameOf(ingress);
    const className =
      str(at(ingress, 'spec', 'ingressClassName')) ??
      stringMap(at(ingress, 'metadata', 'annotations'))['kubernetes.io/ingress.class'];
    // An address in status means a controller serves the Ingress: an empty class list (what a
    // narrow role may see) is then no proof that its class is missing. A list that names other
    // classes is: an address can outlive the class change that orphaned the Ingress.
    const served = list(at(ingress, 'status', 'loadBalancer', 'ingress')).some(
      (a) => str(a.ip) ?? str(a.hostname),
    );
    if (classes && !(served && classes.length === 0)) {
      const names = classes.map(nameOf);
      const defaults = classes
        .filter((c) => stringMap(at(c, 'metadata', 'annotations'))[DEFAULT_CLASS] === 'true')
        .map(nameOf);
      const missing = className ? !names.includes(className) : defaults.length === 0;
      if (missing) {
        const statement = className
          ? `Ingress ${name} asks for IngressClass "${className}", which does not exist${names.length ? ` (the cluster has ${names.join(', ')})` : ''}: no ingress controller picks it up, so it has no address and its routes do not exist.`
          : `Ingress ${name} names no IngressClass and the cluster has no default class${names.length ? ` (classes: ${names.join(', ')})` : ''}: no controller serves it.`;
        ctx.casebook.evidence.unshift({ source: 'kubernetes', detail: statement, ref: `ingress/${name}` });
        return {
          status: 'diagnosed',
          summary: `Traffic to ${facts.service} through Ingress ${name} goes nowhere: ${className ? `IngressClass "${className}" does not exist` : 'no IngressClass serves it'}.`,
          statement,
          confidence: 'high',
          clues: className ? [className] : ['ingressClassName'],
          objects: [{ kind: 'Ingress', name }],
          fix: `Set spec.ingressClassName of Ingress ${name} to an existing class${names[0] ? ` (${defaults[0] ?? names[0]})` : ''}, or install the controller for "${className ?? ''}".`,
        };
      }
    }
    for (const backend of backendsOf(ingress)) {
      const view = await readService(ctx, backend.service, facts.namespace);
      if (view === undefined) continue;
      const route = `${backend.host ?? '*'}${backend.path ?? ''}`;
      if (view === null) {
        const statement = `Ingress ${name} routes ${route} to Service ${backend.service}, which does not exist in namespace ${facts.namespace}: the controller answers 503 (or 404) for it.`;
        ctx.casebook.evidence.unshift({ source: 'kubernetes', detail: statement, ref: `ingress/${name}` });
        return {
          status: 'diagnosed',
          summary: `Ingress ${name} sends ${route} to Service ${backend.service}, which does not exist.`,
          statement,
          confidence: 'high',
          objects: [{ kind: 'Ingress', name }],
          fix: `Point the backend of Ingress ${name} at the Service that exists (${[...ours].filter((s) => s !== backend.service)[0] ?? 'the right one'}), or create Service ${backend.service}.`,
        };
      }
      const portOk =
        backend.port === undefined ||
        view.ports.some((p) =>
          typeof backend.port === 'number' ? p.port === backend.port : p.name === backend.port,
        );
      if (!portOk) {
        const ports = view.ports.map((p) => `${p.name ? `${p.name} ` : ''}${p.port}`).join(', ');
        const named = view.ports.map((p) => p.name).filter(Boolean);
        const asked =
          typeof backend.port === 'number'
            ? `port ${backend.port}`
            : `port name "${backend.port}" (service.port.name)`;
        const statement = `Ingress ${name} routes ${route} to ${asked} of Service ${backend.service}, which does not define it — it exposes ${ports || 'no ports'}${typeof backend.port === 'string' && named.length ? ` (port name${named.length > 1 ? 's' : ''} ${named.map((n) => `"${n}"`).join(', ')})` : ''}: the controller has no endpoint for it and answers 503.`;
        ctx.casebook.evidence.unshift({ source: 'kubernetes', detail: statement, ref: `ingress/${name}` });
        return {
          status: 'diagnosed',
          summary: `Ingress ${name} uses port ${backend.port} of Service ${backend.service}, which does not exist (${ports}).`,
          statement,
          confidence: 'high',
          objects: [{ kind: 'Ingress', name }],
          fix: `Set the backend port of Ingress ${name} to one Service ${backend.service} exposes (${ports}).`,
        };
      }
    }
  }
  return null;
};
