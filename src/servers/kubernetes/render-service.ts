import type { GetServiceOutput } from './get-service.js';
import type { EndpointAddress } from './service-endpoints.js';

/** Addresses listed of each kind; a big Service's endpoints are counted, not all named. */
const maxAddresses = 20;

/** `get_service` as lines a model reads: the Service, its ports, its endpoints, then what they mean. */
export function renderService(output: GetServiceOutput, asked: string): string {
  const renamed = output.name === asked ? '' : ` (asked '${asked}')`;
  const where =
    output.type === 'ExternalName'
      ? ` → ${output.externalName ?? ''}`
      : output.clusterIP
        ? ` ${output.clusterIP}`
        : '';
  const selector = output.selector
    ? Object.entries(output.selector)
        .map(([k, v]) => `${k}=${v}`)
        .join(',')
    : '(none)';
  const address = (kind: string) => (a: EndpointAddress) =>
    `  ${kind} ${a.ip}${a.pod ? ` → pod ${a.pod}` : ''}${a.node ? ` (node ${a.node})` : ''}`;
  const { endpoints, selectedPods } = output;
  return [
    `Service ${output.name} in namespace ${output.namespace}${renamed}: ${output.type}${where}, selector ${selector}`,
    `ports: ${
      output.ports
        .map(
          (p) =>
            `${p.name ? `${p.name} ` : ''}${p.port}→${p.targetPort}/${p.protocol}${p.nodePort ? ` nodePort ${p.nodePort}` : ''}`,
        )
        .join(', ') || '(none)'
    }`,
    ...(selectedPods
      ? [`pods matching the selector: ${selectedPods.total}, ${selectedPods.ready} Ready`]
      : []),
    `endpoints: ${endpoints.ready.length} ready, ${endpoints.notReady.length} not ready` +
      (endpoints.ports.length > 0 ? ` (ports ${endpoints.ports.join(', ')})` : ''),
    ...capped(endpoints.ready.map(address('ready'))),
    ...capped(endpoints.notReady.map(address('not ready'))),
    ...output.findings,
  ].join('\n');
}

function capped(lines: string[]): string[] {
  return lines.length > maxAddresses
    ? [...lines.slice(0, maxAddresses), `  … ${lines.length - maxAddresses} more`]
    : lines;
}
