import { describe, expect, it } from 'vitest';

import { OfflineEngine } from '../src/llm/offline/engine.js';
import { engineContext, fakeTools, running, said, type FakeCluster } from './helpers/offline-fakes.js';

/**
 * Principle: "too many open files" (EMFILE) is the process's own leak of descriptors, whatever it
 * was dialling; the healthy callee is not the cause, and the change that opens a client per call is.
 */
describe('a process out of file descriptors', () => {
  const pod = 'enricher-5d6c7b8a9-k2m4n';
  const line =
    '2026-12-01T11:58:00Z ERROR lookup failed: Get "http://registry.fleet.svc.cluster.local/v1/x": dial tcp 10.2.0.9:80: socket: too many open files';
  const cluster: FakeCluster = {
    workloads: {
      enricher: {
        workload: { kind: 'Deployment', name: 'enricher' },
        pods: [{ name: pod, startTime: '2026-12-01T09:00:00Z', containers: [running('enricher')] }],
      },
      registry: {
        workload: { kind: 'Deployment', name: 'registry' },
        pods: [{ name: 'registry-7f8e9d-aaaaa', containers: [running('registry')] }],
      },
    },
    logs: {
      [pod]: `${line}\n`.repeat(6),
      'registry-7f8e9d-aaaaa': '2026-12-01T11:58:00Z INFO GET /v1/x 200\n',
    },
    services: { registry: { name: 'registry', namespace: 'shop', clusterIP: '10.2.0.9' } },
    commits: [
      {
        sha: 'f00df00df00df00df00df00df00df00df00df00d',
        message: 'registry: tune the client',
        date: '2026-11-30T15:00:00Z',
        files: [
          {
            path: 'internal/registry/client.go',
            patch:
              '@@ -20,3 +20,6 @@ func (c *Client) Lookup(ctx context.Context, id string) (*Item, error) {\n+\tclient := &http.Client{\n+\t\tTransport: &http.Transport{MaxIdleConnsPerHost: 64},\n+\t}\n-\tresp, err := c.HTTP.Do(req)\n+\tresp, err := client.Do(req)',
          },
        ],
      },
    ],
  };

  it('is diagnosed as a descriptor leak in the process, with the commit that creates a client per call', async () => {
    const ctx = engineContext(fakeTools(cluster), { service: 'enricher' });
    const findings = await new OfflineEngine().diagnose(ctx);
    expect(findings.status).toBe('diagnosed');
    expect(said(findings)).toContain('run out of file descriptors');
    expect(said(findings)).not.toMatch(/cannot reach registry/);
    expect(ctx.casebook.suspectCommits[0]?.sha).toBe('f00df00df00df00df00df00df00df00df00df00d');
    expect(ctx.casebook.suspectFiles[0]?.path).toBe('internal/registry/client.go');
  });
});
