import type { EngineContext } from '../../engine.js';
import { toolFor } from '../capabilities.js';
import { readObject, readObjects } from '../cluster-read.js';
import type { ServiceFacts } from '../facts.js';
import { at, labelsOf, list, nameOf, stringMap, type KubeObject } from '../k8s-object.js';
import { parseQuantity } from '../../../util/quantity.js';
import { quote } from '../quote.js';
import type { EventInfo } from '../tool-data.js';
import { times, type Rule } from './verdict.js';

/** `exceeded quota: compute, requested: limits.memory=512Mi, used: limits.memory=1792Mi, limited: limits.memory=2Gi` */
export interface QuotaRejection {
  quota: string;
  requested: string;
  used: string;
  limited: string;
}

export function parseQuotaRejection(message: string): QuotaRejection | null {
  const m = message.match(
    /exceeded quota: ([\w.-]+), requested: (\S+?), used: (\S+?), limited: (\S+?)(?:$|\s|"|,?\s)/,
  );
  if (!m) return null;
  return { quota: m[1] as string, requested: m[2] as string, used: m[3] as string, limited: m[4] as string };
}

/** What a LimitRange rejection says: `maximum memory usage per Container is 1Gi, but limit is 2Gi`. */
export function limitRangeViolations(message: string): string[] {
  return [
    ...message.matchAll(
      /(?:maximum|minimum) (?:cpu|memory|ephemeral-storage|storage) usage per (?:Container|Pod|PersistentVolumeClaim) is [^,\]]+, but (?:limit|request) is [^,\]]+|(?:memory|cpu) max limit to request ratio per Container is [^,\]]+/gi,
    ),
  ].map((m) => m[0]);
}

interface CreateFailure {
  controller: string;
  message: string;
  count: number;
}

/** FailedCreate events on the workload's controllers, or a ReplicaFailure condition on it. */
async function createFailures(ctx: EngineContext, facts: ServiceFacts): Promise<CreateFailure[]> {
  const fromEvents = facts.related
    .filter(
      (e: EventInfo) => e.reason === 'FailedCreate' && e.type === 'Warning' && !/^Pod\//.test(e.object ?? ''),
    )
    .map((e) => ({ controller: e.object ?? '', message: e.message ?? '', count: e.count ?? 1 }));
  if (fromEvents.length) return fromEvents;
  const workload = facts.listing.workload;
  if (workload?.kind !== 'Deployment') return [];
  // Events expire after an hour; the Deployment's ReplicaFailure condition stays while the failure lasts.
  const tool = toolFor('deployment', ctx.tools.toolNames());
  const outcome = tool
    ? await ctx.tools.call(tool, { name: workload.name, namespace: facts.namespace })
    : null;
  const conditions = outcome?.ok ? list(at(outcome.structured, 'conditions')) : [];
  const failure = conditions.find((c) => c.type === 'ReplicaFailure' && c.status === 'True');
  return failure
    ? [
        {
          controller: `Deployment/${workload.name}`,
          message: String(failure.message ?? failure.reason ?? ''),
          count: 1,
        },
      ]
    : [];
}

function figures(list: string): Record<string, string> {
  return Object.fromEntries(
    list
      .split(',')
      .map((pair) => pair.split('='))
      .filter((kv): kv is [string, string] => kv.length === 2 && Boolean(kv[0]) && Boolean(kv[1])),
  );
}

/** The resource of a rejection that does not fit: used + requested over the limit; the first one otherwise. */
export function exhaustedResource(q: QuotaRejection): {
  resource: string;
  requested: string;
  used: string;
  limited: string;
} {
  const requested = figures(q.requested);
  const used = figures(q.used);
  const limited = figures(q.limited);
  const over = Object.keys(requested).find((k) => {
    const sum = (parseQuantity(requested[k]) ?? 0) + (parseQuantity(used[k]) ?? 0);
    const cap = parseQuantity(limited[k]);
    return cap !== undefined && sum > cap;
  });
  const resource = over ?? Object.keys(requested)[0] ?? q.requested;
  return {
    resource,
    requested: requested[resource] ?? '?',
    used: used[resource] ?? '?',
    limited: limited[resource] ?? '?',
  };
}

const PSA_ENFORCE = 'pod-security.kubernetes.io/enforce';

/**
 * Pod Security admission's rejection: `violates PodSecurity "restricted:latest": <check> (<what to
 * set>), …` — the level and each failed check with the securityContext fields it wants.
 */
export function podSecurityViolation(
  message: string,
): { level: string; checks: string[]; fields: string[] } | null {
  const m = message.match(/violates PodSecurity "([^"]+)":\s*(.*)$/s);
  if (!m) return null;
  const checks: string[] = [];
  const fields = new Set<string>();
  // Checks are comma-separated, each with an explanation in parentheses that may hold commas itself.
  let depth = 0;
  let current = '';
  for (const ch of m[2] ?? '') {
    if (ch === '(') depth++;
    if (ch === ')') depth = Math.max(0, depth - 1);
    if (ch === ',' && depth === 0) {
      if (current.trim()) checks.push(current.trim());
      current = '';
    } else current += ch;
  }
  if (current.trim()) checks.push(current.trim().replace(/\.$/, ''));
  for (const check of checks)
    for (const f of check.matchAll(/(securityContext\.[\w.]+(?:=[\w"[\]/,-]+)?|spec\.[\w.]+)/g))
      fields.add((f[1] ?? '').replace(/[,)]+$/, ''));
  return { level: m[1] ?? '', checks, fields: [...fields] };
}

function quotaFigures(quota: KubeObject): string {
  const hard = stringMap(at(quota, 'status', 'hard'));
  const used = stringMap(at(quota, 'status', 'used'));
  return Object.keys(hard)
    .map((k) => `${k} ${used[k] ?? '?'}/${hard[k]}`)
    .join(', ');
}

/**
 * A controller that cannot create its pods: a ResourceQuota exhausted, a LimitRange rejecting the
 * pod's resources, a missing ServiceAccount, a PodSecurity violation — whatever FailedCreate says.
 */
export const podCreationRule: Rule = async (ctx, facts) => {
  const failures = await createFailures(ctx, facts);
  const first = failures[0];
  if (!first) return null;
  const total = failures.reduce((n, f) => n + f.count, 0);
  const workload = facts.listing.workload;
  const target = workload ? `${workload.kind} ${workload.name}` : facts.service;
  const missing =
    facts.listing.pods.length === 0 ? 'it has no pods' : `only ${facts.listing.pods.length} pod(s) exist`;
  ctx.casebook.evidence.unshift({
    source: 'kubernetes',
    // A Pod Security rejection is long: its level and checks, after "violates", are the evidence.
    detail: `FailedCreate: ${quote(first.message.slice(Math.max(0, first.message.indexOf('violates PodSecurity'))), 320)} (${times(total)})`,
    ref: first.controller,
  });
  const quota = parseQuotaRejection(first.message);
  if (quota) {
    const object = await readObject(ctx, 'ResourceQuota', quota.quota, facts.namespace);
    const figures = object ? quotaFigures(object) : '';
    if (figures)
      ctx.casebook.evidence.splice(1, 0, {
        source: 'kubernetes',
        detail: `ResourceQuota ${quota.quota} used/hard: ${figures}`,
        ref: `resourcequota/${quota.quota}`,
      });
    const over = exhaustedResource(quota);
    const resource = over.resource;
    return {
      status: 'diagnosed',
      summary: `${target} cannot create pods (${missing}): ResourceQuota ${quota.quota} is exhausted for ${resource} (${over.used} used of ${over.limited}; each new pod needs ${over.requested} more).`,
      statement: `${first.controller} fails to create pods: exceeded quota ${quota.quota} — a pod requests ${resource}=${over.requested}, the namespace already uses ${over.used}, and the quota allows ${over.limited}.${figures ? ` Quota status (used/hard): ${figures}.` : ''}`,
      confidence: 'high',
      clues: [quota.quota, resource.split('.').at(-1) ?? resource],
      objects: [{ kind: 'ResourceQuota', name: quota.quota }, ...(workload ? [workload] : [])],
      fix: `Raise ${resource} in ResourceQuota ${quota.quota} (kubectl edit resourcequota ${quota.quota} -n ${facts.namespace}), lower the ${resource} each pod of ${target} asks for to what it needs, or scale down what else uses the namespace's ${resource}.`,
    };
  }
  const limits = limitRangeViolations(first.message);
  if (limits.length) {
    const ranges = await readObjects(ctx, 'LimitRange', { namespace: facts.namespace });
    const names = ranges?.map(nameOf) ?? [];
    return {
      status: 'diagnosed',
      summary: `${target} cannot create pods (${missing}): a LimitRange rejects their resources (${limits[0]}).`,
      statement: `${first.controller} fails to create pods: ${limits.join('; ')}${names.length ? ` (LimitRange ${names.join(', ')} in namespace ${facts.namespace})` : ''}.`,
      confidence: 'high',
      fix: `Bring the pod template's resources within the LimitRange${names[0] ? ` ${names[0]}` : ''} (${limits[0]}), or change the LimitRange if the limit is wrong.`,
    };
  }
  const mustSpecify = first.message.match(/failed quota: ([\w.-]+): must specify ([\w.,\s-]+)/);
  if (mustSpecify) {
    return {
      status: 'diagnosed',
      summary: `${target} cannot create pods (${missing}): ResourceQuota ${mustSpecify[1]} requires ${mustSpecify[2]?.trim()} on every container and the pod template does not set them.`,
      statement: `${first.controller} fails to create pods: "${quote(first.message, 240)}". A quota on ${mustSpecify[2]?.trim()} makes those fields mandatory.`,
      confidence: 'high',
      fix: `Set ${mustSpecify[2]?.trim()} on every container of ${target} (or add a LimitRange with defaults).`,
    };
  }
  const security = podSecurityViolation(first.message);
  if (security) {
    const labels = labelsOf(await readObject(ctx, 'Namespace', facts.namespace, undefined, true));
    const enforced = labels[PSA_ENFORCE];
    const since = enforced ? ` (namespace label ${PSA_ENFORCE}=${enforced})` : '';
    return {
      status: 'diagnosed',
      summary: `${target} cannot create pods (${missing}): Pod Security admission rejects them — namespace ${facts.namespace} enforces the "${security.level}" PodSecurity level and the pod template violates it (${security.checks.slice(0, 4).join('; ')}).`,
      statement: `${first.controller} fails to create pods (FailedCreate, ${times(total)}): they violate PodSecurity "${security.level}"${since}: ${security.checks.join('; ')}. Pod Security admission checks pods only when they are created, so pods that already run keep running and the failure shows at the next rollout, scale-up or reschedule.`,
      confidence: 'high',
      clues: ['securityContext', ...security.fields],
      objects: workload ? [workload] : [],
      fix: `Set the securityContext the "${security.level}" level requires in ${target}'s pod template (${security.fields.join(', ') || 'see the violations above'}) and make sure the image runs as a non-root user; relaxing the namespace's ${PSA_ENFORCE} label is a deliberate security decision, not a fix.`,
    };
  }
  const serviceAccount = first.message.match(/serviceaccount "([^"]+)" not found/i)?.[1];
  return {
    status: 'diagnosed',
    summary: `${target} cannot create pods (${missing}): ${quote(first.message, 200)}.`,
    statement: `${first.controller} fails to create pods (FailedCreate, ${times(total)}): "${quote(first.message, 300)}".`,
    confidence: 'high',
    fix: serviceAccount
      ? `Create ServiceAccount ${serviceAccount} in namespace ${facts.namespace} or fix serviceAccountName in the pod template.`
      : /PodSecurity|violates/i.test(first.message)
        ? "Make the pod template satisfy the namespace's Pod Security level (securityContext), or change the namespace's level deliberately."
        : 'Remove what the API server rejects in the pod template (the message above), then let the controller retry.',
  };
};
