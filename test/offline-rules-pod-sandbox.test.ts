import { describe, expect, it } from 'vitest';

import { OfflineEngine } from '../src/llm/offline/engine.js';
import { engineContext, fakeTools, running, said, type FakeCluster } from './helpers/offline-fakes.js';

/**
 * Principle: pods stuck ContainerCreating on FailedCreatePodSandBox are a network-plugin fault: no
 * IP address left in the pool, or the plugin's daemon not running on the node.
 */
function cluster(message: string): FakeCluster {
  const pod = 'feeds-5f6e7d8c9-zz9yy';
  return {
    workloads: {
      feeds: {
        workload: { kind: 'Deployment', name: 'feeds' },
        pods: [
          { name: 'feeds-4a3b2c1d0-aaaaa', containers: [running('feeds')] },
          {
            name: pod,
            phase: 'Pending',
            ready: '0/1',
            node: 'worker-3',
            containers: [{ name: 'feeds', state: 'waiting', reason: 'ContainerCreating', ready: false }],
          },
        ],
      },
    },
    events: [{ type: 'Warning', reason: 'FailedCreatePodSandBox', object: `Pod/${pod}`, count: 40, message }],
    logs: { 'feeds-4a3b2c1d0-aaaaa': 'INFO ok\n' },
  };
}

describe('pods whose network sandbox cannot be created', () => {
  it('says the CNI has no IP address left (Calico IPAM)', async () => {
    const ctx = engineContext(
      fakeTools(
        cluster(
          'Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "0a1b2c": plugin type="calico" failed (add): error getting IP: failed to allocate for range 0: no IP addresses available in range set: 10.8.0.1-10.8.0.254',
        ),
      ),
      { service: 'feeds' },
    );
    const f = await new OfflineEngine().diagnose(ctx);
    expect(f.status).toBe('diagnosed');
    expect(said(f)).toContain('the calico CNI plugin has no IP address left to assign');
    expect(ctx.casebook.evidence[0]?.detail).toContain('plugin type="calico"');
  });

  it('says the plugin is not running on the node', async () => {
    const ctx = engineContext(
      fakeTools(
        cluster(
          'Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "9f8e": plugin type="cilium-cni" failed (add): unable to connect to Cilium daemon: dial unix /var/run/cilium/cilium.sock: connect: no such file or directory',
        ),
      ),
      { service: 'feeds' },
    );
    const f = await new OfflineEngine().diagnose(ctx);
    expect(said(f)).toContain('cilium-cni CNI plugin is not running there');
    expect(f.suggestedFix).toContain('worker-3');
  });
});
