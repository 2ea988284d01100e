import { join } from 'node:path';
import { CoordinationV1Api, KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dedupeObjectName, failOpen } from '../src/dedupe/dedupe-store.js';
import { createKubernetesDedupeStore } from '../src/dedupe/kubernetes-store.js';
import { createMemoryDedupeStore } from '../src/dedupe/memory-store.js';
import { dedupeStoreFromEnv } from '../src/dedupe/store-from-env.js';
import { loadScenario } from '../src/sandbox/scenario.js';
import { startSandbox, type Sandbox } from '../src/sandbox/sandbox.js';
import { createLogger, silentLogger } from '../src/util/log.js';

const SCENARIO = join(import.meta.dirname, '..', 'scenarios', 'cart-service-loafers');

describe('memory dedupe store', () => {
  it('lets the first claim of a key win, refuses the rest, and forgets after its TTL', async () => {
    let clock = 1_000;
    const store = createMemoryDedupeStore({ ttlMs: 500, now: () => clock });
    expect(await store.isClaimed('a')).toBe(false);
    const claims = await Promise.all([store.claim('a'), store.claim('a'), store.claim('a')]);
    expect(claims.filter(Boolean)).toHaveLength(1);
    expect(await store.isClaimed('a')).toBe(true);
    expect(await store.claim('b')).toBe(true);
    clock += 501;
    expect(await store.isClaimed('a')).toBe(false);
    expect(await store.claim('a')).toBe(true);
  });
});

describe('giving a claim back', () => {
  it('memory: a released key can be claimed again', async () => {
    const store = createMemoryDedupeStore();
    expect(await store.claim('k')).toBe(true);
    await store.release('k');
    expect(await store.isClaimed('k')).toBe(false);
    expect(await store.claim('k')).toBe(true);
  });

  it('Kubernetes: deletes the Lease; one already gone is fine, any other failure is only a warning', async () => {
    const deleted: string[] = [];
    let fail: number | undefined;
    const api = {
      createNamespacedLease: () => Promise.resolve({}),
      readNamespacedLease: () => Promise.resolve({}),
      deleteNamespacedLease: ({ name }: { name: string }) => {
        if (fail) return Promise.reject(Object.assign(new Error('no'), { code: fail }));
        deleted.push(name);
        return Promise.resolve({});
      },
    } as unknown as Parameters<typeof createKubernetesDedupeStore>[0]['api'];
    const store = createKubernetesDedupeStore({ api, namespace: 'sre-agent', holder: 'h' });
    await store.release('key-1');
    expect(deleted).toEqual([dedupeObjectName('key-1')]);
    fail = 404;
    await expect(store.release('key-1')).resolves.toBeUndefined();
    fail = 403;
    await expect(store.release('key-1')).rejects.toThrow();
    const warnings: string[] = [];
    const logger = createLogger({ write: (line) => warnings.push(line) });
    await expect(failOpen(store, logger).release('key-1')).resolves.toBeUndefined();
    expect(warnings.join('\n')).toMatch(/the claim could not be given back/);
  });
});

describe('Kubernetes dedupe store against the sandbox API', () => {
  let sandbox: Sandbox;
  let api: CoordinationV1Api;

  beforeAll(async () => {
    sandbox = await startSandbox(await loadScenario(SCENARIO));
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromFile(sandbox.kubeconfigPath);
    api = kubeConfig.makeApiClient(CoordinationV1Api);
  });
  afterAll(() => sandbox.close());

  it('claims by creating a Lease named from the key hash; a 409 means already claimed', async () => {
    const store = createKubernetesDedupeStore({ api, namespace: 'default', holder: 'test-holder' });
    const key = 'alarm:arn:aws:cloudwatch:us-east-1:1:alarm:x:2026-11-20T14:29:00.000Z';
    expect(await store.isClaimed(key)).toBe(false);
    expect(await store.claim(key)).toBe(true);
    expect(await store.claim(key)).toBe(false);
    expect(await store.isClaimed(key)).toBe(true);
    const lease = await api.readNamespacedLease({ namespace: 'default', name: dedupeObjectName(key) });
    expect(lease.metadata?.annotations?.['sre-agent/dedupe-key']).toBe(key);
    expect(lease.spec?.holderIdentity).toBe('test-holder');
    expect(dedupeObjectName(key)).toMatch(/^sre-agent-dedupe-[0-9a-f]{40}$/);
  });

  it('lets exactly one of many concurrent claimers win, across separate store instances', async () => {
    const stores = Array.from({ length: 8 }, (_, i) =>
      createKubernetesDedupeStore({ api, namespace: 'default', holder: `replica-${i}` }),
    );
    const wins = await Promise.all(stores.map((s) => s.claim('storm-key')));
    expect(wins.filter(Boolean)).toHaveLength(1);
  });

  it('is what dedupeStoreFromEnv builds by default, in SRE_AGENT_DEDUPE_NAMESPACE', async () => {
    const env = { KUBECONFIG: sandbox.kubeconfigPath, SRE_AGENT_DEDUPE_NAMESPACE: 'kube-system' };
    const store = dedupeStoreFromEnv(env, {
      fallbackNamespace: 'default',
      holder: 'h',
      logger: silentLogger,
    });
    expect(store.kind).toBe('kubernetes');
    expect(await store.claim('env-key')).toBe(true);
    expect(await store.claim('env-key')).toBe(false);
    await expect(
      api.readNamespacedLease({ namespace: 'kube-system', name: dedupeObjectName('env-key') }),
    ).resolves.toBeTruthy();
    expect(
      dedupeStoreFromEnv(
        { SRE_AGENT_DEDUPE: 'off' },
        { fallbackNamespace: 'd', holder: 'h', logger: silentLogger },
      ).kind,
    ).toBe('off');
    expect(
      dedupeStoreFromEnv(
        { SRE_AGENT_DEDUPE: 'memory' },
        { fallbackNamespace: 'd', holder: 'h', logger: silentLogger },
      ).kind,
    ).toBe('memory');
  });

  it('fails open with a warning when the API cannot be reached: two posts beat none', async () => {
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromOptions({
      clusters: [{ name: 'c', server: 'http://127.0.0.1:9', skipTLSVerify: true }],
      users: [{ name: 'u' }],
      contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
      currentContext: 'x',
    });
    const lines: string[] = [];
    const logger = createLogger({ write: (l) => lines.push(l) });
    const store = failOpen(
      createKubernetesDedupeStore({
        api: kubeConfig.makeApiClient(CoordinationV1Api),
        namespace: 'default',
        holder: 'h',
      }),
      logger,
    );
    expect(await store.isClaimed('k')).toBe(false);
    expect(await store.claim('k')).toBe(true);
    expect(lines.map((l) => JSON.parse(l) as { level: string; msg: string })).toEqual([
      expect.objectContaining({ level: 'warn', msg: 'dedupe store unavailable: diagnosing anyway' }),
      expect.objectContaining({ level: 'warn', msg: 'dedupe store unavailable: posting without a claim' }),
    ]);
  });
});
