import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { isIgnored } from '../src/incident/event-types.js';
import { normalizeEvent } from '../src/incident/normalize-event.js';

const DEPLOY = join(import.meta.dirname, '..', 'deploy');

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

async function kubernetesObjects(): Promise<Obj[]> {
  const dir = join(DEPLOY, 'kubernetes');
  const objects: Obj[] = [];
  for (const file of (await readdir(dir)).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')) {
    for (const doc of parseAllDocuments(await readFile(join(dir, file), 'utf8'))) {
      expect(doc.errors, file).toEqual([]);
      objects.push(doc.toJS() as Obj);
    }
  }
  return objects;
}

const podSpecs = (objects: Obj[]): [string, Obj][] =>
  objects.flatMap((o): [string, Obj][] => {
    if (o.kind === 'Job' || o.kind === 'Deployment') return [[`${o.kind}`, o.spec.template.spec]];
    if (o.kind === 'CronJob') return [['CronJob', o.spec.jobTemplate.spec.template.spec]];
    return [];
  });

describe('deploy/kubernetes', () => {
  it('grants reads only, never Secrets, and writes only Leases and Jobs in its own namespace', async () => {
    const roles = (await kubernetesObjects()).filter((o) => o.kind === 'Role' || o.kind === 'ClusterRole');
    expect(roles.length).toBeGreaterThan(2);
    for (const role of roles) {
      for (const rule of role.rules as Obj[]) {
        expect(rule.resources, role.metadata.name).not.toContain('secrets');
        expect(rule.resources).not.toContain('*');
        expect(rule.verbs).not.toContain('*');
        const writes = (rule.verbs as string[]).filter((v) => !['get', 'list', 'watch'].includes(v));
        if (writes.length === 0) continue;
        expect(role.kind, `${role.metadata.name} writes`).toBe('Role');
        expect(role.metadata.namespace).toBe('sre-agent');
        // Create a Lease (the dedupe claim) or a Job (a dispatched diagnosis); delete only a Lease,
        // to give a claim back when the post failed.
        expect(['create', 'delete']).toEqual(expect.arrayContaining(writes));
        expect(['leases', 'jobs']).toEqual(expect.arrayContaining(rule.resources as string[]));
        if (writes.includes('delete')) expect(rule.resources).toEqual(['leases']);
      }
    }
  });

  it('has a ServiceAccount for runs, a Job template and a CronJob without retries and with a deadline', async () => {
    const objects = await kubernetesObjects();
    expect(objects.filter((o) => o.kind === 'ServiceAccount').map((o) => o.metadata.name)).toContain(
      'sre-agent',
    );
    const job = objects.find((o) => o.kind === 'Job') as Obj;
    const cron = objects.find((o) => o.kind === 'CronJob') as Obj;
    for (const spec of [job.spec, cron.spec.jobTemplate.spec]) {
      expect(spec.backoffLimit).toBe(0);
      expect(spec.activeDeadlineSeconds).toBeGreaterThan(300);
      expect(spec.template.spec.serviceAccountName).toBe('sre-agent');
      const container = spec.template.spec.containers[0];
      expect(container.command.slice(0, 2)).toEqual(['sre-agent', 'run-event']);
      const trigger = container.env.find((e: Obj) => e.name === 'SRE_TRIGGER_JSON').value as string;
      const incident = normalizeEvent(JSON.parse(trigger), { now: new Date(), source: 'job' });
      expect(isIgnored(incident)).toBe(false);
    }
  });

  it('runs every container non-root, without privilege escalation, on a read-only root filesystem', async () => {
    for (const [kind, spec] of podSpecs(await kubernetesObjects())) {
      expect(spec.securityContext.runAsNonRoot, kind).toBe(true);
      for (const container of spec.containers as Obj[]) {
        expect(container.securityContext).toMatchObject({
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
        });
        expect(container.envFrom).toContainEqual({ secretRef: { name: 'sre-agent' } });
      }
    }
  });

  it('exposes the Slack endpoint: a Deployment running serve slack, and a Service selecting it', async () => {
    const objects = await kubernetesObjects();
    const deployment = objects.find((o) => o.kind === 'Deployment') as Obj;
    const service = objects.find((o) => o.kind === 'Service') as Obj;
    const container = deployment.spec.template.spec.containers[0];
    expect(container.command.slice(0, 3)).toEqual(['sre-agent', 'serve', 'slack']);
    expect(container.command).toContain('0.0.0.0');
    expect(container.readinessProbe.httpGet.path).toBe('/healthz');
    expect(deployment.spec.template.metadata.labels).toMatchObject(service.spec.selector);
    expect(service.spec.ports[0].targetPort).toBe(container.ports[0].name);
  });
});

describe('deploy/aws/template.yaml', () => {
  it('wires an alarm through SNS to the bundled handler on Node 24, with a role that can only write its logs and invoke one Bedrock model', async () => {
    const text = await readFile(join(DEPLOY, 'aws', 'template.yaml'), 'utf8');
    // Intrinsic functions (!Ref, !Sub, …) are read as their arguments.
    const template = parse(text, { logLevel: 'silent' }) as Obj;
    const fn = template.Resources.Function.Properties;
    expect(template.Resources.Function.Type).toBe('AWS::Serverless::Function');
    expect(fn).toMatchObject({ Handler: 'dist/lambda/index.handler', Runtime: 'nodejs24.x' });
    expect(fn.CodeUri).toBe('../../build/lambda/sre-agent-lambda.zip');
    expect(fn.Events.Alarms).toEqual({ Type: 'SNS', Properties: { Topic: 'AlarmTopic' } });
    expect(template.Resources.RestartsAlarm.Properties.AlarmActions).toEqual(['AlarmTopic']);
    expect(text).toContain('AlarmActions: [!Ref AlarmTopic]');
    // The Bedrock policy sits behind a condition: !If [UseBedrock, policy, NoValue].
    const policies = template.Resources.FunctionRole.Properties.Policies as Obj[];
    const statements = policies.flatMap((p: Obj) =>
      Array.isArray(p) ? (p[1].PolicyDocument.Statement as Obj[]) : (p.PolicyDocument.Statement as Obj[]),
    );
    expect(statements).toEqual([
      {
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: '${FunctionLogGroup.Arn}:*',
      },
      {
        Effect: 'Allow',
        Action: ['bedrock:InvokeModel'],
        Resource: [
          'arn:${AWS::Partition}:bedrock:${AWS::Region}:${AWS::AccountId}:inference-profile/${BedrockModelId}',
          'arn:${AWS::Partition}:bedrock:*::foundation-model/${BedrockFoundationModel}',
        ],
      },
    ]);
    expect(template.Parameters.LlmProvider.Default).toBe('bedrock');
    expect(fn.Environment.Variables.SRE_AGENT_LLM).toEqual([
      'UseBedrock',
      'bedrock',
      ['HasAnthropicKey', 'anthropic', 'offline'],
    ]);
    expect(template.Resources.FunctionRole.Properties.ManagedPolicyArns).toBeUndefined();
  });
});

describe('deploy/slack-app-manifest.yaml and Dockerfile', () => {
  it('declares /sre at /slack/commands with the bot scopes it needs: post, commands, history to find a post whose answer timed out, and user groups for approvers', async () => {
    const manifest = parse(await readFile(join(DEPLOY, 'slack-app-manifest.yaml'), 'utf8')) as Obj;
    const command = manifest.features.slash_commands[0];
    expect(command.command).toBe('/sre');
    expect(command.url).toMatch(/\/slack\/commands$/);
    expect(manifest.oauth_config.scopes.bot.sort()).toEqual([
      'channels:history',
      'chat:write',
      'commands',
      'groups:history',
      'usergroups:read',
    ]);
  });

  it('builds in two stages and runs as a non-root user', async () => {
    const dockerfile = await readFile(join(DEPLOY, '..', 'Dockerfile'), 'utf8');
    expect(dockerfile.match(/^FROM /gm)).toHaveLength(2);
    const runtime = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    expect(runtime).toMatch(/^USER 10001:10001$/m);
    expect(runtime).toContain('COPY --from=build /src/node_modules ./node_modules');
    expect(runtime).not.toMatch(/npm (ci|install)/);
  });
});

describe('deploy/kubernetes-actions (opt-in rollback)', () => {
  it('grants get and patch on Deployments and list on ReplicaSets, namespaced, to the Slack endpoint only', async () => {
    const file = join(DEPLOY, 'kubernetes-actions', 'rbac-rollback.yaml');
    const objects = parseAllDocuments(await readFile(file, 'utf8')).map((d) => d.toJS() as Obj);
    const roles = objects.filter((o) => o.kind === 'Role' || o.kind === 'ClusterRole');
    expect(roles.map((r) => r.kind)).toEqual(['Role']);
    expect((roles[0] as Obj).rules).toEqual([
      { apiGroups: ['apps'], resources: ['deployments'], verbs: ['get', 'patch'] },
      { apiGroups: ['apps'], resources: ['replicasets'], verbs: ['list'] },
    ]);
    const binding = objects.find((o) => o.kind === 'RoleBinding') as Obj;
    expect(binding.metadata.namespace).toBe((roles[0] as Obj).metadata.namespace);
    expect(binding.subjects).toEqual([
      { kind: 'ServiceAccount', name: 'sre-agent-slack', namespace: 'sre-agent' },
    ]);
    // Not part of the default install: `kubectl apply -k deploy/kubernetes` stays read-only.
    const kustomization = await readFile(join(DEPLOY, 'kubernetes', 'kustomization.yaml'), 'utf8');
    expect(kustomization).not.toMatch(/actions/);
  });

  it('points the Slack app manifest’s interactivity at /slack/actions', async () => {
    const manifest = parse(await readFile(join(DEPLOY, 'slack-app-manifest.yaml'), 'utf8')) as Obj;
    expect(manifest.settings.interactivity).toEqual({
      is_enabled: true,
      request_url: expect.stringMatching(/\/slack\/actions$/),
    });
  });
});
