/**
 * A cloud call refused because the pod runs without its workload identity. EKS (IRSA), GKE and
 * AKS give a pod a cloud identity through its ServiceAccount: an annotation names the role or
 * account, and a webhook (or the metadata server) hands the pod a token for it. Without that
 * mapping the SDK falls back to the node's identity (the instance role, the default compute
 * account, the kubelet's managed identity) or finds no credentials, and the cloud says AccessDenied
 * for an identity that is not the pod's. A refusal of the pod's own role is another fault: that
 * role's permissions.
 */
import type { EngineContext } from '../../engine.js';
import { readObject } from '../cluster-read.js';
import type { ServiceFacts } from '../facts.js';
import { at, str, stringMap } from '../k8s-object.js';
import { quote } from '../quote.js';
import { suspectOf } from '../tool-data.js';
import { CLOUD_FAILURE, parseCloudDenial, type Cloud, type CloudDenial } from './cloud-denial.js';
import { changedLinesOf } from './image-build.js';
import { recentCommitDetails, showLine, type CommitDetail } from './recent-change.js';
import { findLogged, loggedLineEvidence } from './runtime-logged.js';
import { times, type Rule, type Verdict } from './verdict.js';

/** Where each cloud's workload identity is declared, and what the webhook injects into the pod. */
const MAPPING: Record<Cloud, { annotation: string; podLabel?: string; name: string; mechanism: string }> = {
  aws: { annotation: 'eks.amazonaws.com/role-arn', name: 'IAM role', mechanism: 'IRSA' },
  gcp: {
    annotation: 'iam.gke.io/gcp-service-account',
    name: 'Google service account',
    mechanism: 'GKE Workload Identity',
  },
  azure: {
    annotation: 'azure.workload.identity/client-id',
    podLabel: 'azure.workload.identity/use',
    name: 'managed identity',
    mechanism: 'Azure Workload Identity',
  },
};

const ANY_CLOUD = new RegExp(
  Object.values(CLOUD_FAILURE)
    .map((r) => r.source)
    .join('|'),
);

interface PodIdentity {
  pod: string;
  account: string;
  annotations: Record<string, string>;
  /** The pod's labels (Azure's webhook acts only on pods labelled for it). */
  labels: Record<string, string>;
  /** Whether the ServiceAccount could be read (undefined: the read failed, the gap says why). */
  accountRead: boolean;
}

/** The ServiceAccount the failing pod runs as, from the pod (or its workload's template). */
async function podIdentity(ctx: EngineContext, facts: ServiceFacts, pod: string): Promise<PodIdentity> {
  const object = await readObject(ctx, 'Pod', pod, facts.namespace);
  let spec: unknown = at(object, 'spec');
  let labels = stringMap(at(object, 'metadata', 'labels'));
  const workload = facts.listing.workload;
  if (!object && workload) {
    const owner = await readObject(ctx, workload.kind, workload.name, facts.namespace);
    spec = at(owner, 'spec', 'template', 'spec');
    labels = stringMap(at(owner, 'spec', 'template', 'metadata', 'labels'));
  }
  if (!Object.keys(labels).length) labels = facts.listing.pods.find((p) => p.name === pod)?.labels ?? {};
  const account = str(at(spec, 'serviceAccountName')) ?? str(at(spec, 'serviceAccount')) ?? 'default';
  const sa = await readObject(ctx, 'ServiceAccount', account, facts.namespace);
  return {
    pod,
    account,
    annotations: stringMap(at(sa, 'metadata', 'annotations')),
    labels,
    accountRead: sa !== undefined,
  };
}

/** The role name an IRSA annotation gives (`arn:aws:iam::1:role/path/name` → `name`). */
function roleName(arn: string | undefined): string | undefined {
  return arn?.split('/').at(-1);
}

/** Whether the refused identity is the one the ServiceAccount maps to. */
function ownIdentity(denial: CloudDenial, mapped: string | undefined): boolean {
  if (!mapped || !denial.principalName) return false;
  return denial.cloud === 'aws'
    ? denial.principalName === roleName(mapped)
    : denial.principalName.toLowerCase() === mapped.toLowerCase();
}

interface IdentityChange {
  commit: CommitDetail;
  /** The file whose lines are quoted. */
  changed: string;
  lines: string[];
  /** The manifest the fix goes in: where the commit now defines the ServiceAccount, else `changed`. */
  file: string;
}

/**
 * The recent commit that cut the mapping: it removed or changed the annotation (or the pod label),
 * switched the pod template's serviceAccountName, else rewrote a ServiceAccount manifest.
 */
function identityChange(commits: readonly CommitDetail[], cloud: Cloud): IdentityChange | null {
  const { annotation, podLabel } = MAPPING[cloud];
  const keys = [annotation, ...(podLabel ? [podLabel] : [])];
  let best: (IdentityChange & { weight: number }) | null = null;
  for (const commit of commits) {
    // The file that defines the ServiceAccount now (added lines), where the annotation must go back.
    const definition = commit.files.find((f) =>
      changedLinesOf(f.patch).some((l) => /^\+\s*kind:\s*ServiceAccount\b/.test(l)),
    )?.path;
    for (const f of commit.files) {
      const changed = changedLinesOf(f.patch);
      const cut = changed.filter((l) => l.startsWith('-') && keys.some((k) => l.includes(k)));
      const switched = changed.filter((l) => /serviceAccount(?:Name)?:/.test(l));
      const defines =
        /service-?account/i.test(f.path) || changed.some((l) => /^[+-]\s*kind:\s*ServiceAccount\b/.test(l));
      const weight = cut.length ? 6 : switched.length ? 5 : defines ? 3 : 0;
      if (!weight || (best && best.weight >= weight)) continue;
      const lines = cut.length ? cut : switched.length ? switched : changed.slice(0, 2);
      best = { commit, changed: f.path, file: cut.length && definition ? definition : f.path, lines, weight };
    }
  }
  return best;
}

function firstLine(message: string | undefined): string {
  return (message ?? '').split('\n')[0]?.trim() ?? '';
}

/**
 * The cloud refuses the pod's calls and the identity it names is not one the pod's ServiceAccount
 * maps to (the node's, or none): the mapping is missing, and the change that removed it is named.
 * When the refused identity is the mapped one, the fault is that identity's permissions instead.
 */
export const workloadIdentityRule: Rule = async (ctx, facts) => {
  const line = findLogged(facts, ANY_CLOUD);
  const denial = line ? parseCloudDenial(line.sample) : null;
  if (!line || !denial) return null;
  const mapping = MAPPING[denial.cloud];
  const identity = await podIdentity(ctx, facts, line.pod);
  const mapped = identity.annotations[mapping.annotation];
  const labelled = !mapping.podLabel || identity.labels[mapping.podLabel] === 'true';
  ctx.casebook.evidence.push(loggedLineEvidence(line));
  const who = `ServiceAccount ${facts.namespace}/${identity.account}`;
  const as = denial.principal ? ` as ${denial.principal}` : '';
  const what = denial.action ? ` ${denial.action}` : '';
  const refused = `${facts.service}'s calls to the cloud are refused${as}${what ? ` (${what.trim()})` : ''}: "${quote(line.sample, 220)}" (${times(line.count)}).`;
  // A refusal that names no identity, from a pod whose mapping is in place: the mapped identity's permissions.
  const ownOrUnnamed =
    mapped &&
    labelled &&
    (ownIdentity(denial, mapped) || (!denial.principal && !denial.noCredentials && !denial.nodeIdentity));
  if (denial.staticKey || ownOrUnnamed || denial.trustRefused)
    return permissionVerdict(facts, denial, identity, mapped, refused);
  if (mapped && labelled && !denial.nodeIdentity && !denial.noCredentials) return null;
  if (!identity.accountRead && !denial.nodeIdentity && !denial.noCredentials) return null;
  const missing = !identity.accountRead
    ? `the calls do not run as an identity ${who} maps to (the ServiceAccount could not be read to see its ${mapping.annotation} annotation)`
    : !mapped
      ? `${who} has no ${mapping.annotation} annotation`
      : !labelled
        ? `${who} has ${mapping.annotation}: ${mapped}, but pod ${identity.pod} does not carry the label ${mapping.podLabel}: "true"`
        : `${who} has ${mapping.annotation}: ${mapped}, but pod ${identity.pod} runs without it (the identity is injected when a pod is created: the pod predates the annotation, or the injecting webhook did not run)`;
  ctx.casebook.evidence.push({
    source: 'kubernetes',
    detail: `${missing}${Object.keys(identity.annotations).length ? ` (its annotations: ${Object.keys(identity.annotations).slice(0, 4).join(', ')})` : ''}; pod ${identity.pod} runs as ServiceAccount ${identity.account}.`,
    ref: `serviceaccount/${identity.account}`,
  });
  const fallback = denial.nodeIdentity
    ? `the SDK falls back to the node's identity${denial.principalName ? ` (${denial.principalName}${denial.cloud === 'aws' ? ', the node role of the instance profile' : ''})` : ''}, which is not meant to have the workload's permissions`
    : denial.noCredentials
      ? 'the SDK finds no workload credentials'
      : "the SDK calls with another identity than the workload's (by default the node's)";
  const change = identityChange(await recentCommitDetails(ctx), denial.cloud);
  let note = '';
  if (change) {
    const quoted = change.lines.map((l) => `\`${showLine(l, 140)}\``).join(', ');
    const moved =
      change.file !== change.changed
        ? ` ServiceAccount ${identity.account} is now defined in ${change.file} without ${mapping.annotation}.`
        : '';
    note = ` Commit ${change.commit.sha.slice(0, 7)} "${firstLine(change.commit.message)}" (${change.commit.author ?? 'unknown'}, ${change.commit.date ?? ''}) changed ${change.changed}: ${quoted}.${moved}`;
    ctx.casebook.suspectCommits.unshift(suspectOf(change.commit));
    ctx.casebook.suspectFiles.unshift({ path: change.file });
    ctx.casebook.evidence.push({ source: 'github', detail: note.trim(), ref: change.commit.sha });
  }
  // The value the change removed is the one to put back.
  const removed = change?.lines
    .filter((l) => l.startsWith('-') && l.includes(mapping.annotation))
    .map((l) => l.slice(l.indexOf(mapping.annotation) + mapping.annotation.length).replace(/^["']?:\s*/, ''))
    .map((v) => v.trim().replace(/^["']|["']$/g, ''))
    .find(Boolean);
  const restore = mapped
    ? labelled
      ? `Check that the identity webhook runs (pods created now get ${mapping.annotation}'s identity)`
      : `Label the pod template ${mapping.podLabel}: "true"`
    : `Put the annotation back on ${who} (${mapping.annotation}: ${removed ?? `<the workload's ${mapping.name}>`}${change ? `, in ${change.file}` : ''})`;
  return {
    status: 'diagnosed',
    summary: `${facts.service}'s cloud calls are refused${as}: its workload identity is not applied (${missing}), so ${fallback}.`,
    statement: `${refused} The pod's workload identity (${mapping.name} through ${mapping.mechanism}) is not applied: ${missing}. Without it the pod gets no token for its own identity, so ${fallback}${denial.nodeIdentity ? ', and the cloud refuses the call' : ' and the call fails'}.${note}`,
    confidence: change || denial.nodeIdentity ? 'high' : 'medium',
    fix: `${restore} and restart the rollout (kubectl rollout restart ${facts.listing.workload ? `${facts.listing.workload.kind.toLowerCase()}/${facts.listing.workload.name}` : 'the workload'} -n ${facts.namespace}): the identity is injected only into pods created after the mapping exists.${denial.nodeIdentity ? " Do not grant the node's identity the workload's permissions instead." : ''}`,
    rollback: false,
    objects: [{ kind: 'ServiceAccount', name: identity.account }],
    notFromChange: true,
  };
};

/** The pod's own identity lacks the permission (or the cloud will not let the pod assume it). */
function permissionVerdict(
  facts: ServiceFacts,
  denial: CloudDenial,
  identity: PodIdentity,
  mapped: string | undefined,
  refused: string,
): Verdict {
  const mapping = MAPPING[denial.cloud];
  const own = denial.staticKey
    ? `the long-lived key it uses (${denial.principal ?? 'an IAM user'})`
    : `the pod's own ${mapping.name} (${mapped ?? denial.principal ?? '?'}, from ServiceAccount ${identity.account} through ${mapping.mechanism})`;
  const problem = denial.trustRefused
    ? `the cloud will not let the pod assume it: the identity's trust policy or federated credential does not accept this cluster's ServiceAccount token (issuer, namespace or name)`
    : `that identity lacks the permission${denial.action ? ` ${denial.action}` : ''} on the resource — its IAM policy is the fault, not the Kubernetes side`;
  return {
    status: 'diagnosed',
    summary: `${facts.service}'s cloud calls are refused for ${own}: ${problem}.`,
    statement: `${refused} The call runs as ${own}; ${problem}.`,
    confidence: 'high',
    fix: denial.trustRefused
      ? `Make the role's trust policy (or the federated credential) accept system:serviceaccount:${facts.namespace}:${identity.account} from this cluster's OIDC issuer.`
      : `Grant${denial.action ? ` ${denial.action}` : ' the refused action'} to that identity in its IAM policy (where the policy is defined, e.g. Terraform), scoped to the resource; nothing in the pod needs to change.`,
    clues: [denial.action, roleName(mapped)].filter((v): v is string => Boolean(v)),
  };
}
