import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Report } from '../src/report/schema.js';
import { runCli } from './helpers/cli.js';

const SCENARIO = path.resolve('scenarios/cart-service-loafers');

describe('sre-agent diagnose --sandbox (the whole CLI as a child process)', () => {
  it('prints exactly one JSON report naming RedisCartStore.cs and loafers, and posts once to the configured channel', async () => {
    const { code, stdout, stderr } = await runCli([
      'diagnose',
      '--service',
      'cart-service',
      '--sandbox',
      '--output',
      'json',
    ]);
    expect(code, stderr).toBe(0);
    const report = JSON.parse(stdout) as Report;
    for (const field of [
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
    ]) {
      expect(report).toHaveProperty(field);
    }
    for (const field of [
      'turns',
      'toolCalls',
      'inputTokens',
      'cacheReadTokens',
      'cacheWriteTokens',
      'outputTokens',
      'costUsd',
    ]) {
      expect(report.usage).toHaveProperty(field);
    }
    expect(report.status).toBe('diagnosed');
    expect(report.engine).toBe('offline');
    expect(report.rootCause.statement).toMatch(/RedisCartStore\.cs/);
    expect(report.rootCause.statement.toLowerCase()).toContain('loafers');
    expect(report.suspectFiles[0]?.path).toBe('src/cartservice/src/cartstore/RedisCartStore.cs');
    expect(report.suspectCommits[0]?.sha.startsWith('d3bf18b')).toBe(true);
    expect(report.evidence.length).toBeGreaterThan(2);
    const messages = report.sandbox?.slackMessages ?? [];
    expect(messages).toHaveLength(1);
    expect(messages[0]?.channel).toBe(report.slack.channel);
    expect(report.slack.posted).toBe(true);
    expect(messages[0]?.text).toContain('cart-service');
    // The Redis password in the scenario's ConfigMap must appear nowhere.
    expect(stdout).not.toContain('S3cr3tR3dis');
  });

  it('prints a readable text report by default, with logs on stderr only', async () => {
    const { code, stdout, stderr } = await runCli(['diagnose', '--service', 'cart-service', '--sandbox']);
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(/DIAGNOSED/);
    expect(stdout).toMatch(/RedisCartStore\.cs:64/);
    expect(stdout).not.toMatch(/"level"/);
  });

  it('renders markdown on request', async () => {
    const { code, stdout } = await runCli([
      'diagnose',
      '--service',
      'cart-service',
      '--sandbox',
      '--output',
      'markdown',
      '--no-slack',
    ]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^#/m);
    expect(stdout).toContain('RedisCartStore.cs');
  });

  it('reports a service that matches no workload, naming the closest ones', async () => {
    const { code, stdout } = await runCli([
      'diagnose',
      '--service',
      'checkout',
      '--sandbox',
      'cart-service-loafers',
      '--output',
      'json',
    ]);
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as Report;
    expect(report.status).toBe('inconclusive');
    expect(report.summary).toMatch(/No workload named 'checkout'/);
    expect(report.summary).toContain('cartservice');
  });
});

describe('bad input', () => {
  it('exits 2 naming --service when it is missing', async () => {
    const { code, stderr, stdout } = await runCli(['diagnose', '--sandbox']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/--service is required/);
    expect(stdout).toBe('');
  });

  it('exits 2 naming the flag for a namespace outside the allowed ones, before reading anything', async () => {
    const { code, stderr } = await runCli([
      'diagnose',
      '--service',
      'cart-service',
      '--sandbox',
      '--namespace',
      'kube-system',
    ]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/--namespace: 'kube-system' is outside the allowed namespaces/);
  });

  it('exits 2 naming the file and field of a malformed scenario', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'bad-scenario-'));
    await cp(SCENARIO, dir, { recursive: true });
    const file = path.join(dir, 'scenario.yaml');
    await writeFile(
      file,
      (await readFile(file, 'utf8')).replace(/^repository: .*$/m, 'repository: not-a-repo'),
    );
    const { code, stderr } = await runCli(['diagnose', '--service', 'cart-service', '--sandbox', dir]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/scenario\.yaml/);
    expect(stderr).toMatch(/repository/);
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it('exits 2 on an unknown flag value without a stack trace', async () => {
    const { code, stderr } = await runCli(['diagnose', '--service', 'cart-service', '--output', 'xml']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/xml/);
    expect(stderr).not.toMatch(/\n\s+at /);
  });
});
