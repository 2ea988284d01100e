import { describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';

describe('sre-agent eval with an engine it cannot use', () => {
  it('--llm anthropic without a key: one usage error naming ANTHROPIC_API_KEY, exit 2, no table', async () => {
    const { code, stdout, stderr } = await runCli(['eval', '--llm', 'anthropic']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/ANTHROPIC_API_KEY/);
    expect(stdout).not.toMatch(/FAIL|passed/);
  });

  it('the same when SRE_AGENT_LLM asks for it', async () => {
    const { code, stderr } = await runCli(['eval'], { SRE_AGENT_LLM: 'anthropic' });
    expect(code).toBe(2);
    expect(stderr.trim().split('\n').at(-1)).toMatch(/^sre-agent: .*ANTHROPIC_API_KEY/);
  });
});
