import { describe, expect, it } from 'vitest';

import {
  escapeSlackText,
  neutraliseMentions,
  slackMrkdwn,
  truncate,
  truncateEscaped,
} from '../src/report/slack-text.js';

const ZWSP = '\u200B';

describe('escapeSlackText', () => {
  it('escapes the three characters Slack markup uses, ampersand first', () => {
    expect(escapeSlackText('a < b && c > d')).toBe('a &lt; b &amp;&amp; c &gt; d');
    expect(escapeSlackText('&lt;')).toBe('&amp;lt;');
    expect(escapeSlackText('plain *bold* `code`')).toBe('plain *bold* `code`');
  });
});

describe('neutraliseMentions', () => {
  it('turns special mentions into plain text without angle brackets', () => {
    expect(neutraliseMentions('<!channel> <!here|here> <!everyone>')).toBe(
      `@${ZWSP}channel @${ZWSP}here @${ZWSP}everyone`,
    );
    expect(neutraliseMentions('ping <!subteam^SAZ94GDB8|@oncall> and <!subteam^S1>')).toBe(
      `ping @${ZWSP}oncall and @${ZWSP}group`,
    );
    expect(neutraliseMentions('cc <@U024BE7LH> and <@W123ABC|@jane>')).toBe(
      `cc @${ZWSP}U024BE7LH and @${ZWSP}jane`,
    );
  });

  it('breaks bare mentions but leaves e-mail addresses and other words alone', () => {
    expect(neutraliseMentions('@channel @Here @everyone')).toBe(
      `@${ZWSP}channel @${ZWSP}Here @${ZWSP}everyone`,
    );
    expect(neutraliseMentions('ops@here.example @channels <#C123|general>')).toBe(
      'ops@here.example @channels <#C123|general>',
    );
  });

  it('is idempotent', () => {
    const once = neutraliseMentions('<!channel> @here <@U1>');
    expect(neutraliseMentions(once)).toBe(once);
  });
});

describe('truncate', () => {
  it('cuts to the limit with an ellipsis, and only when needed', () => {
    expect(truncate('hello', 5)).toBe('hello');
    expect(truncate('hello world', 6)).toBe('hello…');
    expect(truncate('hello world', 6)).toHaveLength(6);
    expect(truncate('hello', 0)).toBe('');
  });

  it('never splits a surrogate pair', () => {
    const cut = truncate('ab🚨🚨🚨', 4);
    expect(cut).toBe('ab…');
    expect(cut.length).toBeLessThanOrEqual(4);
  });

  it('drops an entity the cut would leave half-written', () => {
    expect(truncateEscaped('a &amp; b', 5)).toBe('a …');
  });
});

describe('slackMrkdwn', () => {
  it('neutralises, escapes and caps user text in one step', () => {
    expect(slackMrkdwn('<!channel> <b>down</b> & out\u001B[31m', 200)).toBe(
      `@${ZWSP}channel &lt;b&gt;down&lt;/b&gt; &amp; out [31m`,
    );
    expect(slackMrkdwn('&'.repeat(100), 12).length).toBeLessThanOrEqual(12);
  });
});
