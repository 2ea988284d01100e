import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDuration } from '../src/config/duration.js';
import { loadSettings } from '../src/config/load.js';
import { UsageError } from '../src/errors/errors.js';

async function configFile(name: string, text: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'sre-config-'));
  const file = path.join(dir, name);
  await writeFile(file, text);
  return file;
}

describe('settings', () => {
  it('needs no file: defaults, with flags over environment', async () => {
    const s = await loadSettings(
      { service: 'cart-service', model: 'm-flag' },
      { SRE_AGENT_MODEL: 'm-env', SLACK_CHANNEL_ID: 'C1' },
    );
    expect(s).toMatchObject({
      service: 'cart-service',
      namespace: 'default',
      namespaces: ['default'],
      model: 'm-flag',
      timeoutMs: 300_000,
      maxTurns: 15,
      output: 'text',
      slack: { enabled: true, channel: 'C1' },
    });
  });

  it('refuses a namespace outside the allowed ones, naming the flag and the fix', async () => {
    const attempt = loadSettings({ service: 'cart', namespace: 'kube-system' }, {});
    await expect(attempt).rejects.toBeInstanceOf(UsageError);
    await expect(attempt).rejects.toThrow(
      /--namespace: 'kube-system' is outside the allowed namespaces \(default\)/,
    );
  });

  it('reads YAML config and applies aliases and namespaces', async () => {
    const file = await configFile(
      'c.yaml',
      'namespaces: [shop, default]\nserviceAliases: { cart: cartservice }\ntimeout: 90s\n',
    );
    const s = await loadSettings({ service: 'cart', config: file }, {});
    expect(s).toMatchObject({
      service: 'cartservice',
      namespace: 'shop',
      namespaces: ['shop', 'default'],
      timeoutMs: 90_000,
    });
  });

  it('names the file and field of a typo in the config', async () => {
    const file = await configFile('c.json', JSON.stringify({ namespace: ['x'] }));
    await expect(loadSettings({ service: 'cart', config: file }, {})).rejects.toThrow(/c\.json: .*namespace/);
  });

  it('names the flag of a bad value', async () => {
    await expect(loadSettings({ service: 'cart', timeout: 'soon' }, {})).rejects.toThrow(
      /--timeout: 'soon' is not a duration/,
    );
    await expect(loadSettings({ service: 'cart', maxTurns: '0' }, {})).rejects.toThrow(/--max-turns/);
    await expect(loadSettings({ service: 'cart', output: 'xml' }, {})).rejects.toThrow(/--output: 'xml'/);
  });
});

describe('durations', () => {
  it('parses the usual forms', () => {
    expect(parseDuration('5m', 'x')).toBe(300_000);
    expect(parseDuration('1m30s', 'x')).toBe(90_000);
    expect(parseDuration('250ms', 'x')).toBe(250);
    expect(parseDuration('2', 'x')).toBe(2000);
  });
});
