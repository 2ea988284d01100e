import { readObject } from '../cluster-read.js';
import { at, list, str } from '../k8s-object.js';
import { quote } from '../quote.js';
import type { PodInfo } from '../tool-data.js';
import { times, type Rule } from './verdict.js';

function failing(p: PodInfo): boolean {
  return (
    p.phase !== 'Succeeded' &&
    (p.phase !== 'Running' ||
      p.containers.some(
        (c) => !c.init && (c.ready === false || /CrashLoopBackOff|Error/.test(c.reason ?? '')),
      ))
  );
}

/**
 * Pods of one template that fail on ONE node while their siblings run elsewhere: the node differs,
 * not the code. A path the error names under a hostPath mount is what that node lacks.
 */
export const oneNodeRule: Rule = async (ctx, facts) => {
  const pods = facts.listing.pods.filter((p) => p.node);
  const bad = pods.filter(failing);
  const good = pods.filter((p) => !failing(p));
  const nodes = new Set(bad.map((p) => p.node));
  const node = [...nodes][0];
  if (!node || nodes.size !== 1 || !good.some((p) => p.node !== node)) return null;
  const pod = bad[0] as PodInfo;
  const error = facts.logs
    .filter((l) => l.pod === pod.name)
    .sort((a, b) => Number(b.previous) - Number(a.previous))
    .flatMap((l) => l.analysis.signatures.filter((s) => s.kind !== 'warning'))[0];
  const daemon = facts.listing.workload?.kind === 'DaemonSet';
  const object = await readObject(ctx, 'Pod', pod.name, facts.namespace);
  const volumes = list(at(object, 'spec', 'volumes'));
  const text = error ? `${error.message} ${error.sample}` : '';
  let hostNote = '';
  let hostPath: string | undefined;
  for (const c of list(at(object, 'spec', 'containers'))) {
    for (const m of list(c.volumeMounts)) {
      const volume = volumes.find((v) => v.name === m.name);
      const host = str(at(volume, 'hostPath', 'path'));
      const mountPath = str(m.mountPath)?.replace(/\/$/, '');
      if (!host || !mountPath) continue;
      const named = text.match(
        new RegExp(`${mountPath.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(/[\\w./-]*)?`),
      );
      if (!named) continue;
      hostPath = `${host.replace(/\/$/, '')}${named[1] ?? ''}`;
      hostNote = ` The path is under hostPath volume ${String(m.name)} (${host}, mounted at ${mountPath}): node ${node} lacks ${hostPath}${/no such file|not found|ENOENT/i.test(text) ? '' : ' or holds something different there'}, while the nodes where it runs have it.`;
      break;
    }
    if (hostNote) break;
  }
  if (!daemon && !hostNote) return null;
  ctx.casebook.evidence.unshift({
    source: 'kubernetes',
    detail: `${pod.name} on node ${node}: ${pod.phase ?? '?'}, ready ${pod.ready ?? '?'}, restarts ${pod.restarts ?? 0}; siblings ${good
      .slice(0, 3)
      .map((p) => `${p.name} on ${p.node}`)
      .join(', ')} run and are ready`,
    ref: `pod/${pod.name}`,
  });
  if (error)
    ctx.casebook.evidence.splice(1, 0, {
      source: 'logs',
      detail: `${quote(error.sample, 280)} (${times(error.count)})`,
      ref: `pod/${pod.name}`,
    });
  const what = facts.listing.workload
    ? `${facts.listing.workload.kind} ${facts.listing.workload.name}`
    : facts.service;
  return {
    status: 'diagnosed',
    summary: `${what} fails only on node ${node} (${pod.name}); its pods on ${good.length} other node(s) run.${hostPath ? ` Node ${node} lacks hostPath ${hostPath}.` : ''}`,
    statement: `Only ${pod.name}, on node ${node}, fails${error ? `: "${quote(error.sample, 200)}"` : ''}; the same template runs on the other nodes, so the difference is node ${node}.${hostNote}`,
    confidence: hostNote ? 'high' : 'medium',
    fix: hostPath
      ? `Provide ${hostPath} on node ${node} as on the other nodes (or give the hostPath volume type DirectoryOrCreate if the directory may be created empty), or keep the ${daemon ? 'DaemonSet' : 'pods'} off nodes that lack it (a nodeSelector or affinity on a label of the nodes that have it).`
      : `Compare node ${node} with the nodes where the pods run (kubectl describe node ${node}: labels, OS image, kernel, runtime, disks), fix what differs, or cordon it.`,
    clues: hostPath ? [hostPath] : [],
  };
};
