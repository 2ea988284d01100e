import { describe, expect, it } from 'vitest';
import { renderMarkdown } from '../src/report/render-markdown.js';
import type { Report } from '../src/report/schema.js';
import { runCli } from './helpers/cli.js';

function report(overrides: Partial<Report>): Report {
  return {
    service: 'cart-service',
    namespace: 'default',
    status: 'diagnosed',
    summary: '',
    rootCause: { statement: '', confidence: 'high' },
    evidence: [],
    suspectFiles: [],
    suspectCommits: [],
    suggestedFix: '',
    engine: 'offline',
    degraded: false,
    degradedReasons: [],
    gaps: [],
    slack: { posted: false, reason: 'disabled' },
    usage: {
      turns: 0,
      toolCalls: 0,
      inputTokens: 0,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
      outputTokens: 0,
      costUsd: 0,
    },
    durationMs: 1000,
    ...overrides,
  } as Report;
}

describe('markdown: code quoted in findings shows as code', () => {
  it('keeps code spans as written, and still escapes markup around them', () => {
    const md = renderMarkdown(
      report({
        summary: 'Thrown by `RedisCartStore.AddItemAsync` on *every* call, see [x].',
        rootCause: {
          statement: 'The failing line is ``if (id == `L9`) throw`` in RedisCartStore.cs.',
          confidence: 'high',
        },
      }),
    );
    expect(md).toContain('Thrown by `RedisCartStore.AddItemAsync` on \\*every\\* call, see \\[x\\].');
    expect(md).toContain('The failing line is ``if (id == `L9`) throw`` in RedisCartStore.cs.');
    expect(md).not.toContain('\\`');
  });

  it('leaves markup inside a span alone: it is code there', () => {
    const md = renderMarkdown(report({ suggestedFix: 'Set `resources.limits.memory` to `*512Mi*`.' }));
    expect(md).toContain('Set `resources.limits.memory` to `*512Mi*`.');
  });

  it('escapes a span that holds `<` (an HTML tag outranks a code span) and one across lines', () => {
    const md = renderMarkdown(
      report({
        summary: 'Returns `List<int>` here.',
        suggestedFix: 'Run `kubectl\n# rollout undo` now.',
      }),
    );
    expect(md).toContain('Returns \\`List\\<int\\>\\` here.');
    expect(md).toContain('Run \\`kubectl\n\\# rollout undo\\` now.');
  });

  it('escapes a backtick that closes nothing, so it cannot pair with the code after it', () => {
    const md = renderMarkdown(
      report({ evidence: [{ source: 'logs', detail: "it's a ` on its own", ref: 'pod/cart-1' }] }),
    );
    expect(md).toContain("- **logs**: it's a \\` on its own (`pod/cart-1`)");
  });

  it('escapes a heading marker only at the start of a line', () => {
    const md = renderMarkdown(report({ summary: '# not a heading\nsee `x` #3' }));
    expect(md).toContain('\\# not a heading\nsee `x` #3');
  });

  it('shows the code of a real diagnosis as code (diagnose --output markdown)', async () => {
    const { code, stdout, stderr } = await runCli([
      'diagnose',
      '--service',
      'cart-service',
      '--sandbox',
      '--no-slack',
      '--output',
      'markdown',
    ]);
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(/`System\.InvalidOperationException[^`]*`/);
    expect(stdout).not.toContain('\\`');
  });
});
