import type { EngineContext } from '../../engine.js';
import { readObject, readObjects } from '../cluster-read.js';
import type { ServiceFacts } from '../facts.js';
import { noteGap } from '../gaps.js';
import {
  appliesTo,
  judge,
  MESH_ROOT_NAMESPACE,
  policyName,
  principalOf,
  sourcesOf,
  type MeshRequest,
  type PolicyJudgement,
} from '../istio-authorization.js';
import { at, labelsOf, str, stringMap, type KubeObject } from '../k8s-object.js';
import type { LogSignature } from '../log-analysis.js';
import { quote } from '../quote.js';
import { hostsIn, serviceOfHost } from '../targets.js';
import { ENVOY_RBAC_DENIED } from './signals.js';
import { times, type Rule } from './verdict.js';

const FORBIDDEN = /\b403\b|Forbidden|PERMISSION_DENIED/i;
const REQUEST = /\b(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)\s+(?:[a-z]+:\/\/[^/\s]+)?(\/[^\s"'?]*)/;

interface Denials {
  signature: LogSignature;
  pod: string;
  count: number;
  callee?: { service: string; namespace: string; host: string };
  method?: string;
  path?: string;
}

const textOf = (s: LogSignature) => `${s.type ?? ''} ${s.message} ${s.sample}`;

/** The RBAC denials in the service's logs (three at least), and whom they came from when a line says so. */
function denials(facts: ServiceFacts): Denials | null {
  const all = facts.logs.flatMap((l) =>
    l.analysis.signatures.map((signature) => ({ signature, pod: l.pod })),
  );
  const denied = all.filter((x) => ENVOY_RBAC_DENIED.test(textOf(x.signature)));
  const count = denied.reduce((n, x) => n + x.signature.count, 0);
  const top = denied.sort((a, b) => b.signature.count - a.signature.count)[0];
  if (!top || count < 3) return null;
  // The denial line may not name the callee; the 403 lines beside it (the client's exception) do.
  const forbidden = all
    .filter((x) => ENVOY_RBAC_DENIED.test(textOf(x.signature)) || FORBIDDEN.test(textOf(x.signature)))
    .sort(
      (a, b) =>
        Number(ENVOY_RBAC_DENIED.test(textOf(b.signature))) -
          Number(ENVOY_RBAC_DENIED.test(textOf(a.signature))) || b.signature.count - a.signature.count,
    );
  let callee: Denials['callee'];
  let request: RegExpExecArray | null = null;
  for (const { signature } of forbidden) {
    const text = textOf(signature);
    request ??= REQUEST.exec(text);
    if (callee) continue;
    for (const { host } of hostsIn(text)) {
      const service = serviceOfHost(host, facts.namespace);
      if (service && service.service !== facts.service) {
        callee = { ...service, host };
        break;
      }
    }
  }
  return {
    signature: top.signature,
    pod: top.pod,
    count,
    ...(callee ? { callee } : {}),
    ...(request?.[1] && request[2] ? { method: request[1], path: request[2] } : {}),
  };
}

/** The service accounts the service's pods run as: their mTLS identity in the mesh. */
async function serviceAccounts(ctx: EngineContext, facts: ServiceFacts): Promise<string[]> {
  const accounts = new Set<string>();
  for (const pod of facts.listing.pods.slice(0, 3)) {
    const object = await readObject(ctx, 'Pod', pod.name, facts.namespace);
    if (!object) continue;
    accounts.add(
      str(at(object, 'spec', 'serviceAccountName')) ?? str(at(object, 'spec', 'serviceAccount')) ?? 'default',
    );
  }
  return [...accounts];
}

/** The labels of the callee's pods (those its Service selects), null when they cannot be read. */
async function calleeLabels(
  ctx: EngineContext,
  callee: { service: string; namespace: string },
): Promise<Record<string, string> | null> {
  const service = await readObject(ctx, 'Service', callee.service, callee.namespace);
  const selector = stringMap(at(service, 'spec', 'selector'));
  if (!Object.keys(selector).length) return null;
  const labelSelector = Object.entries(selector)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  const pods = await readObjects(ctx, 'Pod', { namespace: callee.namespace, labelSelector });
  return pods?.[0] ? labelsOf(pods[0]) : selector;
}

/** The AuthorizationPolicies that apply to the callee, from its namespace and the mesh's root one. */
async function calleePolicies(
  ctx: EngineContext,
  callee: { service: string; namespace: string },
): Promise<KubeObject[] | null> {
  if (!ctx.settings.namespaces.includes(callee.namespace)) {
    noteGap(
      ctx,
      `AuthorizationPolicies of namespace ${callee.namespace} (the callee ${callee.service}'s)`,
      `namespace ${callee.namespace} is outside the run's scope`,
    );
    return null;
  }
  const own = await readObjects(ctx, 'AuthorizationPolicy', { namespace: callee.namespace });
  if (!own) return null;
  const root =
    callee.namespace !== MESH_ROOT_NAMESPACE && ctx.settings.namespaces.includes(MESH_ROOT_NAMESPACE)
      ? ((await readObjects(ctx, 'AuthorizationPolicy', { namespace: MESH_ROOT_NAMESPACE })) ?? [])
      : [];
  const labels = await calleeLabels(ctx, callee);
  const workload = { ...callee, labels };
  return [...own, ...root].filter((p) => appliesTo(p, workload) !== false);
}

/** What the policies show, in words: the policy at fault, what it admits and who the caller is. */
function policyFinding(judgement: PolicyJudgement, request: MeshRequest): string {
  const caller = principalOf(request);
  const names = judgement.policies.map((p) => `AuthorizationPolicy ${policyName(p)}`).join(', ');
  if (judgement.outcome === 'denied-by-deny')
    return `${names} (action DENY) has a rule that matches the caller's principal ${caller}, so its requests are refused.`;
  const admitted = judgement.policies.map((p) => {
    const { principals, namespaces } = sourcesOf(p);
    const who = [
      principals.length ? `principals ${principals.join(', ')}` : '',
      namespaces.length ? `namespaces ${namespaces.join(', ')}` : '',
    ].filter(Boolean);
    return `${policyName(p)} admits only ${who.join(' and ') || 'no source at all'}`;
  });
  const near = judgement.policies
    .flatMap((p) => sourcesOf(p).principals)
    .find((p) => p.includes(`/ns/${request.namespace}/sa/`));
  return (
    `${names} (action ALLOW) ${judgement.policies.length === 1 ? 'selects the callee and none of its rules matches' : 'select the callee and none of their rules matches'} the caller's principal ${caller}` +
    `${request.method && request.path ? ` for ${request.method} ${request.path}` : ''}: ${admitted.join('; ')}.` +
    (near
      ? ` The policy names ${near}, but the caller's pods run as service account ${request.serviceAccount}.`
      : '')
  );
}

/**
 * The service's calls are refused by Istio authorization: the callee's sidecar answers 403 with
 * Envoy's RBAC body ("RBAC: access denied"), so an AuthorizationPolicy that selects the callee does
 * not admit the caller's identity (its service account's principal), or a DENY policy matches it.
 * When the callee's policies can be read, the one at fault is named, with what it admits.
 */
export const meshAuthorizationRule: Rule = async (ctx, facts) => {
  const found = denials(facts);
  if (!found) return null;
  const accounts = await serviceAccounts(ctx, facts);
  const account = accounts[0];
  const request: MeshRequest | null = account
    ? {
        namespace: facts.namespace,
        serviceAccount: account,
        ...(found.method ? { method: found.method } : {}),
        ...(found.path ? { path: found.path } : {}),
      }
    : null;
  const callee = found.callee;
  const calleeName = callee ? `${callee.service} (namespace ${callee.namespace})` : 'the service it calls';
  const policies = callee && request ? await calleePolicies(ctx, callee) : null;
  const judgement = policies && request ? judge(policies, request) : null;
  const faulty = judgement && judgement.policies.length ? judgement : null;
  ctx.casebook.evidence.push({
    source: 'logs',
    detail: `${facts.service}'s calls${callee ? ` to ${callee.host}` : ''} are refused with the Envoy RBAC filter's answer: ${quote(found.signature.sample, 240)} (${times(found.count)})`,
    ref: `pod/${found.pod}`,
  });
  const identity = request
    ? `${facts.service}'s pods run as service account ${request.serviceAccount}, so its mTLS principal is ${principalOf(request)}`
    : '';
  if (identity)
    ctx.casebook.evidence.push({
      source: 'kubernetes',
      detail: `${identity}${accounts.length > 1 ? ` (other pods: ${accounts.slice(1).join(', ')})` : ''}`,
      ref: `pod/${facts.listing.pods[0]?.name ?? found.pod}`,
    });
  const finding = faulty && request ? policyFinding(faulty, request) : '';
  if (finding)
    ctx.casebook.evidence.push({
      source: 'kubernetes',
      detail: finding,
      ref: `authorizationpolicy/${faulty?.policies[0] ? policyName(faulty.policies[0]) : ''}`,
    });
  const policyNamespace = callee?.namespace ?? 'the callee namespace';
  const statement =
    `${facts.service}'s calls to ${calleeName} are refused with HTTP 403 "RBAC: access denied" (${times(found.count)}, e.g. "${quote(found.signature.sample, 200)}"): ` +
    `that answer comes from the Envoy RBAC filter of the callee's Istio sidecar, i.e. Istio authorization (an AuthorizationPolicy) does not admit the caller. ` +
    (identity ? `${identity}. ` : '') +
    (finding ||
      `An AuthorizationPolicy in namespace ${policyNamespace} that selects ${callee?.service ?? 'the callee'} must admit that principal (from.source.principals) or its namespace; a DENY policy must not match it.`);
  const principal = request ? principalOf(request) : `the caller's principal`;
  const target = faulty?.policies[0]
    ? `AuthorizationPolicy ${policyName(faulty.policies[0])}`
    : `the ALLOW AuthorizationPolicy in namespace ${policyNamespace}`;
  return {
    status: 'diagnosed',
    summary: `${facts.service}'s calls to ${callee?.service ?? 'a service in the mesh'} are denied by Istio authorization (403 "RBAC: access denied"): ${faulty ? `${target} does not admit` : "the callee's AuthorizationPolicy does not admit"} ${facts.service}'s identity ${principal}.`,
    statement,
    confidence: faulty ? 'high' : 'medium',
    fix:
      faulty?.outcome === 'denied-by-deny'
        ? `Narrow the DENY rule of ${target} so that it no longer matches ${principal}, or remove it if the deny was not meant for ${facts.service}.`
        : `Add ${principal} to from.source.principals of ${target} (kubectl get authorizationpolicy -n ${policyNamespace} -o yaml), or, if the policy names the intended service account, run ${facts.service} as that service account (spec.serviceAccountName). ` +
          `Check with the callee sidecar's access log: rbac_access_denied_matched_policy[none] means no ALLOW rule matched.`,
    clues: ['AuthorizationPolicy', ...(account ? [account] : [])],
    ...(faulty
      ? {
          objects: faulty.policies.map((p) => ({
            kind: 'AuthorizationPolicy',
            name: str(at(p, 'metadata', 'name')) ?? '',
          })),
        }
      : {}),
  };
};
