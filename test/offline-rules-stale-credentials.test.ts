import { describe, expect, it } from 'vitest';

import { OfflineEngine } from '../src/llm/offline/engine.js';
import { engineContext, fakeTools, running, said, type FakeCluster } from './helpers/offline-fakes.js';

/**
 * Principle: env from a Secret is read once at container start; a rejected login after the Secret
 * changed (a rotation) means the pods still hold the old value and need a restart.
 */
function cluster(events: Record<string, unknown>[]): FakeCluster {
  return {
    workloads: {
      exporter: {
        workload: { kind: 'Deployment', name: 'exporter' },
        pods: [
          {
            name: 'exporter-6c8d7f9b5-q1w2e',
            startTime: '2026-11-20T08:00:00Z',
            containers: [running('exporter')],
          },
        ],
      },
    },
    events,
    logs: {
      'exporter-6c8d7f9b5-q1w2e': [
        "2026-12-01T11:50:00Z ERROR export failed: Error 1045 (28000): Access denied for user 'exporter'@'10.1.4.7' (using password: YES)",
        "2026-12-01T11:55:00Z ERROR export failed: Error 1045 (28000): Access denied for user 'exporter'@'10.1.4.7' (using password: YES)",
        "2026-12-01T11:59:00Z ERROR export failed: Error 1045 (28000): Access denied for user 'exporter'@'10.1.4.7' (using password: YES)",
      ].join('\n'),
    },
    objects: [
      {
        kind: 'Pod',
        metadata: { name: 'exporter-6c8d7f9b5-q1w2e', namespace: 'shop' },
        spec: {
          containers: [
            {
              name: 'exporter',
              env: [
                { name: 'DB_USER', value: 'exporter' },
                {
                  name: 'DB_PASSWORD',
                  valueFrom: { secretKeyRef: { name: 'exporter-db', key: 'password' } },
                },
              ],
            },
          ],
        },
      },
    ],
  };
}

async function diagnose(c: FakeCluster) {
  return new OfflineEngine().diagnose(engineContext(fakeTools(c), { service: 'exporter' }));
}

describe('a rejected login with a credential from a Secret', () => {
  it('is a stale credential when the Secret changed after the pods started', async () => {
    const findings = await diagnose(
      cluster([
        {
          type: 'Normal',
          reason: 'Unsealed',
          object: 'SealedSecret/exporter-db',
          message: 'SealedSecret unsealed successfully',
          lastTimestamp: '2026-12-01T10:40:00Z',
        },
      ]),
    );
    expect(findings.status).toBe('diagnosed');
    expect(said(findings)).toContain('Access denied');
    expect(said(findings)).toContain('env DB_PASSWORD from Secret exporter-db');
    expect(said(findings)).toContain('not restarted');
    expect(findings.suggestedFix).toContain('kubectl rollout restart deployment/exporter');
  });

  it('says the credential does not match, without claiming a rotation, when nothing changed', async () => {
    const findings = await diagnose(cluster([]));
    expect(said(findings)).toContain('Secret exporter-db');
    expect(said(findings)).not.toContain('rotated at');
  });
});
