import { describe, expect, it } from 'vitest';

import { OfflineEngine } from '../src/llm/offline/engine.js';
import { engineContext, fakeTools, running, said, type FakeCluster } from './helpers/offline-fakes.js';

/**
 * Principle: pods of one workload that name the same image tag but report different digests
 * (`imageID`) run different builds; when the failing pods all have one digest and the working
 * pods another, the tag was re-pushed. Rolling back pulls the same tag; pinning the digest works.
 */
const IMAGE = 'registry.example/team/billing:2.4.0';
const OLD = `sha256:${'a1'.repeat(32)}`;
const NEW = `sha256:${'7c'.repeat(32)}`;
const CRASH =
  'Error: Missing required setting BILLING_LEDGER_URL\n    at loadConfig (/app/src/config.js:12:11)\n';

function container(digest: string, ok: boolean) {
  return running('billing', {
    image: IMAGE,
    imageID: `registry.example/team/billing@${digest}`,
    ...(ok
      ? {}
      : {
          ready: false,
          state: 'waiting',
          reason: 'CrashLoopBackOff',
          restartCount: 9,
          lastTermination: { reason: 'Error', exitCode: 1 },
        }),
  });
}

function cluster(newDigestOnFailing = NEW, workflow = true): FakeCluster {
  const pod = (name: string, digest: string, ok: boolean, started: string) => ({
    name,
    ready: ok ? '1/1' : '0/1',
    restarts: ok ? 0 : 9,
    ownerKind: 'ReplicaSet',
    ownerName: 'billing-5f6d7c8b9',
    labels: { app: 'billing', 'pod-template-hash': '5f6d7c8b9' },
    startTime: started,
    containers: [container(digest, ok)],
  });
  return {
    workloads: {
      billing: {
        workload: { kind: 'Deployment', name: 'billing' },
        pods: [
          pod('billing-5f6d7c8b9-aaaaa', OLD, true, '2026-11-25T10:00:00Z'),
          pod('billing-5f6d7c8b9-bbbbb', newDigestOnFailing, false, '2026-12-01T08:00:00Z'),
          pod('billing-5f6d7c8b9-ccccc', newDigestOnFailing, false, '2026-12-01T08:01:00Z'),
        ],
      },
    },
    events: [],
    logs: {
      'billing-5f6d7c8b9-bbbbb': CRASH,
      'billing-5f6d7c8b9-bbbbb.previous': CRASH,
      'billing-5f6d7c8b9-ccccc': CRASH,
      'billing-5f6d7c8b9-ccccc.previous': CRASH,
      'billing-5f6d7c8b9-aaaaa': 'listening on :8080\n',
    },
    commits: workflow
      ? [
          {
            sha: 'f00d1234000000000000000000000000000000aa',
            message: 'ci: build and push on every merge',
            date: '2026-11-20T09:00:00Z',
            files: [
              {
                path: '.gitlab-ci.yml',
                patch:
                  '@@ -3,4 +3,4 @@\n build-image:\n   rules:\n-    - if: $CI_COMMIT_TAG\n+    - if: $CI_COMMIT_BRANCH == "main"\n   script:\n-    - docker push $IMAGE:$CI_COMMIT_TAG\n+    - docker push $IMAGE:$VERSION',
              },
            ],
          },
        ]
      : [],
  };
}

async function diagnose(c: FakeCluster) {
  const ctx = engineContext(fakeTools(c), { service: 'billing', now: '2026-12-01T12:00:00Z' });
  const findings = await new OfflineEngine().diagnose(ctx);
  return { findings, casebook: ctx.casebook };
}

describe('an image tag overwritten with another build', () => {
  it('names the tag and both digests, pins the working digest, and blames the pipeline that re-pushes it', async () => {
    const { findings, casebook } = await diagnose(cluster());
    expect(findings.status).toBe('diagnosed');
    const text = said(findings);
    expect(text).toContain('tag 2.4.0 was overwritten');
    expect(text).toContain('sha256:7c7c7c7c7c7c');
    expect(text).toContain('sha256:a1a1a1a1a1a1');
    expect(text).toContain('BILLING_LEDGER_URL');
    expect(findings.suggestedFix).toContain(
      `kubectl set image deployment/billing billing=registry.example/team/billing@${OLD} -n shop`,
    );
    expect(findings.suggestedFix).toMatch(/immutab/);
    expect(casebook.suspectFiles.map((f) => f.path)).toContain('.gitlab-ci.yml');
    expect(casebook.suspectCommits.map((c) => c.sha)).toContain('f00d1234000000000000000000000000000000aa');
    expect(text).toContain('docker push $IMAGE:$VERSION');
    expect(casebook.evidence[0]?.detail).toContain('two builds');
  });

  it('still names the overwritten tag when no pipeline in the repository publishes it', async () => {
    const { findings, casebook } = await diagnose(cluster(NEW, false));
    expect(said(findings)).toContain('tag 2.4.0 was overwritten');
    expect(casebook.suspectFiles.map((f) => f.path)).not.toContain('.gitlab-ci.yml');
  });

  it('says nothing of a tag when every pod runs the same digest', async () => {
    const { findings } = await diagnose(cluster(OLD));
    expect(findings.status).toBe('diagnosed');
    expect(said(findings)).not.toMatch(/overwritten|digest/);
    expect(said(findings)).toContain('BILLING_LEDGER_URL');
  });
});
