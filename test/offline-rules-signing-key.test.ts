import { describe, expect, it } from 'vitest';

import { OfflineEngine } from '../src/llm/offline/engine.js';
import { engineContext, fakeTools, running, said, type FakeCluster } from './helpers/offline-fakes.js';

/**
 * Principle: tokens rejected because no trusted key matches their key id mean the service and the
 * identity provider disagree on the signing key (a rotation against a pinned key); the change that
 * pinned the key is the suspect.
 */
describe('tokens whose signing key the service does not hold', () => {
  const pod = 'claims-6c5d4e3f2-p9q8r';
  const line =
    "2026-12-01T11:58:00Z WARN Bearer was not authenticated. Failure message: IDX10503: Signature validation failed. The token's kid is: 'k-2026-12', but did not match any keys in TokenValidationParameters or Configuration.";
  const cluster: FakeCluster = {
    workloads: {
      claims: {
        workload: { kind: 'Deployment', name: 'claims' },
        pods: [{ name: pod, startTime: '2026-12-01T09:00:00Z', containers: [running('claims')] }],
      },
    },
    logs: { [pod]: `${line}\n`.repeat(5) },
    commits: [
      {
        sha: 'beefbeefbeefbeefbeefbeefbeefbeefbeefbeef',
        message: 'validate tokens locally',
        date: '2026-11-28T10:00:00Z',
        files: [
          {
            path: 'src/Claims/Program.cs',
            patch:
              '@@ -10,3 +10,4 @@\n-        options.Authority = cfg["Issuer"];\n+        options.TokenValidationParameters = new() {\n+            IssuerSigningKey = pinnedKey,\n+        };',
          },
        ],
      },
    ],
  };

  it('says the provider signs with a key the service does not trust, and names the commit that pinned one', async () => {
    const ctx = engineContext(fakeTools(cluster), { service: 'claims' });
    const findings = await new OfflineEngine().diagnose(ctx);
    expect(findings.status).toBe('diagnosed');
    expect(said(findings)).toContain('kid k-2026-12');
    expect(said(findings)).toMatch(/pinned, static public key/);
    expect(ctx.casebook.suspectCommits[0]?.sha).toBe('beefbeefbeefbeefbeefbeefbeefbeefbeefbeef');
    expect(ctx.casebook.suspectFiles[0]?.path).toBe('src/Claims/Program.cs');
  });
});
