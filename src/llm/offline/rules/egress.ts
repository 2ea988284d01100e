import type { EngineContext } from '../../engine.js';
import { readObjects } from '../cluster-read.js';
import type { ServiceFacts } from '../facts.js';
import { rankBlocking, trafficAllowed } from '../network-policy.js';
import { quote } from '../quote.js';
import type { CallTarget } from '../targets.js';
import { times, type Verdict } from './verdict.js';

const IP = /^\d+\.\d+\.\d+\.\d+$/;

/**
 * A call to an address outside the cluster (an IP no Service or pod owns, a cloud database's
 * name) that the caller's own egress NetworkPolicies do not allow: policies that select its pods
 * with Egress in policyTypes, and no rule whose ipBlock and ports admit that address. The policy
 * that should carry the traffic is named first; the change that wrote it is the suspect.
 */
export async function egressBlock(
  ctx: EngineContext,
  facts: ServiceFacts,
  target: CallTarget,
): Promise<Verdict | null> {
  const source = facts.listing.pods[0];
  // A name that does not resolve never got as far as the network.
  if (!source || target.failure === 'dns-missing' || target.failure === 'dns-timeout') return null;
  const ip = IP.test(target.host) ? target.host : undefined;
  const port = Number(target.port ?? 0);
  // Without an address or a port there is nothing a policy can be checked against.
  if (!ip && !port) return null;
  const policies = await readObjects(ctx, 'NetworkPolicy', { namespace: facts.namespace });
  if (!policies?.length) return null;
  const { egress } = trafficAllowed(
    policies,
    { labels: source.labels, namespace: facts.namespace },
    { labels: {}, namespace: '', external: true, ...(ip ? { ip } : { unknownAddress: true }) },
    { ...(port ? { port } : {}), protocol: 'TCP' },
  );
  if (egress.allowed) return null;
  const names = rankBlocking(policies, egress.isolating, ip, port);
  const culprit = names[0] as string;
  const address = `${target.host}${target.port ? `:${target.port}` : ''}`;
  const others =
    names.length > 1 ? ` (other egress policies selecting these pods: ${names.slice(1).join(', ')})` : '';
  ctx.casebook.evidence.unshift(
    {
      source: 'logs',
      detail: `${facts.service} cannot reach ${address}: ${quote(target.line, 260)} (${times(target.count)})`,
      ref: `pod/${target.pod}`,
    },
    {
      source: 'kubernetes',
      detail: `NetworkPolicy ${culprit} selects ${facts.service}'s pods with Egress in policyTypes, and no egress rule of ${names.join(', ')} allows ${address}${ip ? '' : ` (port ${port})`}`,
      ref: `networkpolicy/${culprit}`,
    },
  );
  return {
    status: 'diagnosed',
    summary: `${facts.service} cannot reach ${address}: NetworkPolicy ${culprit} blocks its egress there.`,
    statement: `NetworkPolicy ${culprit} blocks ${facts.service}'s egress to ${address}: it selects the pods with Egress in policyTypes and no egress rule allows ${ip ? `that address and port` : `port ${port}`}${others}. The calls fail ("${quote(target.line, 200)}").`,
    confidence: 'high',
    fix: `Add an egress rule to NetworkPolicy ${culprit} that allows ${ip ? `an ipBlock covering ${ip}` : `the destination`}${port ? ` on port ${port}` : ''} (or revert the change that narrowed it).`,
    clues: [culprit],
    objects: [{ kind: 'NetworkPolicy', name: culprit }],
  };
}
