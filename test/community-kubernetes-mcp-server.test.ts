import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Report } from '../src/report/schema.js';
import {
  startFakeMessagesApi,
  type FakeMessagesApi,
  type MessagesRequest,
  type ModelScript,
} from './fakes/fake-messages-api.js';
import { runCli } from './helpers/cli.js';
import { CART_FILE, text, toolResults, toolUse } from './helpers/scripted-models.js';

const EXAMPLE = path.resolve('examples/kubernetes-mcp-server.json');
const KUBERNETES_MCP_SERVER_TOOLS = [
  'pods_list_in_namespace',
  'pods_get',
  'pods_log',
  'events_list',
  'resources_get',
  'resources_list',
];

let fake: FakeMessagesApi | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function diagnose(extra: string[], env: Record<string, string> = {}) {
  const dir = await mkdtemp(path.join(tmpdir(), 'community-'));
  const audit = path.join(dir, 'audit.jsonl');
  const result = await runCli(
    [
      'diagnose',
      '--service',
      'cart-service',
      '--sandbox',
      '--output',
      'json',
      '--audit-log',
      audit,
      ...extra,
    ],
    env,
    120_000,
  );
  const lines = (await readFile(audit, 'utf8').catch(() => ''))
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { ...result, report: JSON.parse(result.stdout || 'null') as Report, audit: lines };
}

const kubernetesCalls = (audit: Record<string, unknown>[], caller?: string) =>
  audit
    .filter((e) => e.type === 'tool_call' && e.server === 'kubernetes' && (!caller || e.caller === caller))
    .map((e) => String(e.tool));

describe('kubernetes-mcp-server in place of the bundled Kubernetes server (examples/kubernetes-mcp-server.json)', () => {
  it('gives the offline engine the same root cause, suspect file and commit as the bundled server', async () => {
    const [bundled, community] = await Promise.all([diagnose([]), diagnose(['--config', EXAMPLE])]);
    expect(bundled.code, bundled.stderr).toBe(0);
    expect(community.code, community.stderr).toBe(0);
    expect(community.report.status).toBe('diagnosed');
    expect(community.report.degraded).toBe(false);
    expect(community.report.rootCause).toEqual(bundled.report.rootCause);
    expect(community.report.summary).toEqual(bundled.report.summary);
    expect(community.report.suspectFiles).toEqual(bundled.report.suspectFiles);
    expect(community.report.suspectFiles[0]?.path).toBe(CART_FILE);
    expect(community.report.suspectCommits).toEqual(bundled.report.suspectCommits);
    // Every Kubernetes read went to kubernetes-mcp-server's own tools, none to ours.
    const calls = kubernetesCalls(community.audit);
    expect(calls).toContain('pods_list_in_namespace');
    expect(calls).toContain('pods_log');
    expect(calls).toContain('events_list');
    expect(calls.every((tool) => KUBERNETES_MCP_SERVER_TOOLS.includes(tool))).toBe(true);
    expect(kubernetesCalls(bundled.audit)).toContain('list_pods');
    // The pinned definitions matched: nothing was withheld.
    expect(community.audit.some((e) => e.type === 'tool_withheld')).toBe(false);
    expect(community.report.sandbox?.slackMessages[0]?.text).toContain('cart-service');
  });

  /**
   * An investigator that knows only kubernetes-mcp-server's tools: it reads the table of pods, the
   * log of the first one, the events, then the file and history the stack trace points to, and
   * submits what it read (file, line, commit), not a canned answer.
   */
  const communityInvestigator: ModelScript = (request: MessagesRequest, index) => {
    const results = toolResults(request);
    const last = results.at(-1) ?? '';
    switch (index) {
      case 0:
        return {
          content: [
            text('Finding the workload behind cart-service.'),
            toolUse('kubernetes__resources_list', {
              apiVersion: 'apps/v1',
              kind: 'Deployment',
              namespace: 'default',
            }),
          ],
        };
      case 1: {
        const selector = /cartservice\s+.*?\s(app=cartservice)\s/.exec(last)?.[1] ?? 'app=cartservice';
        return {
          content: [
            toolUse('kubernetes__pods_list_in_namespace', { namespace: 'default', labelSelector: selector }),
          ],
        };
      }
      case 2: {
        const pod = /^default\s+v1\s+Pod\s+(\S+)/m.exec(last)?.[1];
        if (!pod) throw new Error(`no pod in the table: ${last}`);
        return {
          content: [
            toolUse('kubernetes__pods_log', { name: pod, namespace: 'default', tail: 300 }),
            toolUse('kubernetes__events_list', { namespace: 'default' }),
          ],
        };
      }
      case 3:
        return { content: [toolUse('github__search_code', { query: 'filename:RedisCartStore.cs' })] };
      case 4:
        return { content: [toolUse('github__list_commits', { path: CART_FILE })] };
      default: {
        const log = results.find((r) => r.includes('InvalidOperationException')) ?? '';
        const line = Number(/RedisCartStore\.cs:line (\d+)/.exec(log)?.[1]);
        const exception = /System\.InvalidOperationException: ([^\\"\n]+)/.exec(log)?.[1] ?? '';
        const sha = /\b([0-9a-f]{40})\b/.exec(last)?.[1] ?? '';
        return {
          content: [
            toolUse('submit_diagnosis', {
              status: 'diagnosed',
              summary: `cart-service fails AddItem: ${exception}.`,
              rootCause: {
                statement: `RedisCartStore.AddItemAsync throws InvalidOperationException (${exception}) at RedisCartStore.cs:${line}, added by commit ${sha.slice(0, 7)}.`,
                confidence: 'high',
              },
              evidence: [{ source: 'logs', detail: exception, ref: `${CART_FILE}:${line}` }],
              suspectFiles: [{ path: CART_FILE, line }],
              suspectCommits: [{ sha }],
              suggestedFix: `Remove the check or revert ${sha.slice(0, 7)}.`,
            }),
          ],
        };
      }
    }
  };

  it('gives a model the same diagnosis through kubernetes-mcp-server’s tool names', async () => {
    fake = await startFakeMessagesApi({ script: communityInvestigator });
    const { code, stderr, report, audit } = await diagnose(['--config', EXAMPLE], {
      ANTHROPIC_API_KEY: 'test-key',
      ANTHROPIC_BASE_URL: fake.url,
    });
    expect(code, stderr).toBe(0);
    expect(report.engine).toBe('anthropic:claude-sonnet-5-5');
    expect(report.degraded).toBe(false);
    expect(report.status).toBe('diagnosed');
    expect(report.rootCause.statement.toLowerCase()).toContain('loafers');
    expect(report.rootCause.statement).toContain('RedisCartStore.cs:64');
    // The link is the host's, built from the configured repository, path and line.
    expect(report.suspectFiles).toEqual([
      {
        path: CART_FILE,
        line: 64,
        url: `https://github.com/fuzzylabs/microservices-demo/blob/HEAD/${CART_FILE}#L64`,
      },
    ]);
    expect(report.suspectCommits[0]?.sha.startsWith('d3bf18b')).toBe(true);
    // The model was shown kubernetes-mcp-server's allowlisted tools, and none of the bundled ones.
    const offered = (fake.requests[0]?.body.tools ?? []).map((t) => t.name);
    for (const tool of KUBERNETES_MCP_SERVER_TOOLS) expect(offered).toContain(`kubernetes__${tool}`);
    expect(offered).not.toContain('kubernetes__list_pods');
    expect(offered).not.toContain('kubernetes__pods_list');
    expect(offered.every((name) => !name.includes('@'))).toBe(true);
    // The model's own calls (the host's first look is audited as caller host), in the order they finish.
    expect(kubernetesCalls(audit, 'engine').sort()).toEqual([
      'events_list',
      'pods_list_in_namespace',
      'pods_log',
      'resources_list',
    ]);
    expect(audit.filter((e) => e.type === 'refusal')).toEqual([]);
  });
});
