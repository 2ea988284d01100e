import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ScenarioError, UsageError } from '../src/errors/errors.js';
import { listScenarios, loadScenario, resolveScenarioDir } from '../src/sandbox/scenario.js';

const fixtures = join(import.meta.dirname, 'fixtures', 'scenarios');
const malformed = join(fixtures, 'malformed');

describe('loadScenario', () => {
  it('loads scenario.yaml, cluster.yaml, logs, repo and commits', async () => {
    const scenario = await loadScenario(join(fixtures, 'shop-checkout'));
    expect(scenario).toMatchObject({
      name: 'shop-checkout',
      dir: join(fixtures, 'shop-checkout'),
      service: 'checkout-service',
      namespace: 'shop',
      repository: 'acme/shop',
      now: '2026-11-20T14:30:00.000Z',
      alert: 'CRITICAL: checkoutservice pods restarting (CrashLoopBackOff)',
      expect: {
        status: 'diagnosed',
        rootCause: [
          ['nil map', 'nil pointer'],
          ['currency', 'rounding'],
        ],
        files: ['src/checkoutservice/money/money.go'],
        commits: ['a1b2c3d'],
        forbid: ['hunter2'],
      },
    });
    expect(scenario.objects.map((o) => `${o.kind}/${o.metadata.name}`)).toContain(
      'Pod/checkoutservice-6d5f8b7c9-k2x7p',
    );
    expect(Object.keys(scenario.logs).sort()).toEqual([
      'checkoutservice-6d5f8b7c9-k2x7p',
      'checkoutservice-6d5f8b7c9-k2x7p.previous',
      'paymentservice-7b8c9d6f5-q4w8z.envoy',
      'paymentservice-7b8c9d6f5-q4w8z.server',
    ]);
    expect(Object.keys(scenario.repoFiles).sort()).toEqual([
      'README.md',
      'docs/notes.txt',
      'src/checkoutservice/main.go',
      'src/checkoutservice/money/money.go',
    ]);
    expect(scenario.repoFiles['src/checkoutservice/money/money.go']).toContain('precision[m.Currency] = 2');
  });

  it('resolves relative commit dates against now and keeps commits newest first', async () => {
    const { commits } = await loadScenario(join(fixtures, 'shop-checkout'));
    expect(commits.map((c) => [c.sha.slice(0, 7), c.date])).toEqual([
      ['a1b2c3d', '2026-11-20T11:30:00.000Z'], // -3h
      ['9f8e7d6', '2026-11-18T14:30:00.000Z'], // 2d ago
      ['0123456', '2026-10-01T09:00:00.000Z'],
    ]);
    expect(commits[0]?.patches?.['src/checkoutservice/money/money.go']).toContain(
      '+var precision map[string]int',
    );
    expect(commits[1]?.patches).toBeUndefined();
  });

  it('gives namespaced objects the scenario namespace and leaves cluster-scoped ones without', async () => {
    const { objects } = await loadScenario(join(fixtures, 'shop-checkout'));
    const node = objects.find((o) => o.kind === 'Node');
    const service = objects.find((o) => o.kind === 'Service');
    const coredns = objects.find((o) => o.metadata.name.startsWith('coredns'));
    expect(node?.metadata.namespace).toBeUndefined();
    expect(service?.metadata.namespace).toBe('shop');
    expect(coredns?.metadata.namespace).toBe('kube-system');
  });

  it('reads multi-document cluster.yaml, lists inside it, and defaults the namespace', async () => {
    const scenario = await loadScenario(join(fixtures, 'payments-multidoc'));
    expect(scenario.namespace).toBe('default');
    expect(scenario.now).toBe('2026-03-01T07:00:00.000Z');
    expect(scenario.expect).toEqual({ status: 'healthy', rootCause: [], files: [], commits: [], forbid: [] });
    expect(
      scenario.objects.map((o) => `${o.kind}/${o.metadata.namespace ?? '-'}/${o.metadata.name}`),
    ).toEqual([
      'Deployment/default/paymentservice',
      'Pod/default/paymentservice-5c6d7e8f9-aaaaa',
      'Namespace/-/default',
    ]);
    expect(scenario.commits).toEqual([]);
    expect(scenario.repoFiles).toEqual({});
  });

  const cases: [string, string, string | undefined, RegExp][] = [
    [
      'rootcause-not-list',
      'scenario.yaml',
      'expect.rootCause[1]',
      /^scenario\.yaml: expect\.rootCause\[1\]: expected a list of strings$/,
    ],
    ['missing-repository', 'scenario.yaml', 'repository', /^scenario\.yaml: repository: required$/],
    [
      'bad-now',
      'scenario.yaml',
      'now',
      /^scenario\.yaml: now: expected an ISO 8601 date-time with a time zone/,
    ],
    [
      'object-without-name',
      'cluster.yaml',
      'items[3].metadata.name',
      /^cluster\.yaml: items\[3\]\.metadata\.name: required$/,
    ],
    ['label-not-string', 'cluster.yaml', 'documents[1].metadata.labels.version', /expected string/],
    [
      'bad-commit-date',
      'commits.yaml',
      '[1].date',
      /^commits\.yaml: \[1\]\.date: expected an ISO 8601 date-time or a time before now/,
    ],
    [
      'expects-missing-file',
      'scenario.yaml',
      'expect.files[0]',
      /^scenario\.yaml: expect\.files\[0\]: src\/cart\/store\.go is not a file under repo\/$/,
    ],
    ['no-scenario-yaml', 'scenario.yaml', undefined, /^scenario\.yaml: not found in /],
  ];
  it.each(cases)('%s: names the file and the field', async (name, file, field, message) => {
    const error = await loadScenario(join(malformed, name)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ScenarioError);
    expect(error).toMatchObject({ file, field, code: 'scenario' });
    expect((error as Error).message).toMatch(message);
  });

  // Written at test time: a fixture file with broken YAML would break `prettier --check .`.
  it('reports a YAML syntax error in cluster.yaml with its line', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bad-cluster-yaml-'));
    try {
      await writeFile(
        join(dir, 'scenario.yaml'),
        'title: broken cluster.yaml\nservice: cart\nrepository: acme/shop\nnow: 2026-11-20T14:30:00Z\n',
      );
      await writeFile(
        join(dir, 'cluster.yaml'),
        'apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Pod\n   metadata: {name: x\n',
      );
      const error = await loadScenario(dir).catch((e: unknown) => e);
      expect(error).toMatchObject({ file: 'cluster.yaml', field: 'line 5' });
      expect((error as Error).message).toBe(
        'cluster.yaml: line 5: invalid YAML: Nested mappings are not allowed in compact mappings at line 5, column 9',
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('throws a ScenarioError for a directory that does not exist', async () => {
    const error = await loadScenario(join(fixtures, 'no-such-scenario')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ScenarioError);
    expect((error as Error).message).toMatch(/no-such-scenario: scenario directory not found/);
  });
});

describe('listScenarios', () => {
  it('lists the directories holding a scenario.yaml, sorted by name', async () => {
    expect(await listScenarios(fixtures)).toEqual([
      {
        name: 'payments-multidoc',
        dir: join(fixtures, 'payments-multidoc'),
        title: 'Payment service is healthy',
        service: 'payment_service',
      },
      {
        name: 'shop-checkout',
        dir: join(fixtures, 'shop-checkout'),
        title: 'Checkout service crash-loops after the currency rounding change',
        service: 'checkout-service',
      },
    ]);
  });

  it('names the scenario whose scenario.yaml is broken', async () => {
    const error = await listScenarios(malformed).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ScenarioError);
    expect((error as Error).message).toMatch(/^bad-now\/scenario\.yaml: now: /);
  });
});

describe('resolveScenarioDir', () => {
  it('takes a path to a directory', async () => {
    expect(await resolveScenarioDir(join(fixtures, 'shop-checkout'), 'ignored', '/nonexistent')).toBe(
      join(fixtures, 'shop-checkout'),
    );
  });

  it('takes the name of a directory under the scenarios root', async () => {
    expect(await resolveScenarioDir('payments-multidoc', 'ignored', fixtures)).toBe(
      join(fixtures, 'payments-multidoc'),
    );
  });

  it('picks the scenario of the service, ignoring case, - and _', async () => {
    expect(await resolveScenarioDir(undefined, 'Checkout_Service', fixtures)).toBe(
      join(fixtures, 'shop-checkout'),
    );
    expect(await resolveScenarioDir(undefined, 'payment-service', fixtures)).toBe(
      join(fixtures, 'payments-multidoc'),
    );
    expect(await resolveScenarioDir(undefined, 'paymentservice', fixtures)).toBe(
      join(fixtures, 'payments-multidoc'),
    );
  });

  describe('among scenarios written for the test', () => {
    const valid = (service: string): string =>
      [
        `title: A scenario of ${service}`,
        `service: ${service}`,
        'namespace: shop',
        'repository: acme/shop',
        'now: 2026-11-20T14:30:00Z',
        'expect: {status: diagnosed}',
        '',
      ].join('\n');
    const broken = (service: string): string => `service: ${service}\nnow: yesterday\n`;

    async function rootWith(scenarios: Record<string, string>): Promise<string> {
      const root = await mkdtemp(join(tmpdir(), 'sre-agent-scenarios-'));
      for (const [name, text] of Object.entries(scenarios)) {
        await mkdir(join(root, name));
        await writeFile(join(root, name, 'scenario.yaml'), text);
      }
      return root;
    }

    it('finds a service named with escapes, quotes or across lines', async () => {
      const root = await rootWith({
        'a-other': valid('other-service'),
        'b-escaped': valid('"cart\\x2dservice"'),
        'c-folded': valid('"inventory\n  service"'),
      });
      try {
        expect(await resolveScenarioDir(undefined, 'cart-service', root)).toBe(join(root, 'b-escaped'));
        expect(await resolveScenarioDir(undefined, 'inventory service', root)).toBe(join(root, 'c-folded'));
        expect(await resolveScenarioDir(undefined, 'Other_Service', root)).toBe(join(root, 'a-other'));
      } finally {
        await rm(root, { recursive: true, force: true });
      }
    });

    it('takes the first match by name, reporting a broken scenario of the service before it', async () => {
      const root = await rootWith({
        'a-cart': broken('cart-service'),
        'b-cart': valid('cart-service'),
        'c-cart': valid('cart-service'),
      });
      try {
        const error = await resolveScenarioDir(undefined, 'cart-service', root).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(ScenarioError);
        expect((error as Error).message).toMatch(/^a-cart\/scenario\.yaml: /);
        await rm(join(root, 'a-cart'), { recursive: true });
        expect(await resolveScenarioDir(undefined, 'cart-service', root)).toBe(join(root, 'b-cart'));
      } finally {
        await rm(root, { recursive: true, force: true });
      }
    });

    it("reports another service's broken scenario only when no scenario matches", async () => {
      const root = await rootWith({ 'a-orders': broken('orders'), 'b-cart': valid('cart-service') });
      try {
        expect(await resolveScenarioDir(undefined, 'cart-service', root)).toBe(join(root, 'b-cart'));
        const error = await resolveScenarioDir(undefined, 'payments', root).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(ScenarioError);
        expect((error as Error).message).toMatch(/^a-orders\/scenario\.yaml: /);
      } finally {
        await rm(root, { recursive: true, force: true });
      }
    });
  });

  it('names the available scenarios when none matches', async () => {
    const error = await resolveScenarioDir(undefined, 'inventory', fixtures).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toBe(
      '--sandbox: no scenario for service inventory; available: payments-multidoc (service payment_service), shop-checkout (service checkout-service)',
    );
    const unknown = await resolveScenarioDir('nope', 'x', fixtures).catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(UsageError);
    expect((unknown as Error).message).toMatch(
      /^--sandbox nope: no such directory.*available: payments-multidoc/,
    );
  });
});
