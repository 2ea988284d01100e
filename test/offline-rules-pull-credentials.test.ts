import { describe, expect, it } from 'vitest';

import { OfflineEngine } from '../src/llm/offline/engine.js';
import { engineContext, fakeTools, running, said, type FakeCluster } from './helpers/offline-fakes.js';

/**
 * Principle: a pull the registry refuses for its credentials (401, "failed to authorize") is a
 * credential fault, named by the imagePullSecret the pod pulls with (its own, else its
 * ServiceAccount's) or by the secret the kubelet could not find; a name that does not exist is
 * still the image's fault.
 */
const POD = 'relay-6c7d8f9b5-q2w4x';

function cluster(options: { message: string; podSecret?: boolean; missingEvent?: boolean }): FakeCluster {
  return {
    workloads: {
      relay: {
        workload: { kind: 'DaemonSet', name: 'relay' },
        pods: [
          {
            name: POD,
            phase: 'Pending',
            ready: '0/1',
            node: 'node-new',
            containers: [
              {
                name: 'relay',
                image: 'registry.corp.example:5000/net/relay:0.4.1',
                state: 'waiting',
                reason: 'ImagePullBackOff',
                ready: false,
              },
            ],
          },
          { name: 'relay-x7k2p', node: 'node-old', containers: [running('relay')] },
        ],
      },
    },
    events: [
      { type: 'Warning', reason: 'Failed', object: `Pod/${POD}`, count: 5, message: options.message },
      ...(options.missingEvent
        ? [
            {
              type: 'Warning',
              reason: 'FailedToRetrieveImagePullSecret',
              object: `Pod/${POD}`,
              message:
                'Unable to retrieve some image pull secrets (corp-pull); attempting to pull the image may not succeed.',
            },
          ]
        : []),
    ],
    logs: {},
    objects: [
      {
        kind: 'Pod',
        metadata: { name: POD, namespace: 'shop' },
        spec: {
          serviceAccountName: 'relay',
          ...(options.podSecret === false ? {} : { imagePullSecrets: [{ name: 'corp-pull' }] }),
        },
      },
      {
        kind: 'ServiceAccount',
        metadata: { name: 'relay', namespace: 'shop' },
        imagePullSecrets: [{ name: 'corp-robot' }],
      },
    ],
  };
}

const UNAUTHORIZED =
  'Failed to pull image "registry.corp.example:5000/net/relay:0.4.1": failed to pull and unpack image: failed to resolve reference: failed to authorize: failed to fetch oauth token: unexpected status from GET request to https://registry.corp.example:5000/service/token: 401 Unauthorized';

async function diagnose(c: FakeCluster) {
  return new OfflineEngine().diagnose(engineContext(fakeTools(c), { service: 'relay' }));
}

describe('a pull refused for its credentials', () => {
  it("names the pod's imagePullSecret and the registry that turns it away", async () => {
    const f = await diagnose(cluster({ message: UNAUTHORIZED }));
    expect(f.status).toBe('diagnosed');
    expect(said(f)).toContain('registry.corp.example:5000 refuses the pull credentials');
    expect(said(f)).toContain('imagePullSecret corp-pull');
    expect(said(f)).toContain('1 pod(s) still run');
    expect(f.suggestedFix).toContain('update imagePullSecret corp-pull');
  });

  it("falls back to the ServiceAccount's secret", async () => {
    const f = await diagnose(cluster({ message: UNAUTHORIZED, podSecret: false }));
    expect(said(f)).toContain('imagePullSecret corp-robot (from ServiceAccount relay)');
  });

  it('says the secret is missing when the kubelet could not find it', async () => {
    const f = await diagnose(cluster({ message: UNAUTHORIZED, missingEvent: true }));
    expect(said(f)).toContain('imagePullSecret corp-pull does not exist');
  });

  it('keeps a name that does not exist on the image, not the credentials', async () => {
    const f = await diagnose(
      cluster({
        message:
          'Failed to pull image "registry.corp.example:5000/net/relay:0.4.1": rpc error: code = NotFound desc = failed to pull and unpack image: pull access denied, repository does not exist or may require authorization: manifest unknown',
      }),
    );
    expect(f.status).toBe('diagnosed');
    expect(said(f)).not.toContain('refuses the pull credentials');
    expect(said(f)).toContain('cannot be pulled');
  });
});
