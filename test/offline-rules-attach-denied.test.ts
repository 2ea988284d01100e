import { describe, expect, it } from 'vitest';

import { OfflineEngine } from '../src/llm/offline/engine.js';
import { engineContext, fakeTools, said, type FakeCluster } from './helpers/offline-fakes.js';

/**
 * Principle: a volume the cloud refuses to attach because the storage driver's identity lacks the
 * permission is a permission fault, and the recent change to the driver's policy is its cause.
 */
const pod = 'archive-7b8c9d0e1-p2q3r';

function cluster(policyFile: string): FakeCluster {
  return {
    workloads: {
      archive: {
        workload: { kind: 'Deployment', name: 'archive' },
        pods: [
          {
            name: pod,
            phase: 'Pending',
            ready: '0/1',
            containers: [{ name: 'archive', state: 'waiting', reason: 'ContainerCreating', ready: false }],
          },
        ],
      },
    },
    events: [
      {
        type: 'Warning',
        reason: 'FailedAttachVolume',
        object: `Pod/${pod}`,
        count: 12,
        message:
          'AttachVolume.Attach failed for volume "pvc-1234" : rpc error: code = Internal desc = Could not attach volume "projects/p/zones/z/disks/pvc-1234" to node "n1": googleapi: Error 403: Required \'compute.instances.attachDisk\' permission for \'projects/p/zones/z/instances/n1\', forbidden',
      },
    ],
    logs: {},
    commits: [
      {
        sha: 'c'.repeat(40),
        message: 'app: thumbnails',
        date: '2026-11-30T15:00:00Z',
        files: [{ path: 'app/thumbs.py', patch: '@@ -1 +1 @@\n-a\n+b' }],
      },
      {
        sha: 'd'.repeat(40),
        message: 'least privilege for the PD CSI driver',
        date: '2026-11-30T10:00:00Z',
        files: [{ path: policyFile, patch: '' }],
      },
    ],
  };
}

describe('a volume attach the cloud refuses', () => {
  it('calls it a permission fault of the storage driver and names the policy change', async () => {
    const ctx = engineContext(fakeTools(cluster('terraform/iam/pd-csi-driver.tf')), { service: 'archive' });
    const f = await new OfflineEngine().diagnose(ctx);
    expect(f.status).toBe('diagnosed');
    expect(said(f)).toContain('the storage driver is not allowed to attach the volume');
    expect(ctx.casebook.suspectCommits[0]?.sha).toBe('d'.repeat(40));
    expect(ctx.casebook.suspectFiles[0]?.path).toBe('terraform/iam/pd-csi-driver.tf');
  });

  it('names no commit when no permission file changed', async () => {
    const ctx = engineContext(fakeTools(cluster('docs/storage.md')), { service: 'archive' });
    await new OfflineEngine().diagnose(ctx);
    expect(ctx.casebook.suspectCommits.map((c) => c.sha)).not.toContain('d'.repeat(40));
  });
});
