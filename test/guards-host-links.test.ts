import { describe, expect, it } from 'vitest';
import {
  githubWebBase,
  linksToFile,
  repositoryLinks,
  withHostBuiltLinks,
} from '../src/guards/host-built-links.js';
import { renderSlackMessage } from '../src/report/render-slack.js';
import type { Report } from '../src/report/schema.js';

const links = repositoryLinks('acme/shop', undefined);

describe('links built by the host', () => {
  it('drops a submitted URL and links the configured repository at the path and line', () => {
    const files = withHostBuiltLinks(
      [
        { path: 'src/cart/RedisCartStore.cs', line: 87, url: 'https://evil.example/login?next=src/cart' },
        { path: 'src/my file.go', url: 'javascript:alert(1)' },
      ],
      links,
    );
    expect(files).toEqual([
      {
        path: 'src/cart/RedisCartStore.cs',
        line: 87,
        url: 'https://github.com/acme/shop/blob/HEAD/src/cart/RedisCartStore.cs#L87',
      },
      { path: 'src/my file.go', url: 'https://github.com/acme/shop/blob/HEAD/src/my%20file.go' },
    ]);
  });

  it('gives no link at all without a configured repository', () => {
    expect(withHostBuiltLinks([{ path: 'a.go', url: 'https://evil.example/a.go' }], null)).toEqual([
      { path: 'a.go' },
    ]);
    expect(repositoryLinks('not a repo', undefined)).toBeNull();
  });

  it('links into GitHub Enterprise when the API is one, and github.com otherwise', () => {
    expect(githubWebBase('https://ghe.acme.internal/api/v3')).toBe('https://ghe.acme.internal');
    expect(githubWebBase('https://api.github.com')).toBe('https://github.com');
    expect(githubWebBase('http://127.0.0.1:4567')).toBe('https://github.com');
  });

  it('recognises a link to the file it labels, and nothing else', () => {
    const file = { path: 'src/cart/RedisCartStore.cs' };
    expect(linksToFile('https://github.com/acme/shop/blob/main/src/cart/RedisCartStore.cs#L87', file)).toBe(
      true,
    );
    expect(linksToFile('https://evil.example/src/cart/RedisCartStore.cs', file)).toBe(false);
    expect(linksToFile('https://evil.example/x/blob/main/src/cart/RedisCartStore.cs?a=1', file)).toBe(false);
    expect(linksToFile('https://evil.example/x/blob/main/src/cart/Other.cs', file)).toBe(false);
  });

  it('never puts a foreign URL behind a file label in the Slack post', () => {
    const report = {
      service: 'cart',
      namespace: 'default',
      status: 'diagnosed',
      summary: 'Cart fails.',
      rootCause: { statement: 'A bug.', confidence: 'high' },
      evidence: [],
      suspectFiles: [{ path: 'src/cart/RedisCartStore.cs', line: 87, url: 'https://evil.example/phish' }],
      suspectCommits: [],
      suggestedFix: '',
      engine: 'offline',
      degraded: false,
      degradedReasons: [],
      gaps: [],
      slack: { posted: false, channel: null, ts: null },
      usage: {
        turns: 0,
        toolCalls: 0,
        inputTokens: 0,
        cacheReadTokens: 0,
        cacheWriteTokens: 0,
        outputTokens: 0,
        costUsd: 0,
      },
      durationMs: 0,
    } satisfies Report;
    const message = JSON.stringify(renderSlackMessage(report));
    expect(message).not.toContain('evil.example');
    expect(message).toContain('src/cart/RedisCartStore.cs:87');
  });
});
