import { describe, expect, it } from 'vitest';

import {
  SLACK_LIMITS,
  SLACK_TOP_EVIDENCE,
  renderSlackEvidenceThread,
  renderSlackMessage,
  slackMessageSize,
  type SlackBlock,
  type SlackMessage,
} from '../src/report/render-slack.js';
import type { Evidence, Report } from '../src/report/schema.js';

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
    engine: 'offline',
    degraded: false,
    degradedReasons: [],
    gaps: [],
    slack: { posted: true, channel: 'C0123', ts: '1700000000.000100' },
    usage: {
      turns: 3,
      toolCalls: 14,
      inputTokens: 12000,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
      outputTokens: 800,
      costUsd: null,
    },
    durationMs: 12_300,
    ...overrides,
  };
}

/** Every piece of text a Slack user could see in a message. */
function texts(message: SlackMessage): string[] {
  const out = [message.text];
  for (const block of message.blocks) {
    if (block.type === 'header' || block.type === 'section') out.push(block.text.text);
    if (block.type === 'context') out.push(...block.elements.map((element) => element.text));
  }
  return out;
}

function sectionTexts(message: SlackMessage): string[] {
  return message.blocks.flatMap((block: SlackBlock) => (block.type === 'section' ? [block.text.text] : []));
}

function expectWithinSlackLimits(message: SlackMessage): void {
  expect(message.text.length).toBeGreaterThan(0);
  expect(message.blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocks);
  expect(slackMessageSize(message)).toBeLessThan(SLACK_LIMITS.messageChars);
  for (const block of message.blocks) {
    if (block.type === 'header') expect(block.text.text.length).toBeLessThanOrEqual(150);
    if (block.type === 'section') expect(block.text.text.length).toBeLessThanOrEqual(3000);
  }
}

describe('renderSlackMessage', () => {
  it('shows the diagnosis the way an on-call engineer reads it', () => {
    const message = renderSlackMessage(cartReport());
    const [head] = message.blocks;
    expect(head).toEqual({
      type: 'header',
      text: { type: 'plain_text', text: ':rotating_light: cart-service: diagnosed', emoji: true },
    });
    expect(message.text).toBe(
      'diagnosed: cart-service — Adding LOAFERS to a cart throws in RedisCartStore and the API answers HTTP 500.',
    );
    const all = sectionTexts(message).join('\n');
    expect(all).toContain(
      '*Root cause* (confidence: *high*)\nA null check was removed from AddItemAsync in 3f9c2ab.',
    );
    expect(all).toContain(
      '• *logs* — NullReferenceException at RedisCartStore.cs:line 87 `pod/cart-service-7d9f8b6c5d-x2x9z`',
    );
    expect(all).toContain(
      '• <https://github.com/fuzzylabs/microservices-demo/blob/main/src/cartservice/src/cartstore/RedisCartStore.cs#L87|src/cartservice/src/cartstore/RedisCartStore.cs:87>',
    );
    expect(all).toContain('• `3f9c2ab` Simplify AddItemAsync — Jane Doe, 2026-11-19');
    expect(all).toContain('*Suggested fix*\nRestore the null check before reading the cart.');
    const footer = message.blocks.at(-1);
    expect(footer).toEqual({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: 'offline · 12.3s · 14 tool calls · n/a' }],
    });
    expectWithinSlackLimits(message);
  });

  it('escapes markup and makes every mention plain text', () => {
    const message = renderSlackMessage(
      cartReport({
        service: 'cart <!here>',
        summary:
          '<!channel> cart is down <script>alert(1)</script> & @everyone cc <@U024BE7LH> <!subteam^SAZ94GDB8|@oncall>',
        rootCause: { statement: 'see <https://evil.example|this link> @here', confidence: 'low' },
        evidence: [{ source: 'slack', detail: '<!everyone> <@W123|jane>', ref: '`<!channel>`' }],
        suspectFiles: [{ path: 'a.ts', line: 1, url: 'javascript:alert(1)' }],
      }),
    );
    const joined = texts(message).join('\n');
    for (const live of [
      '<!channel>',
      '<!here>',
      '<!everyone>',
      '<@U024BE7LH>',
      '<@W123',
      '<!subteam',
      '<script>',
      '<https://evil',
    ]) {
      expect(joined).not.toContain(live);
    }
    expect(joined).not.toMatch(/(^|[^@])@(channel|here|everyone)\b/);
    expect(joined).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &amp; @\u200Beveryone');
    expect(joined).toContain('@\u200Bchannel cart is down');
    expect(joined).toContain('@\u200Boncall');
    expect(joined).not.toContain('javascript:');
    expect(sectionTexts(message).join('\n')).toContain('• `a.ts:1`');
  });

  it('keeps 200 evidence items and 10k-character fields within every Slack limit', () => {
    const huge = 'x'.repeat(10_000);
    const evidence: Evidence[] = Array.from({ length: 200 }, (_, i) => ({
      source: 'logs',
      detail: `line ${i} ${'& <b> "quoted" '.repeat(700)}`,
      ref: `pod/cart-${i}-${'r'.repeat(5000)}`,
    }));
    const report = cartReport({
      service: `cart-${'s'.repeat(10_000)}`,
      summary: `${'"&<>'.repeat(2500)}`,
      rootCause: { statement: huge, confidence: 'medium' },
      evidence,
      suspectFiles: Array.from({ length: 20 }, (_, i) => ({
        path: `${huge}/${i}.ts`,
        line: i + 1,
        url: `https://github.com/${'u'.repeat(1900)}`,
      })),
      suspectCommits: Array.from({ length: 20 }, () => ({
        sha: huge,
        message: huge,
        author: huge,
        date: huge,
      })),
      suggestedFix: huge,
      degraded: true,
      degradedReasons: Array.from({ length: 50 }, () => huge),
      gaps: Array.from({ length: 30 }, (_, i) => ({ what: `gap ${i} ${huge}`, why: huge })),
    });
    const message = renderSlackMessage(report);
    expectWithinSlackLimits(message);
    expect(sectionTexts(message).find((text) => text.startsWith('*Not checked* (30)'))).toMatch(
      /more not shown_$/,
    );
    const evidenceSection = sectionTexts(message).find((text) => text.startsWith('*Evidence*'));
    expect(evidenceSection).toContain(`*Evidence* (${SLACK_TOP_EVIDENCE} of 200)`);
    expect(evidenceSection).toContain('_195 more in the thread_');
    // Shortened text must not end in half an entity such as `&am…`.
    for (const text of texts(message)) expect(text).not.toMatch(/&[a-z]{0,4}…/);

    const thread = renderSlackEvidenceThread(report);
    expectWithinSlackLimits(thread);
    expect(thread.text).toContain('evidence 6–200 of 200');
    expect(sectionTexts(thread).join('\n')).toContain('line 5 ');
    expect(JSON.stringify(thread)).toMatch(/_\d+ more evidence items not shown_/);
  });

  it('shows what could not be checked under the suggested fix', () => {
    const message = renderSlackMessage(
      cartReport({
        status: 'inconclusive',
        gaps: [{ what: 'pod logs of cart-7d9 <pod>', why: 'the Kubernetes API answered 500 @here' }],
      }),
    );
    const sections = sectionTexts(message);
    const gaps = sections.findIndex((text) => text.startsWith('*Not checked* (1)'));
    expect(gaps).toBeGreaterThan(sections.findIndex((text) => text.startsWith('*Suggested fix*')));
    expect(sections[gaps]).toBe(
      '*Not checked* (1)\n• pod logs of cart-7d9 &lt;pod&gt; — the Kubernetes API answered 500 @\u200Bhere',
    );
    expectWithinSlackLimits(message);
    expect(sectionTexts(renderSlackMessage(cartReport())).join('\n')).not.toContain('Not checked');
  });

  it('does not crash on an empty report with unknown cost', () => {
    const message = renderSlackMessage(
      cartReport({
        status: 'inconclusive',
        summary: '',
        rootCause: { statement: '', confidence: 'low' },
        evidence: [],
        suspectFiles: [{ path: 'src/app.ts' }],
        suspectCommits: [{ sha: 'abc' }],
        suggestedFix: '',
        degraded: true,
        degradedReasons: ['ANTHROPIC_API_KEY is not set: used the offline engine'],
      }),
    );
    expectWithinSlackLimits(message);
    expect(message.text).toBe('inconclusive: cart-service');
    const all = sectionTexts(message).join('\n');
    expect(all).toContain('• `src/app.ts`');
    expect(all).toContain('• `abc`');
    expect(all).not.toContain('*Evidence*');
    expect(JSON.stringify(message.blocks.at(-1))).toContain(
      ':warning: Degraded: ANTHROPIC_API_KEY is not set: used the offline engine',
    );
    expect(renderSlackEvidenceThread(cartReport({ evidence: [] })).blocks).toEqual([]);
  });
});

describe('renderSlackEvidenceThread', () => {
  it('carries exactly the evidence after the top five', () => {
    const evidence: Evidence[] = Array.from({ length: 8 }, (_, i) => ({
      source: 'kubernetes',
      detail: `fact ${i + 1}`,
    }));
    const report = cartReport({ evidence });
    const main = sectionTexts(renderSlackMessage(report)).join('\n');
    const thread = renderSlackEvidenceThread(report);
    expect(main).toContain('fact 5');
    expect(main).not.toContain('fact 6');
    expect(sectionTexts(thread)).toEqual([
      '*More evidence* (6–8)\n• *kubernetes* — fact 6\n• *kubernetes* — fact 7\n• *kubernetes* — fact 8',
    ]);
    expect(thread.text).toBe('cart-service: evidence 6–8 of 8');
  });
});

describe('long evidence in Slack', () => {
  it('keeps the end of a log line, where the cause is, and cuts the middle at a word boundary', () => {
    const detail = `request error: could not retrieve product: ${'rpc error: code = Unavailable desc = '.repeat(20)}dial tcp 10.0.0.7:7070: connect: connection refused`;
    const message = renderSlackMessage(cartReport({ evidence: [{ source: 'logs', detail }] }));
    const section = sectionTexts(message).find((text) => text.startsWith('*Evidence*')) ?? '';
    expect(section).toContain('• *logs* — request error: could not retrieve');
    expect(section).toContain(' … ');
    expect(section).toMatch(/dial tcp 10\.0\.0\.7:7070: connect: connection refused$/);
    expectWithinSlackLimits(message);
  });
});
