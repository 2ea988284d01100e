import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ContextGuard } from '../src/agent/context-guard.js';
import { toolSchemaForApi } from '../src/mcp/api-tool-schema.js';
import type { Report } from '../src/report/schema.js';
import { startFakeMessagesApi, type FakeMessagesApi } from './fakes/fake-messages-api.js';
import { runCli } from './helpers/cli.js';
import { cartReference } from './helpers/scripted-models.js';

const UNION_SERVER = path.resolve('test/fixtures/servers/union-schema-mcp-server.mjs');

describe('tool schemas the Messages API accepts', () => {
  it('merges a top-level oneOf into optional properties, keeping only the requirements every branch shares', () => {
    const { schema, changes } = toolSchemaForApi({
      type: 'object',
      $schema: 'http://json-schema.org/draft-07/schema#',
      oneOf: [
        {
          properties: { pod: { type: 'string' }, namespace: { type: 'string' } },
          required: ['pod', 'namespace'],
        },
        {
          properties: { selector: { type: 'string' }, namespace: { type: 'string' } },
          required: ['selector', 'namespace'],
        },
      ],
    });
    expect(schema).toEqual({
      type: 'object',
      properties: { pod: { type: 'string' }, namespace: { type: 'string' }, selector: { type: 'string' } },
      required: ['namespace'],
    });
    expect(changes.join(' ')).toMatch(/top-level oneOf removed/);
  });

  it("leaves an ordinary schema as published, less $schema and zod's ±2^53 integer bounds", () => {
    const { schema, changes } = toolSchemaForApi({
      type: 'object',
      $schema: 'http://json-schema.org/draft-07/schema#',
      properties: { tail: { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER } },
      required: ['tail'],
    });
    expect(schema).toEqual({
      type: 'object',
      properties: { tail: { type: 'integer', minimum: 1 } },
      required: ['tail'],
    });
    expect(changes).toEqual([]);
  });
});

describe('the context guard', () => {
  it('makes the next turn the last once the prompt would pass 70% of the window less the output room', () => {
    const guard = new ContextGuard('claude-sonnet-5-5', 1_000, 10_000);
    expect(guard.limit).toBe(6_000);
    guard.observe({
      input_tokens: 100,
      cache_read_input_tokens: 4_000,
      cache_creation_input_tokens: 400,
      output_tokens: 200,
    });
    expect(guard.nearlyFull(3_000)).toBe(false);
    expect(guard.nearlyFull(6_000)).toBe(true);
  });
});

describe('a community server whose schema the API would refuse', () => {
  let fake: FakeMessagesApi | undefined;
  afterEach(async () => {
    await fake?.close();
    fake = undefined;
  });

  async function configWithUnionServer(): Promise<string> {
    const dir = await mkdtemp(path.join(tmpdir(), 'union-'));
    const file = path.join(dir, 'config.json');
    await writeFile(
      file,
      JSON.stringify({
        mcpServers: {
          workloads: { command: process.execPath, args: [UNION_SERVER], tools: ['describe_workload'] },
        },
      }),
    );
    return file;
  }

  it('is sent with an adjusted schema, so the run keeps its model, and config check says what changed', async () => {
    const config = await configWithUnionServer();
    fake = await startFakeMessagesApi({ script: cartReference });
    const { code, stdout, stderr } = await runCli(
      ['diagnose', '--service', 'cart-service', '--sandbox', '--output', 'json', '--config', config],
      { ANTHROPIC_API_KEY: 'k', ANTHROPIC_BASE_URL: fake.url },
    );
    expect(code, stderr).toBe(0);
    const report = JSON.parse(stdout) as Report;
    expect(fake.requests.every((r) => r.status === 200)).toBe(true);
    const sent = fake.requests[0]?.body.tools?.find((t) => t.name === 'workloads__describe_workload');
    expect(sent?.input_schema).toMatchObject({ type: 'object', properties: { pod: {}, selector: {} } });
    expect(report.engine).toBe('anthropic:claude-sonnet-5-5');

    const check = await runCli(['config', 'check', '--config', config, '--sandbox'], {}, 60_000);
    expect(check.code, check.stderr).toBe(0);
    expect(check.stdout).toMatch(
      /allowed {2}describe_workload[^\n]*\n\s+schema adjusted for the Messages API: top-level oneOf removed/,
    );
  });
});
