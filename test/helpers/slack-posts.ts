import { expect } from 'vitest';
import type { SandboxSlackMessage } from '../../src/report/schema.js';

/**
 * One report is one top-level post; evidence beyond the main message may follow as replies in its
 * thread. Asserts exactly that and returns the top-level post.
 */
export function expectOnePost(
  messages: SandboxSlackMessage[] | undefined,
  label?: string,
): SandboxSlackMessage {
  const all = messages ?? [];
  const top = all.filter((m) => !m.thread_ts);
  expect(top, label).toHaveLength(1);
  const post = top[0] as SandboxSlackMessage;
  for (const reply of all.filter((m) => m.thread_ts)) {
    expect(reply.thread_ts, label).toBe(post.ts);
    expect(reply.channel, label).toBe(post.channel);
  }
  return post;
}
