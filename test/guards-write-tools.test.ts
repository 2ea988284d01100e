import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { writeToolReason } from '../src/guards/withhold-write-tools.js';
import type { Report } from '../src/report/schema.js';
import { startFakeMessagesApi, type FakeMessagesApi } from './fakes/fake-messages-api.js';
import { runCli } from './helpers/cli.js';
import { goodSubmission, toolUse } from './helpers/scripted-models.js';

const REFERENCE_SLACK = fileURLToPath(
  new URL('./fixtures/community/reference-slack-server.mjs', import.meta.url),
);

/** The reference Slack server configured as `slack`, its post tools on the allowlist. */
async function configWithReferenceSlack(): Promise<{ dir: string; config: string }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'write-tools-'));
  const config = path.join(dir, 'sre-agent.json');
  await writeFile(
    config,
    JSON.stringify({
      mcpServers: {
        slack: {
          command: process.execPath,
          args: [REFERENCE_SLACK],
          tools: [
            'slack_list_channels',
            'slack_post_message',
            'slack_reply_to_thread',
            'slack_get_channel_history',
          ],
        },
      },
    }),
  );
  return { dir, config };
}

describe('which tools write', () => {
  it.each([
    'slack_post_message',
    'slack_reply_to_thread',
    'slack_add_reaction',
    'create_or_update_file',
    'push_files',
    'merge_pull_request',
    'create_issue',
    'add_issue_comment',
    'get_or_create_branch',
    'pods_delete',
    'pods_exec',
    'pods_run',
    'resources_create_or_update',
    'resources_delete',
    'helm_install',
    'rollout_restart',
    'scale_deployment',
    'kubectl_generic',
  ])('withholds %s by its name', (name) => {
    expect(writeToolReason({ name })).toMatch(/its name says it writes/);
  });

  it.each([
    'list_pods',
    'get_pod_logs',
    'check_access',
    'get_resources',
    'list_config_maps',
    'pods_log',
    'pods_list_in_namespace',
    'events_list',
    'resources_list',
    'slack_list_channels',
    'slack_get_channel_history',
    'slack_get_thread_replies',
    'get_file_contents',
    'list_commits',
    'search_code',
    'get_workflow_run',
  ])('offers %s, which reads', (name) => {
    expect(writeToolReason({ name, annotations: { readOnlyHint: true } })).toBeNull();
  });

  it('withholds a tool that its server annotates as writing, whatever its name', () => {
    expect(writeToolReason({ name: 'lookup', annotations: { readOnlyHint: false } })).toMatch(
      /readOnlyHint: false/,
    );
    expect(writeToolReason({ name: 'lookup', annotations: { destructiveHint: true } })).toMatch(
      /destructiveHint/,
    );
  });

  it('does not trust an annotation to allow a tool that its name says writes', () => {
    expect(writeToolReason({ name: 'delete_pod', annotations: { readOnlyHint: true } })).not.toBeNull();
  });
});

describe('the reference Slack server configured as slack', () => {
  let fake: FakeMessagesApi | undefined;
  afterEach(async () => {
    await fake?.close();
    fake = undefined;
  });

  it('config check lists its post tools as withheld, with the reason, and its reads as allowed', async () => {
    const { config } = await configWithReferenceSlack();
    const json = await runCli(
      ['config', 'check', '--config', config, '--sandbox', '--output', 'json'],
      {},
      60_000,
    );
    expect(json.code, json.stderr).toBe(0);
    const out = JSON.parse(json.stdout) as {
      servers: { name: string; tools: { name: string; status: string; reason?: string }[] }[];
    };
    const slack = out.servers.find((s) => s.name === 'slack');
    const status = Object.fromEntries(slack?.tools.map((t) => [t.name, t.status]) ?? []);
    expect(status).toMatchObject({
      slack_post_message: 'withheld',
      slack_reply_to_thread: 'withheld',
      slack_list_channels: 'allowed',
      slack_get_channel_history: 'allowed',
      // Not on the allowlist: hidden, as before.
      slack_add_reaction: 'hidden',
    });
    expect(slack?.tools.find((t) => t.name === 'slack_post_message')?.reason).toMatch(
      /never offered to the model, whatever the allowlist says/,
    );

    const text = await runCli(['config', 'check', '--config', config, '--sandbox'], {}, 60_000);
    expect(text.stdout).toMatch(
      /WITHHELD slack_post_message {2}sha256:[0-9a-f]{64} {2}\(its name says it writes \('post'\)/,
    );
  });

  it('never shows its post tool to the model, and refuses the call when the model names it anyway', async () => {
    const { dir, config } = await configWithReferenceSlack();
    fake = await startFakeMessagesApi({
      script: (_request, index) =>
        index === 0
          ? {
              content: [
                toolUse('slack__slack_post_message', { channel_id: 'C0GENERAL', text: 'ignore the runbook' }),
              ],
            }
          : { content: [toolUse('submit_diagnosis', goodSubmission)] },
    });
    const auditFile = path.join(dir, 'audit.jsonl');
    const { code, stdout, stderr } = await runCli(
      [
        'diagnose',
        '--service',
        'cart-service',
        '--sandbox',
        '--config',
        config,
        '--output',
        'json',
        '--audit-log',
        auditFile,
      ],
      { ANTHROPIC_API_KEY: 'test-key', ANTHROPIC_BASE_URL: fake.url },
    );
    expect(code, stderr).toBe(0);
    const offered = fake.requests[0]?.body?.tools?.map((t) => t.name) ?? [];
    expect(offered).toContain('slack__slack_list_channels');
    expect(offered.filter((name) => /post|reply|reaction/.test(name))).toEqual([]);
    // The model was told no, and why.
    expect(JSON.stringify(fake.requests[1]?.body?.messages.at(-1))).toMatch(
      /withheld: its name says it writes/,
    );
    const audit = (await readFile(auditFile, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(audit).toContainEqual(
      expect.objectContaining({ type: 'refusal', guard: 'read-only', target: 'slack__slack_post_message' }),
    );
    expect(audit.some((e) => e.type === 'tool_call' && e.tool === 'slack_post_message')).toBe(false);
    // Nothing reached a channel the model chose.
    const report = JSON.parse(stdout) as Report;
    expect(report.sandbox?.slackMessages.filter((m) => m.channel !== 'C0SANDBOX1')).toEqual([]);
  });
});
