import { describe, expect, it } from 'vitest';

import { OfflineEngine } from '../src/llm/offline/engine.js';
import { engineContext, fakeTools, said, type FakeCluster } from './helpers/offline-fakes.js';

/**
 * Principle: a pull the registry refuses for its credentials, when the pod's imagePullSecret is
 * renewed by a Job in the namespace, is traced to that Job's failures (and the permission change
 * behind them), not to the image or the release.
 */
const pod = 'planner-7c8d9e0f1-a1b2c';
const refresherPod = 'acr-token-renew-29411000-x9y8z';

function cluster(jobFailed: boolean): FakeCluster {
  return {
    workloads: {
      planner: {
        workload: { kind: 'Deployment', name: 'planner' },
        pods: [
          {
            name: pod,
            phase: 'Pending',
            ready: '0/1',
            containers: [
              {
                name: 'planner',
                image: 'contoso.azurecr.io/planner:2.1',
                state: 'waiting',
                reason: 'ImagePullBackOff',
                ready: false,
              },
            ],
          },
        ],
      },
      'acr-token-renew': {
        workload: { kind: 'CronJob', name: 'acr-token-renew' },
        pods: [
          {
            name: refresherPod,
            phase: 'Failed',
            ownerKind: 'Job',
            ownerName: 'acr-token-renew-29411000',
            containers: [{ name: 'renew', state: 'terminated', exitCode: 1, ready: false }],
          },
        ],
      },
    },
    events: [
      {
        type: 'Warning',
        reason: 'Failed',
        object: `Pod/${pod}`,
        count: 6,
        message:
          'Failed to pull image "contoso.azurecr.io/planner:2.1": failed to authorize: failed to fetch oauth token: unexpected status: 401 Unauthorized',
      },
    ],
    logs: {
      [refresherPod]:
        "ERROR: (AuthorizationFailed) The client 'renewer' does not have authorization to perform action 'Microsoft.ContainerRegistry/registries/listCredentials/action'\n",
    },
    objects: [
      {
        kind: 'Pod',
        metadata: { name: pod, namespace: 'shop' },
        spec: { imagePullSecrets: [{ name: 'acr-token' }], containers: [{ name: 'planner' }] },
      },
      {
        kind: 'Job',
        metadata: {
          name: 'acr-token-renew-29411000',
          namespace: 'shop',
          ownerReferences: [{ kind: 'CronJob', name: 'acr-token-renew' }],
        },
        status: jobFailed
          ? { failed: 1, conditions: [{ type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded' }] }
          : { succeeded: 1 },
      },
    ],
    commits: [
      {
        sha: 'a'.repeat(40),
        message: 'planner 2.1',
        date: '2026-11-30T15:00:00Z',
        files: [
          {
            path: 'deploy/planner.yaml',
            patch:
              '@@ -1 +1 @@\n-    image: contoso.azurecr.io/planner:2.0\n+    image: contoso.azurecr.io/planner:2.1',
          },
        ],
      },
      {
        sha: 'b'.repeat(40),
        message: 'tighten registry roles',
        date: '2026-11-30T09:00:00Z',
        files: [{ path: 'infra/roles/acr-token-renew.tf', patch: '' }],
      },
    ],
  };
}

describe('a pull secret whose renewing Job fails', () => {
  it('names the failing renewer, its error and the permission change, not the release', async () => {
    const ctx = engineContext(fakeTools(cluster(true)), { service: 'planner' });
    const f = await new OfflineEngine().diagnose(ctx);
    expect(f.status).toBe('diagnosed');
    expect(said(f)).toContain('imagePullSecret acr-token, which CronJob acr-token-renew renews');
    expect(said(f)).toContain('AuthorizationFailed');
    expect(ctx.casebook.suspectCommits[0]?.sha).toBe('b'.repeat(40));
    expect(f.suggestedFix).toContain('kubectl create job --from=cronjob/acr-token-renew');
  });

  it('says nothing of a renewer whose runs succeed', async () => {
    const ctx = engineContext(fakeTools(cluster(false)), { service: 'planner' });
    const f = await new OfflineEngine().diagnose(ctx);
    expect(said(f)).not.toContain('renews');
  });
});
