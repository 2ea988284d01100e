import { describe, expect, it } from 'vitest';

import { OfflineEngine } from '../src/llm/offline/engine.js';
import { engineContext, fakeTools, running, said, type FakeCluster } from './helpers/offline-fakes.js';

/**
 * Principle: the kubelet evicting a pod that passed its own ephemeral-storage limit ("Pod
 * ephemeral local storage usage exceeds the total limit of containers", "Container … exceeded its
 * local ephemeral storage limit") is the pod's own disk use, not node disk pressure; a recent
 * commit that removed the deletion of scratch files is the change to name.
 */
function cluster(message: string, patch: string): FakeCluster {
  return {
    workloads: {
      exporter: {
        workload: { kind: 'Deployment', name: 'exporter' },
        pods: [
          {
            name: 'exporter-5d7f9b8c6-old01',
            phase: 'Failed',
            reason: 'Evicted',
            message,
            containers: [{ name: 'exporter', state: 'terminated', ready: false, restartCount: 0 }],
          },
          { name: 'exporter-5d7f9b8c6-new02', containers: [running('exporter')] },
        ],
      },
    },
    events: [
      {
        type: 'Warning',
        reason: 'Evicted',
        object: 'Pod/exporter-5d7f9b8c6-old01',
        message,
        count: 1,
        lastTimestamp: '2026-12-01T11:40:00Z',
      },
    ],
    logs: { 'exporter-5d7f9b8c6-new02': '2026-12-01T11:50:00Z INFO export written\n' },
    commits: [
      {
        sha: 'c1ea0c1ea0c1ea0c1ea0c1ea0c1ea0c1ea0c1ea0',
        message: 'export: keep intermediate files for debugging',
        date: '2026-12-01T07:00:00Z',
        files: [{ path: 'exporter/export.py', patch }],
      },
    ],
  };
}

const DROPPED = [
  '@@ -30,6 +30,5 @@ def export(batch):',
  '     tmp = tempfile.mkdtemp(prefix="export-")',
  '     write_parts(batch, tmp)',
  '     upload(tmp)',
  '-    shutil.rmtree(tmp)',
].join('\n');

const UNRELATED = [
  '@@ -10,3 +10,3 @@ def export(batch):',
  '-    log.info("exporting %s", batch.id)',
  '+    log.info("exporting batch %s", batch.id)',
].join('\n');

async function diagnose(c: FakeCluster) {
  const ctx = engineContext(fakeTools(c), { service: 'exporter' });
  return { findings: await new OfflineEngine().diagnose(ctx), ctx };
}

describe('an eviction for the pod’s own ephemeral storage', () => {
  it('is the pod’s own limit, and names the commit that stopped deleting temp files', async () => {
    const { findings, ctx } = await diagnose(
      cluster('Pod ephemeral local storage usage exceeds the total limit of containers 1Gi. ', DROPPED),
    );
    expect(findings.status).toBe('diagnosed');
    const text = said(findings);
    expect(text).toMatch(/not node disk pressure/);
    expect(text).not.toMatch(/node ran low on disk/);
    expect(text).toContain('shutil.rmtree(tmp)');
    expect(ctx.casebook.suspectCommits.map((c) => c.sha.slice(0, 7))).toEqual(['c1ea0c1']);
    expect(ctx.casebook.suspectFiles.map((f) => f.path)).toContain('exporter/export.py');
  });

  it('reads the container-level message the same way and names no commit that kept the cleanup', async () => {
    const { findings, ctx } = await diagnose(
      cluster('Container exporter exceeded its local ephemeral storage limit "512Mi". ', UNRELATED),
    );
    expect(said(findings)).toMatch(/ephemeral-storage limit allows — not node disk pressure/);
    expect(said(findings)).not.toMatch(/no longer cleaned up/);
    expect(ctx.casebook.suspectCommits.map((c) => c.sha.slice(0, 7))).not.toContain('c1ea0c1');
  });
});
