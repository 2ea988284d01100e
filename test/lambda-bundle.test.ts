import { execFile } from 'node:child_process';
import { builtinModules } from 'node:module';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { inflateRawSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LambdaResult } from '../src/lambda.js';
import { loadScenario } from '../src/sandbox/scenario.js';
import { startSandbox, type Sandbox } from '../src/sandbox/sandbox.js';
import { snsAlarmEvent } from './helpers/cloudwatch-events.js';

const ROOT = join(import.meta.dirname, '..');

/** Read every file of a zip (central directory, then each local header; stored or deflated). */
function unzip(zip: Buffer): Map<string, Buffer> {
  const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (eocd < 0) throw new Error('no end of central directory: not a zip');
  const count = zip.readUInt16LE(eocd + 10);
  let at = zip.readUInt32LE(eocd + 16);
  const files = new Map<string, Buffer>();
  for (let i = 0; i < count; i += 1) {
    if (zip.readUInt32LE(at) !== 0x02014b50) throw new Error('bad central directory entry');
    const method = zip.readUInt16LE(at + 10);
    const compressedSize = zip.readUInt32LE(at + 20);
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    const localHeader = zip.readUInt32LE(at + 42);
    const name = zip.toString('utf8', at + 46, at + 46 + nameLength);
    const dataStart =
      localHeader + 30 + zip.readUInt16LE(localHeader + 26) + zip.readUInt16LE(localHeader + 28);
    const data = zip.subarray(dataStart, dataStart + compressedSize);
    files.set(name, method === 8 ? inflateRawSync(data) : Buffer.from(data));
    at += 46 + nameLength + extraLength + commentLength;
  }
  return files;
}

describe('npm run package:lambda: the zipped single-file bundle', () => {
  let work: string;
  let sandbox: Sandbox;
  let files: Map<string, Buffer>;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'sre-agent-lambda-'));
    // The same script `npm run package:lambda` runs, into a directory of the test's own.
    await promisify(execFile)(
      process.execPath,
      [join(ROOT, 'deploy/aws/package-lambda.mjs'), '--out', join(work, 'out')],
      {
        cwd: ROOT,
      },
    );
    files = unzip(await readFile(join(work, 'out', 'sre-agent-lambda.zip')));
    for (const [name, content] of files) {
      await mkdir(dirname(join(work, 'task', name)), { recursive: true });
      await writeFile(join(work, 'task', name), content);
    }
    sandbox = await startSandbox(await loadScenario(join(ROOT, 'scenarios', 'cart-service-loafers')));
  }, 120_000);

  afterAll(async () => {
    await sandbox?.close();
    await rm(work, { recursive: true, force: true });
  });

  it('holds one bundle, its CLI launcher, the prompts and a module package.json', () => {
    expect([...files.keys()].filter((n) => !n.endsWith('LEGAL.txt')).sort()).toEqual([
      'bin/sre-agent.js',
      'dist/lambda/index.mjs',
      'package.json',
      'prompts/system.md',
      'prompts/task.md',
    ]);
    expect(JSON.parse(files.get('package.json')?.toString() ?? '{}')).toMatchObject({ type: 'module' });
    // Nothing is left to resolve from node_modules (a Lambda task has none) but Node's own modules,
    // and the optional native helpers that ws and node-fetch try inside try/catch.
    const bundle = files.get('dist/lambda/index.mjs')?.toString() ?? '';
    const specifiers = [
      ...bundle.matchAll(/^import .* from ['"]([^'"]+)['"]/gm),
      ...bundle.matchAll(/__require\("([^"]+)"\)/g),
    ].map((m) => m[1] as string);
    expect(specifiers.length).toBeGreaterThan(0);
    const external = specifiers.filter((s) => !builtinModules.includes(s.replace(/^node:/, '')));
    expect([...new Set(external)].sort()).toEqual(['bufferutil', 'encoding', 'utf-8-validate']);
  });

  it('diagnoses the cart scenario from an SNS event with the handler loaded from the extracted file', async () => {
    const saved = { ...process.env };
    // A Lambda reads its configuration from the process environment, as this handler does.
    Object.assign(process.env, sandbox.env, { SRE_AGENT_DEDUPE: 'kubernetes' });
    delete process.env.ANTHROPIC_API_KEY;
    delete process.env.ANTHROPIC_BASE_URL;
    try {
      const bundle = (await import(
        pathToFileURL(join(work, 'task', 'dist', 'lambda', 'index.mjs')).href
      )) as {
        handler: (event: unknown, context: unknown) => Promise<LambdaResult>;
      };
      const context = { awsRequestId: 'bundle-1', getRemainingTimeInMillis: () => 120_000 };
      const result = await bundle.handler(snsAlarmEvent(), context);
      expect(result).toMatchObject({
        status: 'reported',
        service: 'cart-service',
        reportStatus: 'diagnosed',
        posted: true,
      });
      const posts = sandbox.slackMessages().filter((m) => !m.thread_ts);
      expect(posts).toHaveLength(1);
      expect(posts[0]?.text.toLowerCase()).toContain('loafers');
      expect(JSON.stringify(posts[0]?.blocks)).toContain('RedisCartStore.cs');
      // SNS redelivers: the second delivery finds the claim and posts nothing.
      expect(await bundle.handler(snsAlarmEvent(), { ...context, awsRequestId: 'bundle-2' })).toMatchObject({
        status: 'duplicate',
      });
      expect(sandbox.slackMessages().filter((m) => !m.thread_ts)).toHaveLength(1);
    } finally {
      for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
      Object.assign(process.env, saved);
    }
  }, 150_000);
});
