import type { V1Pod } from '@kubernetes/client-node';

import { podBaseName } from './resolve-service.js';
import { serviceNameMatch } from './service-names.js';

/** Names and name parts of the helpers that commonly ride along an application container. */
const sidecarPattern =
  /(istio|envoy|linkerd|sidecar|proxy|vault-agent|fluent|filebeat|datadog|otel|opentelemetry|collector|exporter|reloader|log-?shipper|promtail)/i;

/**
 * The container whose logs matter when none was named: the one named like the application (its
 * `app` label or the pod's base name), else the first that is not a known sidecar, else the first.
 */
export function chooseAppContainer(pod: V1Pod): string | undefined {
  const names = (pod.spec?.containers ?? []).map((container) => container.name);
  if (names.length <= 1) return names[0];
  const labels = pod.metadata?.labels ?? {};
  const appNames = [
    labels['app'],
    labels['app.kubernetes.io/name'],
    labels['k8s-app'],
    podBaseName(pod.metadata?.name ?? ''),
  ].filter((name): name is string => Boolean(name));
  const namedLikeApp = names.find((name) => appNames.some((app) => serviceNameMatch(app, name) > 0));
  return namedLikeApp ?? names.find((name) => !sidecarPattern.test(name)) ?? names[0];
}

/** Every container of the pod, init containers included, for naming the valid choices. */
export function containerNames(pod: V1Pod): { containers: string[]; initContainers: string[] } {
  return {
    containers: (pod.spec?.containers ?? []).map((container) => container.name),
    initContainers: (pod.spec?.initContainers ?? []).map((container) => container.name),
  };
}
