import { describe, expect, it } from 'vitest';

import { OfflineEngine } from '../src/llm/offline/engine.js';
import { podSecurityViolation } from '../src/llm/offline/rules/pod-creation.js';
import { engineContext, fakeTools, running, said } from './helpers/offline-fakes.js';

/**
 * Principle: Pod Security admission rejects pods at creation only, so a namespace that starts
 * enforcing a level keeps its running pods and fails the next rollout with FailedCreate on the new
 * ReplicaSet; the verdict names the level, the namespace label and the securityContext fields.
 */
const MESSAGE =
  'Error creating: pods "ledger-6f7d8c9b5-x2x4z" is forbidden: violates PodSecurity "baseline:v1.31": privileged (container "worker" must not set securityContext.privileged=true), hostPath volumes (volume "sock")';

describe('podSecurityViolation', () => {
  it('reads the level and each check, keeping commas inside the explanations', () => {
    const v = podSecurityViolation(
      'pods "a" is forbidden: violates PodSecurity "restricted:latest": allowPrivilegeEscalation != false (containers "a", "b" must set securityContext.allowPrivilegeEscalation=false), runAsNonRoot != true (pod or containers "a", "b" must set securityContext.runAsNonRoot=true)',
    );
    expect(v?.level).toBe('restricted:latest');
    expect(v?.checks).toHaveLength(2);
    expect(v?.fields).toEqual([
      'securityContext.allowPrivilegeEscalation=false',
      'securityContext.runAsNonRoot=true',
    ]);
    expect(podSecurityViolation('exceeded quota: q, requested: pods=1')).toBeNull();
  });
});

describe('a rollout rejected by Pod Security admission', () => {
  it('names the enforced level from the namespace label and the checks the pod template fails', async () => {
    const ctx = engineContext(
      fakeTools({
        workloads: {
          ledger: {
            workload: { kind: 'Deployment', name: 'ledger' },
            pods: [{ name: 'ledger-5c4b3a29d-qqqqq', containers: [running('worker')] }],
          },
        },
        events: [
          {
            type: 'Warning',
            reason: 'FailedCreate',
            object: 'ReplicaSet/ledger-6f7d8c9b5',
            count: 12,
            message: MESSAGE,
          },
        ],
        objects: [
          {
            kind: 'Namespace',
            metadata: { name: 'shop', labels: { 'pod-security.kubernetes.io/enforce': 'baseline' } },
          },
        ],
      }),
      { service: 'ledger' },
    );
    const f = await new OfflineEngine().diagnose(ctx);
    expect(f.status).toBe('diagnosed');
    expect(said(f)).toContain('Pod Security admission rejects them');
    expect(said(f)).toContain('pod-security.kubernetes.io/enforce=baseline');
    expect(said(f)).toContain('privileged (container "worker" must not set securityContext.privileged=true)');
    expect(f.suggestedFix).toContain('securityContext.privileged=true');
    expect(ctx.casebook.evidence[0]?.detail).toMatch(/^FailedCreate: violates PodSecurity "baseline:v1.31"/);
  });
});
