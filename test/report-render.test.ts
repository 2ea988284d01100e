import { describe, expect, it } from 'vitest';

import { renderJson } from '../src/report/render-json.js';
import { renderMarkdown } from '../src/report/render-markdown.js';
import { renderText } from '../src/report/render-text.js';
import type { Report } from '../src/report/schema.js';

// eslint-disable-next-line no-control-regex -- looking for escape sequences is the point
const ANSI_ESCAPE = /\u001B\[/;

function cartReport(overrides: Partial<Report> = {}): Report {
  return {
    service: 'cart-service',
    namespace: 'default',
    status: 'diagnosed',
    summary: 'Adding LOAFERS to a cart throws in RedisCartStore and the API answers HTTP 500.',
    rootCause: { statement: 'A null check was removed from AddItemAsync in 3f9c2ab.', confidence: 'high' },
    evidence: [
      {
        source: 'logs',
        detail: 'NullReferenceException at RedisCartStore.cs:line 87',
        ref: 'pod/cart-service-7d9f8b6c5d-x2x9z',
      },
      { source: 'kubernetes', detail: 'Pod restarted 12 times (CrashLoopBackOff)' },
    ],
    suspectFiles: [
      {
        path: 'src/cartservice/src/cartstore/RedisCartStore.cs',
        line: 87,
        url: 'https://github.com/fuzzylabs/microservices-demo/blob/main/src/cartservice/src/cartstore/RedisCartStore.cs#L87',
      },
    ],
    suspectCommits: [
      {
        sha: '3f9c2ab5d8e1f0a7b6c4d2e9f8a1b3c5d7e9f0a2',
        message: 'Simplify AddItemAsync\n\nLonger body',
        author: 'Jane Doe',
        date: '2026-11-19',
      },
    ],
    suggestedFix: 'Restore the null check before reading the cart.',
    engine: 'anthropic:claude-sonnet-4-5',
    degraded: false,
    degradedReasons: [],
    gaps: [],
    slack: { posted: true, channel: 'C0123', ts: '1700000000.000100' },
    usage: {
      turns: 3,
      toolCalls: 14,
      inputTokens: 12000,
      cacheReadTokens: 9000,
      cacheWriteTokens: 1000,
      outputTokens: 800,
      costUsd: 0.0123,
    },
    durationMs: 12_300,
    ...overrides,
  };
}

/** A report with nothing optional and nothing known, as a failed run might produce. */
const bareReport = cartReport({
  status: 'failed',
  summary: '',
  rootCause: { statement: '', confidence: 'low' },
  evidence: [],
  suspectFiles: [{ path: 'src/app.ts' }],
  suspectCommits: [{ sha: 'abc' }],
  suggestedFix: '',
  degraded: true,
  degradedReasons: [
    'ANTHROPIC_API_KEY is not set: used the offline engine',
    'GitHub MCP server did not start',
  ],
  slack: { posted: false, channel: null, ts: null, error: 'channel_not_found' },
  usage: {
    turns: 0,
    toolCalls: 0,
    inputTokens: 0,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    outputTokens: 0,
    costUsd: null,
  },
});

describe('renderText', () => {
  it('prints every part of the report, without colour when asked', () => {
    const text = renderText(cartReport(), { color: false });
    expect(text).not.toMatch(ANSI_ESCAPE);
    const lines = text.split('\n');
    expect(lines[0]).toBe('DIAGNOSED  cart-service  namespace default');
    expect(lines[1]).toBe('Adding LOAFERS to a cart throws in RedisCartStore and the API answers HTTP 500.');
    expect(text).toContain(
      'Root cause (confidence: high)\n  A null check was removed from AddItemAsync in 3f9c2ab.',
    );
    expect(text).toContain(
      '  1.  [logs] NullReferenceException at RedisCartStore.cs:line 87\n      ref: pod/cart-service-7d9f8b6c5d-x2x9z',
    );
    expect(text).toContain('  2.  [kubernetes] Pod restarted 12 times (CrashLoopBackOff)\n');
    expect(text).toContain(
      '  src/cartservice/src/cartstore/RedisCartStore.cs:87  https://github.com/fuzzylabs/microservices-demo/blob/main/src/cartservice/src/cartstore/RedisCartStore.cs#L87',
    );
    expect(text).toContain('  3f9c2ab  Simplify AddItemAsync — Jane Doe, 2026-11-19\n');
    expect(text).toContain('Suggested fix\n  Restore the null check before reading the cart.');
    expect(text).toContain('Engine   anthropic:claude-sonnet-4-5\n');
    expect(text).toContain('Slack    posted to C0123 (ts 1700000000.000100)');
    expect(text).toContain(
      'Run      3 turns · 14 tool calls · tokens 12,000 in · 800 out · 9,000 cache read · 1,000 cache write · cost $0.0123 · 12.3s',
    );
    expect(text).not.toContain('Degraded');
  });

  it('colours the status when colour is on', () => {
    const text = renderText(cartReport(), { color: true });
    expect(text).toMatch(ANSI_ESCAPE);
    expect(text.split('\n')[0]).toContain('\u001B[31m'); // diagnosed: red
    expect(renderText(cartReport({ status: 'healthy' }), { color: true }).split('\n')[0]).toContain(
      '\u001B[32m',
    );
  });

  it('says why a run was degraded and copes with missing parts and unknown cost', () => {
    const text = renderText(bareReport, { color: false });
    expect(text).toContain('FAILED  cart-service');
    expect(text).toContain('(none stated)');
    expect(text).toContain('Evidence (0)\n  none recorded');
    expect(text).toContain('  src/app.ts\n');
    expect(text).toContain('  abc\n');
    expect(text).not.toContain('Suggested fix');
    expect(text).toContain(
      'Degraded ANTHROPIC_API_KEY is not set: used the offline engine\n         GitHub MCP server did not start',
    );
    expect(text).toContain('Engine   anthropic:claude-sonnet-4-5 (degraded)');
    expect(text).toContain('Slack    not posted: channel_not_found');
    expect(text).toContain('cost n/a · 12.3s');
  });

  it('lists what could not be checked under the findings', () => {
    const text = renderText(
      cartReport({
        status: 'inconclusive',
        gaps: [
          { what: 'pod logs of cart-7d9', why: 'the Kubernetes API answered 500' },
          { what: 'NetworkPolicies', why: 'namespace payments is out of scope' },
        ],
      }),
      { color: false },
    );
    expect(text).toContain(
      'Not checked (2)\n  - pod logs of cart-7d9 — the Kubernetes API answered 500\n  - NetworkPolicies — namespace payments is out of scope',
    );
    expect(text.indexOf('Not checked')).toBeGreaterThan(text.indexOf('Suggested fix'));
    expect(renderText(cartReport(), { color: false })).not.toContain('Not checked');
  });

  it('does not pass escape sequences from report text through to the terminal', () => {
    const text = renderText(cartReport({ summary: 'log said \u001B[2J\u001B[31mhello\u0007' }), {
      color: false,
    });
    expect(text).not.toMatch(ANSI_ESCAPE);
    expect(text).toContain('hello');
  });
});

describe('renderMarkdown', () => {
  it('links the suspect file at its line and puts refs in code', () => {
    const md = renderMarkdown(cartReport());
    expect(md).toContain('## :rotating_light: cart-service: diagnosed');
    expect(md).toContain(
      '- [`src/cartservice/src/cartstore/RedisCartStore.cs:87`](<https://github.com/fuzzylabs/microservices-demo/blob/main/src/cartservice/src/cartstore/RedisCartStore.cs#L87>)',
    );
    expect(md).toContain(
      '- **logs**: NullReferenceException at RedisCartStore.cs:line 87 (`pod/cart-service-7d9f8b6c5d-x2x9z`)',
    );
    expect(md).toContain(
      '### Root cause (confidence: high)\n\nA null check was removed from AddItemAsync in 3f9c2ab.',
    );
    expect(md).toContain('- `3f9c2ab` Simplify AddItemAsync — Jane Doe, 2026-11-19');
    expect(md).toContain('### Suggested fix\n\nRestore the null check before reading the cart.');
    expect(md).toContain('cost $0.0123 · 12.3s');
    expect(md).toContain('**Slack:** posted to C0123 (ts 1700000000.000100)');
  });

  it('escapes markup in report text and keeps code spans closed', () => {
    const md = renderMarkdown(
      cartReport({
        summary: '<script>alert(1)</script> *bold* [x](javascript:alert(1))',
        evidence: [{ source: 'other', detail: 'a `tick`', ref: 'has `backticks` in it' }],
        suspectFiles: [{ path: 'a.ts', line: 3, url: 'javascript:alert(1)' }],
      }),
    );
    expect(md).toContain('\\<script\\>alert(1)\\</script\\> \\*bold\\* \\[x\\](javascript:alert(1))');
    expect(md).toContain('(``has `backticks` in it``)');
    expect(md).toContain('- `a.ts:3`');
    expect(md).not.toMatch(/[^\\]\]\(javascript:/); // only the escaped, inert `\](`
  });

  it('lists the gaps, escaped', () => {
    const md = renderMarkdown(cartReport({ gaps: [{ what: 'logs of <pod>', why: 'answered *500*' }] }));
    expect(md).toContain('### Not checked (1)\n\n- logs of \\<pod\\> — answered \\*500\\*');
  });

  it('renders a bare report without crashing', () => {
    const md = renderMarkdown(bareReport);
    expect(md).toContain('_None recorded._');
    expect(md).toContain('- `src/app.ts`');
    expect(md).toContain('cost n/a');
    expect(md).toContain('  - GitHub MCP server did not start');
  });
});

describe('renderJson', () => {
  it('prints the report with the key order of DESIGN.md 4.4, added fields last', () => {
    const shuffled = Object.fromEntries(Object.entries(cartReport()).reverse()) as unknown as Report;
    const json = renderJson({
      ...shuffled,
      usage: { ...shuffled.usage },
      sandbox: { scenario: 'cart', slackMessages: [] },
    });
    expect(JSON.parse(json)).toEqual({ ...cartReport(), sandbox: { scenario: 'cart', slackMessages: [] } });
    expect(Object.keys(JSON.parse(json) as object)).toEqual([
      'service',
      'namespace',
      'status',
      'summary',
      'rootCause',
      'evidence',
      'suspectFiles',
      'suspectCommits',
      'suggestedFix',
      'engine',
      'degraded',
      'slack',
      'usage',
      'durationMs',
      'degradedReasons',
      'gaps',
      'sandbox',
    ]);
    expect(json).toContain('"rootCause": {\n    "statement"');
    expect(json.endsWith('}\n')).toBe(true);
  });

  it('keeps unknown fields and a null cost', () => {
    const json = renderJson({ ...bareReport, runId: 'r-1' } as Report);
    const parsed = JSON.parse(json) as Record<string, unknown>;
    expect(Object.keys(parsed).at(-1)).toBe('runId');
    expect((parsed['usage'] as Record<string, unknown>)['costUsd']).toBeNull();
  });
});
