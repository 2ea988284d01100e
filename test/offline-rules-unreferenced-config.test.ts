import { describe, expect, it } from 'vitest';

import { OfflineEngine } from '../src/llm/offline/engine.js';
import { engineContext, fakeTools, said, type FakeCluster } from './helpers/offline-fakes.js';

/**
 * Principle: a start-up crash on settings that are missing, when a ConfigMap of the namespace
 * holds those keys but the pod does not take its environment from it, is a reference the
 * workload lacks (the keys moved), not a code fault; the change that moved them is the commit.
 */
const POD = 'pricer-6d8f9b7c45-246dp';
const LOG = [
  'Traceback (most recent call last):',
  '  File "/app/pricer/settings.py", line 38, in <module>',
  '    settings = Settings()',
  'pydantic_core._pydantic_core.ValidationError: 2 validation errors for Settings',
  'quote_engine_url',
  "  Field required [type=missing, input_value={'app_env': 'production'}, input_type=dict]",
  '    For further information visit https://errors.pydantic.dev/2.9/v/missing',
  'geo_lookup_url',
  "  Field required [type=missing, input_value={'app_env': 'production'}, input_type=dict]",
  '',
].join('\n');

function cluster(keysIn: string): FakeCluster {
  return {
    workloads: {
      pricer: {
        workload: { kind: 'Deployment', name: 'pricer' },
        pods: [
          {
            name: POD,
            ready: '0/1',
            restarts: 6,
            containers: [
              {
                name: 'api',
                ready: false,
                restartCount: 6,
                state: 'waiting',
                reason: 'CrashLoopBackOff',
                lastTermination: { reason: 'Error', exitCode: 1 },
              },
            ],
          },
        ],
      },
    },
    logs: { [POD]: LOG, [`${POD}.previous`]: LOG },
    objects: [
      {
        kind: 'Pod',
        metadata: { name: POD, namespace: 'shop' },
        spec: { containers: [{ name: 'api', envFrom: [{ configMapRef: { name: 'pricer-config' } }] }] },
      },
      {
        kind: 'ConfigMap',
        metadata: { name: 'pricer-config', namespace: 'shop' },
        data: { APP_ENV: 'production' },
      },
      {
        kind: 'ConfigMap',
        metadata: { name: keysIn, namespace: 'shop' },
        data: { QUOTE_ENGINE_URL: 'http://quote-engine:8080', GEO_LOOKUP_URL: 'http://geo:8080' },
      },
    ],
    repo: { 'deploy/pricer/configmap.yaml': 'kind: ConfigMap\nmetadata:\n  name: pricer-endpoints\n' },
    commits: [
      {
        sha: '9a0e6d3f00000000000000000000000000000000',
        message: 'config: move service endpoints into their own ConfigMap',
        date: '2026-12-01T11:40:00Z',
        files: [
          {
            path: 'deploy/pricer/configmap.yaml',
            patch: '+  name: pricer-endpoints\n+  QUOTE_ENGINE_URL: http://quote-engine:8080\n',
          },
        ],
      },
    ],
  };
}

describe('settings held by a ConfigMap the pod does not reference', () => {
  it('names the keys, the ConfigMap that holds them, the one the pod reads and the commit', async () => {
    const ctx = engineContext(fakeTools(cluster('pricer-endpoints')), { service: 'pricer' });
    const f = await new OfflineEngine().diagnose(ctx);
    expect(f.status).toBe('diagnosed');
    expect(said(f)).toContain('QUOTE_ENGINE_URL, geo_lookup_url is missing');
    expect(said(f)).toContain(
      'QUOTE_ENGINE_URL is in ConfigMap pricer-endpoints, which the pod does not reference (it takes its environment from pricer-config)',
    );
    expect(f.suggestedFix).toContain('configMapRef: {name: pricer-endpoints}');
    expect(ctx.casebook.suspectCommits.map((c) => c.sha.slice(0, 7))).toContain('9a0e6d3');
  });

  it('says only that the settings are missing when the ConfigMap that holds them is referenced', async () => {
    const f = await new OfflineEngine().diagnose(
      engineContext(fakeTools(cluster('pricer-config')), { service: 'pricer' }),
    );
    expect(said(f)).toContain('quote_engine_url, geo_lookup_url is missing');
    expect(said(f)).not.toContain('does not reference');
  });
});
