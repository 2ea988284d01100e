/**
 * Istio AuthorizationPolicy semantics (security.istio.io v1 and v1beta1), as the sidecar's Envoy
 * RBAC filter applies them to a request reaching a workload
 * (https://istio.io/latest/docs/reference/config/security/authorization-policy/):
 * - a policy applies to the workloads its `selector.matchLabels` (or `targetRefs` Service) picks
 *   in its namespace; without either, to every workload of its namespace, and of the whole mesh
 *   when its namespace is the root namespace (`istio-system`);
 * - a DENY policy with a rule matching the request denies it;
 * - when ALLOW policies apply and none of their rules matches, the request is denied
 *   (`rbac_access_denied_matched_policy[none]`).
 * A rule matches when one of its `from` sources matches (no `from`: any source) and one of its
 * `to` operations matches (no `to`: any operation). Values match exactly, by prefix (`abc*`), by
 * suffix (`*abc`) or as `*`.
 */
import { at, list, nameOf, str, stringMap, strings, type KubeObject } from './k8s-object.js';

export const MESH_ROOT_NAMESPACE = 'istio-system';

/** Who calls and what it asks: a workload's mTLS identity and, when the log says so, the request. */
export interface MeshRequest {
  namespace: string;
  serviceAccount: string;
  method?: string;
  path?: string;
}

/** What the callee's policies do with a request. */
export interface PolicyJudgement {
  outcome: 'denied-by-deny' | 'no-allow-match' | 'allowed' | 'unknown';
  /** The DENY policy that matched, or the ALLOW policies none of whose rules matched. */
  policies: KubeObject[];
}

/** The SPIFFE-style principal Istio gives a workload: `cluster.local/ns/<ns>/sa/<sa>`. */
export function principalOf(request: Pick<MeshRequest, 'namespace' | 'serviceAccount'>): string {
  return `cluster.local/ns/${request.namespace}/sa/${request.serviceAccount}`;
}

function matchesValue(pattern: string, value: string): boolean {
  if (pattern === '*') return true;
  if (pattern.endsWith('*')) return value.startsWith(pattern.slice(0, -1));
  if (pattern.startsWith('*')) return value.endsWith(pattern.slice(1));
  return pattern === value;
}

/** A principal pattern against a workload's principal, whatever trust domain the mesh uses. */
function matchesPrincipal(pattern: string, request: MeshRequest): boolean {
  const principal = principalOf(request);
  const withoutDomain = principal.slice('cluster.local/'.length);
  return (
    matchesValue(pattern, principal) ||
    (!pattern.startsWith('*') &&
      /^[^/]+\/ns\//.test(pattern) &&
      matchesValue(pattern.replace(/^[^/]+\//, ''), withoutDomain))
  );
}

/** True, false, or undefined when the source uses fields only the request itself can tell (JWT, IPs). */
function sourceMatches(source: unknown, request: MeshRequest): boolean | undefined {
  const principals = strings(at(source, 'principals'));
  const notPrincipals = strings(at(source, 'notPrincipals'));
  const namespaces = strings(at(source, 'namespaces'));
  const notNamespaces = strings(at(source, 'notNamespaces'));
  if (principals.length && !principals.some((p) => matchesPrincipal(p, request))) return false;
  if (notPrincipals.some((p) => matchesPrincipal(p, request))) return false;
  if (namespaces.length && !namespaces.some((n) => matchesValue(n, request.namespace))) return false;
  if (notNamespaces.some((n) => matchesValue(n, request.namespace))) return false;
  const opaque = ['requestPrincipals', 'notRequestPrincipals', 'ipBlocks', 'notIpBlocks', 'remoteIpBlocks'];
  return opaque.some((field) => strings(at(source, field)).length) ? undefined : true;
}

function operationMatches(operation: unknown, request: MeshRequest): boolean | undefined {
  const methods = strings(at(operation, 'methods'));
  const paths = strings(at(operation, 'paths'));
  const notPaths = strings(at(operation, 'notPaths'));
  if (methods.length) {
    if (!request.method) return undefined;
    if (!methods.some((m) => matchesValue(m, request.method as string))) return false;
  }
  if (paths.length || notPaths.length) {
    if (!request.path) return undefined;
    if (paths.length && !paths.some((p) => matchesValue(p, request.path as string))) return false;
    if (notPaths.some((p) => matchesValue(p, request.path as string))) return false;
  }
  // Ports and hosts are the callee's: the request reached it on the port it serves, so they are left open.
  return true;
}

/** Any-of over a list of three-valued answers: true wins, then unknown, then false. */
function anyOf(answers: (boolean | undefined)[]): boolean | undefined {
  if (answers.includes(true)) return true;
  return answers.includes(undefined) ? undefined : false;
}

function allOf(answers: (boolean | undefined)[]): boolean | undefined {
  if (answers.includes(false)) return false;
  return answers.includes(undefined) ? undefined : true;
}

function ruleMatches(rule: unknown, request: MeshRequest): boolean | undefined {
  const from = list(at(rule, 'from'));
  const to = list(at(rule, 'to'));
  // `when` conditions read request attributes a log rarely shows: the rule's outcome is unknown.
  if (list(at(rule, 'when')).length) return undefined;
  return allOf([
    from.length ? anyOf(from.map((f) => sourceMatches(at(f, 'source'), request))) : true,
    to.length ? anyOf(to.map((t) => operationMatches(at(t, 'operation'), request))) : true,
  ]);
}

/** Whether a policy applies to a workload with these labels, behind this Service. */
export function appliesTo(
  policy: KubeObject,
  workload: { namespace: string; service: string; labels: Record<string, string> | null },
): boolean | undefined {
  const namespace = str(at(policy, 'metadata', 'namespace'));
  if (namespace !== workload.namespace && namespace !== MESH_ROOT_NAMESPACE) return false;
  const refs = [...list(at(policy, 'spec', 'targetRefs')), ...list([at(policy, 'spec', 'targetRef')])];
  if (refs.length) return refs.some((r) => r.kind === 'Service' && r.name === workload.service);
  const selector = stringMap(at(policy, 'spec', 'selector', 'matchLabels'));
  const keys = Object.keys(selector);
  if (!keys.length) return true;
  if (!workload.labels) return undefined;
  return keys.every((k) => workload.labels?.[k] === selector[k]);
}

/** What the policies that apply to the callee do with the caller's request. */
export function judge(policies: readonly KubeObject[], request: MeshRequest): PolicyJudgement {
  const action = (p: KubeObject) => str(at(p, 'spec', 'action')) ?? 'ALLOW';
  const rulesOf = (p: KubeObject) => list(at(p, 'spec', 'rules'));
  const denying = policies.filter(
    (p) => action(p) === 'DENY' && rulesOf(p).some((r) => ruleMatches(r, request) === true),
  );
  if (denying.length) return { outcome: 'denied-by-deny', policies: denying };
  const allowing = policies.filter((p) => action(p) === 'ALLOW');
  if (!allowing.length) return { outcome: 'allowed', policies: [] };
  // An ALLOW policy with no rules allows nothing; one whose rules' outcome is unknown decides nothing.
  const answers = allowing.map((p) => anyOf(rulesOf(p).map((r) => ruleMatches(r, request))));
  if (answers.includes(true)) return { outcome: 'allowed', policies: [] };
  if (answers.includes(undefined)) return { outcome: 'unknown', policies: [] };
  return { outcome: 'no-allow-match', policies: allowing };
}

/** The principals and namespaces a policy's rules name as sources, for the report. */
export function sourcesOf(policy: KubeObject): { principals: string[]; namespaces: string[] } {
  const sources = list(at(policy, 'spec', 'rules')).flatMap((r) =>
    list(at(r, 'from')).map((f) => at(f, 'source')),
  );
  return {
    principals: [...new Set(sources.flatMap((s) => strings(at(s, 'principals'))))],
    namespaces: [...new Set(sources.flatMap((s) => strings(at(s, 'namespaces'))))],
  };
}

/** `namespace/name` of a policy, as kubectl names it. */
export function policyName(policy: KubeObject): string {
  return `${str(at(policy, 'metadata', 'namespace')) ?? '?'}/${nameOf(policy)}`;
}
