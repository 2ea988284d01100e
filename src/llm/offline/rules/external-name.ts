import type { EngineContext } from '../../engine.js';
import { toolFor } from '../capabilities.js';
import { readObjects } from '../cluster-read.js';
import type { ServiceFacts } from '../facts.js';
import { at, list, nameOf, str } from '../k8s-object.js';
import { quote } from '../quote.js';
import type { CallTarget } from '../targets.js';
import { times, type Verdict } from './verdict.js';

const WORDS: Record<string, string> = {
  'dns-missing': 'does not resolve (no such host)',
  'dns-timeout': 'cannot be looked up (DNS timeouts)',
  timeout: 'does not answer (connections time out)',
  refused: 'refuses the connections',
  reset: 'resets the connections',
};

/**
 * A caller's failing calls that go through a Service of type ExternalName: the caller dials the
 * Service's name (a CNAME to `spec.externalName`) or the external host itself. Either way the
 * Service and the host it points at are the cause to name.
 */
export async function externalNameRoute(
  ctx: EngineContext,
  caller: ServiceFacts,
  target: CallTarget,
  ref: { service: string; namespace: string } | null,
): Promise<Verdict | null> {
  // Without the generic read tool there is nothing to look at (and no gap worth noting here).
  if (!toolFor('resources', ctx.tools.toolNames())) return null;
  const host = target.host.replace(/\.$/, '').toLowerCase();
  const namespaces = [caller.namespace, ...ctx.settings.namespaces.filter((n) => n !== caller.namespace)];
  for (const namespace of namespaces) {
    const services = (await readObjects(ctx, 'Service', { namespace })) ?? [];
    const found = services.find((s) => {
      if (str(at(s, 'spec', 'type')) !== 'ExternalName') return false;
      const external = (str(at(s, 'spec', 'externalName')) ?? '').replace(/\.$/, '').toLowerCase();
      const byName = ref && nameOf(s) === ref.service && namespace === ref.namespace;
      return external === host || byName;
    });
    if (!found) continue;
    const name = nameOf(found);
    const external = str(at(found, 'spec', 'externalName')) ?? '?';
    const what = WORDS[target.failure] ?? 'fails';
    ctx.casebook.evidence.unshift(
      {
        source: 'logs',
        detail: `${caller.service} cannot reach ${target.host}${target.port ? `:${target.port}` : ''}: ${quote(target.line, 240)} (${times(target.count)})`,
        ref: `pod/${target.pod}`,
      },
      {
        source: 'kubernetes',
        detail: `Service ${namespace}/${name} is type ExternalName, a DNS alias (CNAME) for ${external}${list(at(found, 'spec', 'ports')).length ? '' : ' (no ports, no endpoints: nothing in the cluster answers for it)'}`,
        ref: `service/${name}`,
      },
    );
    return {
      status: 'diagnosed',
      summary: `${caller.service} fails on calls through Service ${name} (type ExternalName), whose external host ${external} ${what}.`,
      statement: `Service ${name} in namespace ${namespace} is of type ExternalName and points at ${external}; that host ${what}, so ${caller.service}'s calls fail ("${quote(target.line, 200)}").`,
      confidence: target.failure === 'dns-missing' ? 'high' : 'medium',
      fix: `Correct spec.externalName of Service ${name} to a host that resolves and serves (kubectl patch service ${name} -n ${namespace} -p '{"spec":{"externalName":"<host>"}}'), or restore the DNS record or the service behind ${external}.`,
      clues: [external, name],
      objects: [{ kind: 'Service', name }],
    };
  }
  return null;
}

/** The Service whose endpoints hold a pod IP (a caller dialling a pod directly, or a headless Service). */
export async function serviceOfPodIp(
  ctx: EngineContext,
  ip: string,
): Promise<{ service: string; namespace: string } | undefined> {
  if (!toolFor('resources', ctx.tools.toolNames())) return undefined;
  for (const namespace of ctx.settings.namespaces) {
    const slices = (await readObjects(ctx, 'EndpointSlice', { namespace })) ?? [];
    for (const slice of slices) {
      const holds = list(slice.endpoints).some((e) =>
        (Array.isArray(e.addresses) ? e.addresses : []).includes(ip),
      );
      const service = str(at(slice, 'metadata', 'labels', 'kubernetes.io/service-name'));
      if (holds && service) return { service, namespace };
    }
  }
  return undefined;
}
