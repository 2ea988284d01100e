import { describe, expect, it } from 'vitest';

import { OfflineEngine } from '../src/llm/offline/engine.js';
import { engineContext, fakeTools, running, said, type FakeCluster } from './helpers/offline-fakes.js';

/**
 * Principle: a pod held in Init by an init container that is still running (a wait-for loop) is
 * explained by that container's log; a name it cannot resolve is a Service that does not exist.
 */
function cluster(log: string): FakeCluster {
  return {
    workloads: {
      wiki: {
        workload: { kind: 'Deployment', name: 'wiki' },
        pods: [
          {
            name: 'wiki-5d7b8c9f66-l4mzs',
            phase: 'Pending',
            ready: '0/1',
            containers: [
              running('wait-for-index', { init: true, ready: false }),
              running('wiki', { ready: false, state: 'waiting', reason: 'PodInitializing' }),
            ],
          },
        ],
      },
    },
    services: {
      'wiki-opensearch': {
        name: 'wiki-opensearch',
        clusterIP: '10.0.3.3',
        selector: { app: 'wiki-opensearch' },
      },
    },
    logs: { 'wiki-5d7b8c9f66-l4mzs.wait-for-index': log },
  };
}

async function diagnose(c: FakeCluster) {
  return new OfflineEngine().diagnose(engineContext(fakeTools(c), { service: 'wiki' }));
}

describe('an init container waiting for a Service', () => {
  it('reads the running init container and names the Service that does not exist (BusyBox nc)', async () => {
    const findings = await diagnose(
      cluster("nc: bad address 'wiki-search'\nwaiting for wiki-search:9200\n".repeat(5)),
    );
    expect(findings.status).toBe('diagnosed');
    expect(said(findings)).toContain('init container wait-for-index');
    expect(said(findings)).toContain('no Service wiki-search');
    expect(said(findings)).toContain('wiki-opensearch');
  });

  it('understands nslookup answers too', async () => {
    const findings = await diagnose(
      cluster("** server can't find index.shop.svc.cluster.local: NXDOMAIN\nwaiting for index\n".repeat(5)),
    );
    expect(said(findings)).toContain('no Service index');
  });
});
