import { readObject, readObjects } from '../cluster-read.js';
import { at, list, str } from '../k8s-object.js';
import { quote } from '../quote.js';
import { callTargets } from '../targets.js';
import { times, type Rule } from './verdict.js';

/** The proxies a service mesh injects next to the application. */
const MESH_PROXY = /^(istio-proxy|linkerd-proxy)$/;

const containerNames = (pod: unknown): string[] =>
  [...list(at(pod, 'spec', 'containers')), ...list(at(pod, 'spec', 'initContainers'))].map(
    (c) => str(c.name) ?? '',
  );

/**
 * Pods left out of the mesh: other pods in the namespace run a mesh proxy, this service's pods do
 * not, and its calls are reset. With mutual TLS required, the peers' proxies reset plain-text
 * connections. The usual cause is the injection switch: the namespace label (`istio-injection`,
 * `istio.io/rev`) or the pod annotation (`sidecar.istio.io/inject`) removed before the pods were
 * created.
 */
export const meshSidecarRule: Rule = async (ctx, facts) => {
  const reset = callTargets(facts.logs).find((t) => t.failure === 'reset');
  if (!reset || !facts.listing.pods.length) return null;
  if (facts.listing.pods.some((p) => p.containers.some((c) => MESH_PROXY.test(c.name)))) return null;
  const pods = (await readObjects(ctx, 'Pod', { namespace: facts.namespace })) ?? [];
  const meshed = pods.filter((p) => containerNames(p).some((n) => MESH_PROXY.test(n)));
  if (!meshed.length) return null;
  const proxy = containerNames(meshed[0]).find((n) => MESH_PROXY.test(n)) ?? 'istio-proxy';
  const mesh = proxy === 'linkerd-proxy' ? 'Linkerd' : 'Istio';
  const peer = str(at(meshed[0], 'metadata', 'name')) ?? 'another pod';
  const namespace = await readObject(ctx, 'Namespace', facts.namespace, undefined, true);
  const labels = (at(namespace, 'metadata', 'labels') ?? {}) as Record<string, string>;
  const injecting =
    mesh === 'Istio' ? labels['istio-injection'] === 'enabled' || Boolean(labels['istio.io/rev']) : false;
  const switchNote =
    namespace && mesh === 'Istio' && !injecting
      ? ` Namespace ${facts.namespace} carries neither istio-injection=enabled nor istio.io/rev, so new pods get no sidecar; pods created before the label was removed (${peer}) still have one.`
      : '';
  ctx.casebook.evidence.unshift(
    {
      source: 'logs',
      detail: `${facts.service}'s connections to ${reset.host}${reset.port ? `:${reset.port}` : ''} are reset: ${quote(reset.line, 240)} (${times(reset.count)})`,
      ref: `pod/${reset.pod}`,
    },
    {
      source: 'kubernetes',
      detail: `${facts.service}'s pods run without the ${proxy} sidecar (${facts.listing.pods.map((p) => p.name).join(', ')}), while ${peer} in the same namespace has one${switchNote ? '; the namespace has no injection label' : ''}`,
      ref: `pod/${facts.listing.pods[0]?.name}`,
    },
  );
  return {
    status: 'diagnosed',
    summary: `${facts.service}'s pods are outside the ${mesh} mesh (no ${proxy} sidecar was injected), so its plain-text calls to ${reset.host} are reset by the mesh, which requires mutual TLS.`,
    statement:
      `${facts.service}'s calls to ${reset.host} are reset by the peer ("${quote(reset.line, 180)}"). Its pods have no ${proxy} ` +
      `sidecar while other pods in namespace ${facts.namespace} do: they were created without sidecar injection, so they ` +
      `speak plain text to services whose sidecars accept only mutual TLS.${switchNote}`,
    confidence: 'high',
    fix:
      mesh === 'Istio'
        ? `Turn sidecar injection back on (kubectl label namespace ${facts.namespace} istio-injection=enabled, or the istio.io/rev label your mesh uses, or remove a sidecar.istio.io/inject: "false" annotation), then restart the pods so that they are injected: kubectl rollout restart deployment/${facts.listing.workload?.name ?? facts.service} -n ${facts.namespace}.`
        : `Turn Linkerd injection back on (annotation linkerd.io/inject: enabled on the namespace or the pod template), then restart the pods.`,
    clues: ['istio-injection', 'istio.io/rev', 'sidecar.istio.io/inject', 'linkerd.io/inject'],
  };
};
