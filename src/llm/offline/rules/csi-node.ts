import type { EngineContext } from '../../engine.js';
import { readObject, readObjects } from '../cluster-read.js';
import { noteGap } from '../gaps.js';
import { at, list, nameOf, str, type KubeObject } from '../k8s-object.js';
import {
  DAEMONSET_TOLERATIONS,
  formatTaint,
  labelsFit,
  placementTerms,
  untoleratedTaints,
} from '../node-fit.js';
import { quote } from '../quote.js';
import type { EventInfo } from '../tool-data.js';
import { times, type Rule } from './verdict.js';

/** What the kubelet and the attach/detach controller say when a CSI driver is not registered on a node. */
const NOT_REGISTERED = [
  /driver name (?<driver>[\w.-]+) not found in the list of registered CSI drivers/i,
  /CSINode (?<node>[\w.-]+) does not contain driver (?<driver>[\w.-]+)/i,
  /node "(?<node>[\w.-]+)" has no NodeID annotation/i,
];

interface Unregistered {
  event: EventInfo;
  driver?: string;
  node?: string;
}

function unregistered(events: EventInfo[]): Unregistered | null {
  for (const event of events) {
    if (!/^(FailedAttachVolume|FailedMount)$/.test(event.reason ?? '')) continue;
    for (const pattern of NOT_REGISTERED) {
      const groups = event.message?.match(pattern)?.groups;
      if (groups) return { event, driver: groups.driver, node: groups.node };
    }
  }
  return null;
}

const driversOf = (csiNode: unknown): string[] =>
  list(at(csiNode, 'spec', 'drivers'))
    .map((d) => str(d.name))
    .filter((d): d is string => Boolean(d));

/** The CSI driver of the volume the message names, or of the pod's claims. */
async function volumeDriver(ctx: EngineContext, message: string): Promise<string | undefined> {
  const volume = message.match(/for volume "([^"]+)"/)?.[1];
  if (!volume) return undefined;
  const pv = await readObject(ctx, 'PersistentVolume', volume, undefined, true);
  return str(at(pv, 'spec', 'csi', 'driver'));
}

/** A DaemonSet whose pod template runs this driver's node plugin: the driver named in args, env or host paths. */
async function nodePlugin(
  ctx: EngineContext,
  driver: string,
): Promise<{ daemonSet?: KubeObject; namespace?: string; unread: boolean }> {
  const inScope = ctx.settings.namespaces;
  for (const namespace of inScope) {
    const found = (await readObjects(ctx, 'DaemonSet', { namespace })) ?? [];
    const daemonSet = found.find((d) =>
      JSON.stringify(at(d, 'spec', 'template', 'spec') ?? {}).includes(driver),
    );
    if (daemonSet) return { daemonSet, namespace, unread: false };
  }
  // CSI node plugins live in kube-system (or their own namespace) by convention.
  return { unread: !inScope.includes('kube-system') };
}

/**
 * A volume that cannot attach or mount because its CSI driver is not registered on the pod's node:
 * the driver's node plugin (a DaemonSet) has no pod there. The node's CSINode shows the driver
 * missing; the DaemonSet's tolerations and placement, against the node's taints and labels, show why.
 */
export const csiNodeRule: Rule = async (ctx, facts) => {
  const found = unregistered(facts.related.filter((e) => e.type === 'Warning'));
  if (!found) return null;
  const { event } = found;
  const pod = facts.listing.pods.find((p) => p.name === event.object?.split('/').at(-1));
  const nodeName = found.node ?? pod?.node;
  const driver = found.driver ?? (await volumeDriver(ctx, event.message ?? ''));
  if (!nodeName || !driver) return null;
  const node = await readObject(ctx, 'Node', nodeName, undefined, true);
  const csiNodes = (await readObjects(ctx, 'CSINode', { clusterScoped: true })) ?? [];
  const own = csiNodes.find((c) => nameOf(c) === nodeName);
  // A driver the node's CSINode does list is registered now: the event is history, not this fault.
  if (!node || driversOf(own).includes(driver)) return null;
  const registered = csiNodes.filter((c) => driversOf(c).includes(driver)).map(nameOf);
  const taints = list(at(node, 'spec', 'taints'));
  const plugin = await nodePlugin(ctx, driver);
  const spec = at(plugin.daemonSet, 'spec', 'template', 'spec');
  const untolerated = plugin.daemonSet
    ? untoleratedTaints([...list(at(spec, 'tolerations')), ...DAEMONSET_TOLERATIONS], node).map(formatTaint)
    : [];
  const offLabels = plugin.daemonSet && !labelsFit(spec, node) ? placementTerms(spec) : [];
  // Without the DaemonSet, the node's own taints that the nodes running the driver lack are the lead.
  const others = new Set(
    ((await readObjects(ctx, 'Node', { clusterScoped: true })) ?? [])
      .filter((n) => registered.includes(nameOf(n)))
      .flatMap((n) => list(at(n, 'spec', 'taints')).map(formatTaint)),
  );
  const unusual = plugin.daemonSet
    ? []
    : taints
        .filter((t) => /^No(Schedule|Execute)$/.test(str(t.effect) ?? ''))
        .map(formatTaint)
        .filter((t) => !others.has(t));
  if (plugin.unread)
    noteGap(
      ctx,
      `the DaemonSet that runs ${driver}'s node plugin`,
      `namespace kube-system is outside the run's scope`,
    );
  const dsName = plugin.daemonSet
    ? `DaemonSet ${plugin.namespace}/${nameOf(plugin.daemonSet)}`
    : `the ${driver} node DaemonSet`;
  const why = untolerated.length
    ? `${dsName} does not tolerate the node's taint ${untolerated.join(', ')}`
    : offLabels.length
      ? `${dsName}'s node placement (${offLabels.join(', ')}) does not match the node's labels`
      : unusual.length
        ? `the node carries the taint ${unusual.join(', ')}, which none of the nodes where the driver runs has: ${dsName} most likely does not tolerate it`
        : `${dsName} has no running pod there`;
  ctx.casebook.evidence.push(
    {
      source: 'kubernetes',
      detail: `${event.reason}: ${quote(event.message ?? '', 260)} (${times(event.count ?? 1)})`,
      ref: event.object,
    },
    {
      source: 'kubernetes',
      detail: `CSINode ${nodeName} lists ${driversOf(own).join(', ') || 'no drivers'}; ${driver} is registered on ${registered.length} of ${csiNodes.length} node(s)`,
      ref: `csinode/${nodeName}`,
    },
    {
      source: 'kubernetes',
      detail: `node ${nodeName} taints: ${taints.map(formatTaint).join(', ') || 'none'}${
        plugin.daemonSet
          ? `; ${dsName} tolerates ${
              list(at(spec, 'tolerations'))
                .map((t) => `${str(t.key) ?? '*'}${str(t.effect) ? `:${str(t.effect)}` : ''}`)
                .join(', ') || 'nothing'
            }`
          : ''
      }`,
      ref: `node/${nodeName}`,
    },
  );
  const taintFix = [...untolerated, ...unusual];
  return {
    status: 'diagnosed',
    summary: `${pod?.name ?? facts.service} cannot ${event.reason === 'FailedAttachVolume' ? 'attach' : 'mount'} its volume: the CSI driver ${driver} is not registered on node ${nodeName} — ${why}.`,
    statement: `${event.reason}: "${quote(event.message ?? '', 200)}". The CSI driver ${driver} is not registered on node ${nodeName} (its CSINode does not contain the driver; ${registered.length} of ${csiNodes.length} nodes have it), because the driver's node plugin does not run there: ${why}. Until a node plugin pod runs on that node, no volume of ${driver} can attach or mount there.`,
    confidence: untolerated.length || offLabels.length ? 'high' : 'medium',
    fix: taintFix.length
      ? `Add a toleration for ${taintFix.join(', ')} to ${dsName} (its Helm values: node tolerations, or tolerateAllTaints), so the node plugin runs on every node that may get volumes; the pod attaches on the next retry. Or keep the pod off that node until then.`
      : offLabels.length
        ? `Widen ${dsName}'s nodeSelector/affinity (${offLabels.join(', ')}) to include node ${nodeName}, so the node plugin runs wherever volumes may attach.`
        : `Get ${dsName}'s pod running on node ${nodeName} (look at why it is missing or failing there); the pod attaches on the next retry.`,
    clues: taintFix.flatMap((t) => t.split(/[=:]/)).filter((c) => c.length >= 4),
  };
};
