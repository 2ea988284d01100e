import { describe, expect, it } from 'vitest';

import { composeException } from '../src/llm/offline/compose.js';
import { OfflineEngine } from '../src/llm/offline/engine.js';
import { analyzeLog } from '../src/llm/offline/log-analysis.js';
import { quote, withoutTypePrefix } from '../src/llm/offline/quote.js';
import { changedLines, previousValue, type ChangeLink } from '../src/llm/offline/rules/recent-change.js';
import { engineContext, fakeTools, running } from './helpers/offline-fakes.js';

describe('quotes', () => {
  it('cut at word boundaries and keep the end of an error, where the cause is', () => {
    const line =
      'request error: could not retrieve product: rpc error: code = Unavailable desc = connection error: desc = "transport: Error while dialing: dial tcp 10.0.0.7:7070: connect: connection refused"';
    const q = quote(line, 120);
    expect(q.length).toBeLessThanOrEqual(120);
    expect(q).toMatch(/^request error: could not retrieve/);
    expect(q).toMatch(/dial tcp 10\.0\.0\.7:7070: connect: connection refused"$/);
    expect(q).toContain(' … ');
    expect(quote('short line', 120)).toBe('short line');
  });

  it('never doubles the type in front of a message', () => {
    expect(withoutTypePrefix('Error', 'Error: Unsupported currency code: GBP')).toBe(
      'Unsupported currency code: GBP',
    );
    expect(withoutTypePrefix('InvalidCreditCard', 'Error: Credit card info is invalid')).toBe(
      'Credit card info is invalid',
    );
    expect(withoutTypePrefix('java.lang.IllegalStateException', 'IllegalStateException: closed')).toBe(
      'closed',
    );
    const node = analyzeLog(
      '{"level":50,"msg":"request failed","err":{"type":"Error","message":"Unsupported currency code: GBP","stack":"Error: Unsupported currency code: GBP\\n    at rateOf (/app/server.js:92:11)"}}',
    );
    expect(node.signatures[0]).toMatchObject({ type: 'Error', message: 'Unsupported currency code: GBP' });
  });
});

describe('commit evidence', () => {
  const patch = [
    '@@ -40,6 +40,12 @@',
    '         private const int MaxQuantityPerItem = 100;',
    '+        private const string BannedId = "L9ECAV7KIM";',
    '+        // Reject banned products early.',
    '+        if (productId == BannedId)',
    '+            throw new InvalidOperationException($"Invalid product id {productId}");',
    '         var cart = await GetCartAsync(userId);',
  ].join('\n');

  it('quotes the added lines that hold the failing code and its guard, not the first lines of the diff', () => {
    expect(
      changedLines(
        patch,
        ['L9ECAV7KIM'],
        [
          'throw new InvalidOperationException($"Invalid product id {productId}");',
          'if (productId == BannedId)',
        ],
      ),
    ).toEqual([
      '+        if (productId == BannedId)',
      '+            throw new InvalidOperationException($"Invalid product id {productId}");',
    ]);
  });

  it('pairs a changed value with the line it replaced, skipping a comment between them', () => {
    const lines = changedLines(
      '@@ -1,3 +1,4 @@\n-  memory: 450Mi\n+  # smaller profile\n+  memory: 128Mi',
      [],
      ['memory: 128Mi'],
    );
    expect(lines).toEqual(['-  memory: 450Mi', '+  memory: 128Mi']);
    expect(
      previousValue(
        { lines, patch: '@@ -1,3 +1,4 @@\n-  memory: 450Mi\n+  # smaller profile\n+  memory: 128Mi' },
        '128Mi',
        /memory/,
      ),
    ).toBe('450Mi');
  });
});

describe('the suggested fix', () => {
  const signature = {
    kind: 'exception' as const,
    type: 'Error',
    message: 'Unsupported currency code: GBP',
    frames: [],
    appFrame: { file: '/app/server.js', line: 92, app: true },
    count: 23,
    sample: '',
  };
  const source = {
    path: 'src/currency/server.js',
    line: 92,
    code: 'throw new Error(`Unsupported currency code: ${code}`);',
    condition: 'if (!(code in data)) {',
  };
  const commit = { sha: '7d2e5c1b9a0f', message: 'refresh rates' };

  it('keeps a deliberate check when the bad input comes from data a change altered', () => {
    const change: ChangeLink = {
      commit,
      files: ['src/currency/data/rates.json'],
      lines: ['-  "GBP": "0.84",'],
      dataFile: 'src/currency/data/rates.json',
      note: '',
    };
    const fix = composeException('currency', { signature, pod: 'p', source, change }).suggestedFix;
    expect(fix).toContain('Restore the data 7d2e5c1 changed in src/currency/data/rates.json');
    expect(fix).toContain('keep the check');
    expect(fix).not.toMatch(/remove it|correct or remove/i);
    // The commit did not touch server.js: it is not said to have introduced the failing line.
    expect(fix).not.toContain('introduced or last touched');
  });

  it('asks to correct a check the change itself added', () => {
    const change: ChangeLink = {
      commit,
      files: [source.path],
      lines: ['+    if (!(code in data)) {', `+      ${source.code}`],
      note: '',
    };
    const fix = composeException('currency', { signature, pod: 'p', source, change }).suggestedFix;
    expect(fix).toContain('Correct the new check');
    expect(fix).toContain('added in 7d2e5c1');
  });

  it('separates the rollback that mitigates now from the permanent fix, and opens the evidence on the fault', async () => {
    const pod = 'cart-5c8f7b9d6d-q4w2z';
    const tools = fakeTools({
      workloads: {
        cart: {
          workload: { kind: 'Deployment', name: 'cart' },
          pods: [{ name: pod, containers: [running('cart')] }],
        },
      },
      logs: {
        [pod]: Array.from(
          { length: 3 },
          () =>
            'fail: Cart[0]\n      System.InvalidOperationException: Cart is closed\n         at Cart.Store.Add(String id) in /app/Store.cs:line 10',
        ).join('\n'),
      },
      deployments: {
        cart: {
          name: 'cart',
          conditions: [],
          rolloutHistory: [
            { revision: 7, images: ['reg/cart:1.5.0'], createdAt: '2026-12-01T11:00:00Z', current: true },
            { revision: 6, images: ['reg/cart:1.4.2'], createdAt: '2026-11-20T11:00:00Z', current: false },
          ],
        },
      },
      repo: {
        'src/cart/Store.cs': Array.from({ length: 12 }, (_, i) =>
          i === 9 ? 'throw new InvalidOperationException("Cart is closed");' : `// ${i + 1}`,
        ).join('\n'),
      },
      commits: [
        {
          sha: 'd3bf18b69ea6',
          message: 'Close carts',
          date: '2026-12-01T10:00:00Z',
          files: [
            {
              path: 'src/cart/Store.cs',
              patch: '@@ -9,2 +9,3 @@\n+throw new InvalidOperationException("Cart is closed");',
            },
          ],
        },
      ],
    });
    const ctx = engineContext(tools, { service: 'cart' });
    const findings = await new OfflineEngine().diagnose(ctx);
    expect(findings.suggestedFix).toMatch(
      /^Mitigate now: roll back to revision 6 \(image reg\/cart:1\.4\.2\).*`kubectl rollout undo deployment\/cart --to-revision=6 -n shop`\. Permanent fix: /,
    );
    expect(ctx.casebook.evidence[0]?.detail).toContain('InvalidOperationException');
    expect(ctx.casebook.evidence.at(-1)?.detail).toMatch(/^Deployment cart: .* Running ready 1\/1/);
  });
});
