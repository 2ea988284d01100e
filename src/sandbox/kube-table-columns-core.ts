import type { Loose, TablePrinter } from './kube-columns.js';
import { age, at, column, integer, list, name, printer, text, wide } from './kube-columns.js';

function servicePorts(o: Loose): string {
  const ports = list(at(o, 'spec', 'ports')).map((p) => {
    const node = typeof p.nodePort === 'number' ? `:${p.nodePort}` : '';
    return `${String(p.port)}${node}/${text(p.protocol, 'TCP')}`;
  });
  return ports.length ? ports.join(',') : '<none>';
}
function externalIp(o: Loose): string {
  const ingress = list(at(o, 'status', 'loadBalancer', 'ingress')).map((i) => text(i.ip ?? i.hostname, ''));
  const external = list(at(o, 'spec', 'externalIPs')).map((ip) => String(ip));
  const all = [...ingress, ...external].filter((ip) => ip !== '');
  if (all.length) return all.join(',');
  return at(o, 'spec', 'type') === 'LoadBalancer' ? '<pending>' : '<none>';
}
const servicePrinter = printer([
  name,
  column('Type', (o) => text(at(o, 'spec', 'type'), 'ClusterIP')),
  column('Cluster-IP', (o) => text(at(o, 'spec', 'clusterIP'))),
  column('External-IP', externalIp),
  column('Port(s)', servicePorts),
  age,
  column(
    'Selector',
    (o) => {
      const pairs = Object.entries((at(o, 'spec', 'selector') ?? {}) as Loose);
      return pairs.length ? pairs.map(([k, v]) => `${k}=${String(v)}`).join(',') : '<none>';
    },
    wide,
  ),
]);

function nodeAddress(o: Loose, type: string): string {
  return text(list(at(o, 'status', 'addresses')).find((a) => a.type === type)?.address);
}
const nodePrinter = printer([
  name,
  column('Status', (o) => {
    const ready = list(at(o, 'status', 'conditions')).find((c) => c.type === 'Ready');
    const status = ready?.status === 'True' ? 'Ready' : ready ? 'NotReady' : 'Unknown';
    return at(o, 'spec', 'unschedulable') === true ? `${status},SchedulingDisabled` : status;
  }),
  column('Roles', (o) => {
    const labels = (at(o, 'metadata', 'labels') ?? {}) as Loose;
    const roles = Object.keys(labels)
      .filter((k) => k.startsWith('node-role.kubernetes.io/'))
      .map((k) => k.split('/')[1]);
    return roles.length ? roles.sort().join(',') : '<none>';
  }),
  age,
  column('Version', (o) => text(at(o, 'status', 'nodeInfo', 'kubeletVersion'), '')),
  column('Internal-IP', (o) => nodeAddress(o, 'InternalIP'), wide),
  column('External-IP', (o) => nodeAddress(o, 'ExternalIP'), wide),
  column('OS-Image', (o) => text(at(o, 'status', 'nodeInfo', 'osImage'), '<unknown>'), wide),
  column('Kernel-Version', (o) => text(at(o, 'status', 'nodeInfo', 'kernelVersion'), '<unknown>'), wide),
  column(
    'Container-Runtime',
    (o) => text(at(o, 'status', 'nodeInfo', 'containerRuntimeVersion'), '<unknown>'),
    wide,
  ),
]);

/** Printers of the core kinds that are not workloads, keyed `group/plural`. */
export const corePrinters: Record<string, TablePrinter> = {
  '/services': servicePrinter,
  '/nodes': nodePrinter,
  '/namespaces': printer([name, column('Status', (o) => text(at(o, 'status', 'phase'), 'Active')), age]),
  '/configmaps': printer([
    name,
    column(
      'Data',
      (o) => Object.keys((o.data ?? {}) as Loose).length + Object.keys((o.binaryData ?? {}) as Loose).length,
      integer,
    ),
    age,
  ]),
  '/endpoints': printer([
    name,
    column('Endpoints', (o) => {
      const pairs = list(o.subsets).flatMap((s) =>
        list(s.addresses).flatMap((a) => list(s.ports).map((p) => `${String(a.ip)}:${String(p.port)}`)),
      );
      return pairs.length ? pairs.join(',') : '<none>';
    }),
    age,
  ]),
};
