import { describe, expect, it } from 'vitest';

import { OfflineEngine } from '../src/llm/offline/engine.js';
import { engineContext, fakeTools, said, type FakeCluster } from './helpers/offline-fakes.js';

/**
 * Principle: a process that cannot decrypt its own encrypted configuration holds a key that no
 * longer matches the data; the commit that re-encrypted the file is the suspect, not the code that
 * first read it.
 */
describe('encrypted configuration the process cannot decrypt', () => {
  const pod = 'vendors-84f6d7c9b5-g5xnw';
  const cluster: FakeCluster = {
    workloads: {
      vendors: {
        workload: { kind: 'Deployment', name: 'vendors' },
        pods: [
          {
            name: pod,
            ready: '0/1',
            restarts: 5,
            containers: [
              {
                name: 'web',
                ready: false,
                state: 'waiting',
                reason: 'CrashLoopBackOff',
                restartCount: 5,
                lastTermination: { reason: 'Error', exitCode: 1 },
              },
            ],
          },
        ],
      },
    },
    logs: {
      [`${pod}.previous`]: [
        "/usr/local/bundle/gems/activesupport-7.2.2/lib/active_support/message_encryptor.rb:259:in `rescue in _decrypt': ActiveSupport::MessageEncryptor::InvalidMessage (ActiveSupport::MessageEncryptor::InvalidMessage)",
        "\tfrom /app/config/initializers/payments.rb:3:in `<main>'",
      ].join('\n'),
    },
    commits: [
      {
        sha: 'c0de000000000000000000000000000000000001',
        message: 'payments: tidy initializer',
        date: '2026-12-01T10:00:00Z',
        files: [
          { path: 'config/initializers/payments.rb', patch: '@@ -1 +1 @@\n-# payments\n+# payments client' },
        ],
      },
      {
        sha: 'c0de000000000000000000000000000000000002',
        message: 'Rotate production credentials',
        date: '2026-11-30T17:00:00Z',
        files: [
          { path: 'config/credentials/production.yml.enc', patch: '@@ -1 +1 @@\n-abc--def\n+ghi--jkl' },
        ],
      },
    ],
  };

  it('says the key no longer matches the data, and names the commit that re-encrypted the file', async () => {
    const ctx = engineContext(fakeTools(cluster), { service: 'vendors' });
    const findings = await new OfflineEngine().diagnose(ctx);
    expect(findings.status).toBe('diagnosed');
    expect(said(findings)).toContain('cannot decrypt its encrypted configuration');
    expect(ctx.casebook.suspectCommits[0]?.sha).toBe('c0de000000000000000000000000000000000002');
    expect(ctx.casebook.suspectFiles[0]?.path).toBe('config/credentials/production.yml.enc');
  });
});
