import type { V1Endpoints, V1Pod, V1ServicePort } from '@kubernetes/client-node';

/** One address behind a Service, with the pod it leads to. */
export interface EndpointAddress {
  ip: string;
  pod?: string;
  node?: string;
}

/** A Service's endpoints: where its traffic can go now (`ready`) and where it cannot yet (`notReady`). */
export interface ServiceEndpoints {
  /** `endpoints`: the Endpoints object; `pods`: derived from the selected pods when there is none. */
  source: 'endpoints' | 'pods' | 'none';
  ready: EndpointAddress[];
  notReady: EndpointAddress[];
  /** `grpc 7070/TCP` */
  ports: string[];
}

/** The addresses of an Endpoints object, subsets flattened. */
export function endpointsFromObject(endpoints: V1Endpoints): ServiceEndpoints {
  const subsets = endpoints.subsets ?? [];
  const address = (a: { ip: string; nodeName?: string; targetRef?: { kind?: string; name?: string } }) => ({
    ip: a.ip,
    ...(a.targetRef?.kind === 'Pod' && a.targetRef.name ? { pod: a.targetRef.name } : {}),
    ...(a.nodeName ? { node: a.nodeName } : {}),
  });
  const ports = subsets.flatMap((subset) =>
    (subset.ports ?? []).map(
      (port) => `${port.name ? `${port.name} ` : ''}${port.port}/${port.protocol ?? 'TCP'}`,
    ),
  );
  return {
    source: 'endpoints',
    ready: subsets.flatMap((subset) => (subset.addresses ?? []).map(address)),
    notReady: subsets.flatMap((subset) => (subset.notReadyAddresses ?? []).map(address)),
    ports: [...new Set(ports)],
  };
}

/** What the endpoints controller would compute from the selected pods, for clusters without Endpoints. */
export function endpointsFromPods(pods: readonly V1Pod[]): ServiceEndpoints {
  const withIp = pods.filter((pod) => pod.status?.podIP && !pod.metadata?.deletionTimestamp);
  const address = (pod: V1Pod): EndpointAddress => ({
    ip: pod.status?.podIP ?? '',
    pod: pod.metadata?.name ?? '',
    ...(pod.spec?.nodeName ? { node: pod.spec.nodeName } : {}),
  });
  return {
    source: 'pods',
    ready: withIp.filter(isPodReady).map(address),
    notReady: withIp.filter((pod) => !isPodReady(pod)).map(address),
    ports: [],
  };
}

/** A pod counts as ready when its Ready condition is True, as the endpoints controller decides. */
export function isPodReady(pod: V1Pod): boolean {
  return (pod.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

/**
 * Service ports whose `targetPort` no container of the selected pods declares. Declaring is not
 * listening, so this is a hint, but a named port that matches nothing never receives traffic.
 */
export function undeclaredTargetPorts(ports: readonly V1ServicePort[], pods: readonly V1Pod[]): string[] {
  const declared = pods.flatMap((pod) => (pod.spec?.containers ?? []).flatMap((c) => c.ports ?? []));
  if (pods.length === 0 || declared.length === 0) return [];
  return ports
    .filter((port) => {
      const target = port.targetPort ?? port.port;
      return typeof target === 'number' || /^\d+$/.test(target)
        ? !declared.some((d) => d.containerPort === Number(target))
        : !declared.some((d) => d.name === target);
    })
    .map((port) => String(port.targetPort ?? port.port));
}
