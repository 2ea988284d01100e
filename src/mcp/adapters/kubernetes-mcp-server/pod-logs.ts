import type { V1Pod } from '@kubernetes/client-node';
import { chooseAppContainer } from '../../../servers/kubernetes/choose-container.js';
import type { AdapterContext, CapabilityAdapter } from '../capability.js';
import { objectOf } from './pod-details.js';

/** What the server says instead of an empty log. */
const NOTHING_LOGGED = /^The pod \S+ in namespace \S+ has not logged any message yet\s*$/;

/** The API server's answer when a pod has several containers and none was named. */
const NEEDS_CONTAINER = /container name must be specified|choose one of/i;

async function appContainer(
  ctx: AdapterContext,
  pod: string,
  namespace: string,
): Promise<string | undefined> {
  if (!ctx.allows('pods_get')) return undefined;
  const got = await ctx.call('pods_get', { name: pod, namespace });
  const object = got.ok ? objectOf(got) : null;
  return object ? chooseAppContainer(object as V1Pod) : undefined;
}

/**
 * `get_pod_logs` on kubernetes-mcp-server: `pods_log` answers with the bare log text. When the pod
 * has several containers and none was named, the application container is chosen as ours does.
 */
export const podLogsAdapter: CapabilityAdapter = async (args, ctx) => {
  const pod = typeof args.pod === 'string' ? args.pod : '';
  const namespace = typeof args.namespace === 'string' ? args.namespace : (ctx.namespaces[0] ?? 'default');
  const previous = args.previous === true;
  const tail = typeof args.tailLines === 'number' ? args.tailLines : 200;
  let container = typeof args.container === 'string' ? args.container : undefined;
  const read = (c: string | undefined) =>
    ctx.call('pods_log', {
      name: pod,
      namespace,
      tail,
      ...(previous ? { previous } : {}),
      ...(c ? { container: c } : {}),
    });
  let outcome = await read(container);
  if (!outcome.ok && !container && NEEDS_CONTAINER.test(outcome.error ?? outcome.text)) {
    container = await appContainer(ctx, pod, namespace);
    if (container) outcome = await read(container);
  }
  if (!outcome.ok) return { ok: false, text: outcome.text, error: outcome.error };
  const log = NOTHING_LOGGED.test(outcome.text.trim()) ? '' : outcome.text.replace(/\n$/, '');
  const lines = log === '' ? 0 : log.split('\n').length;
  const header = `pod/${pod}${container ? ` container=${container}` : ''} lines=${lines}${previous ? ' previous=true' : ''}`;
  return {
    ok: true,
    text: `${header}\n${lines === 0 ? '(no log lines)' : log}`,
    structured: { pod, container: container ?? '', previous, lines, log },
  };
};
