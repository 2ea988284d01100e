import type { KubeObject } from './scenario-types.js';

// The RBAC authorizer of the API server (plugin/pkg/auth/authorizer/rbac), applied to the
// scenario's Roles, ClusterRoles and their bindings: bindings are visited cluster-wide first,
// then in the request's namespace, and the first rule that covers the request allows it.

/** Who asks: a user name and its groups (service accounts are `system:serviceaccount:<ns>:<name>`). */
export interface Requester {
  user: string;
  groups: string[];
}

/** What is asked, as the authorization attributes of a SubjectAccessReview carry it. */
export interface AccessAttributes {
  verb: string;
  /** '' for the core group. */
  group: string;
  resource: string;
  subresource: string;
  name: string;
  /** '' for cluster-scoped requests. */
  namespace: string;
  /** For non-resource requests (`/healthz`); `resource` is then ''. */
  path?: string;
}

/** A review's status: RBAC only allows or has no opinion, so `denied` is never set by it. */
export interface AccessDecision {
  allowed: boolean;
  reason?: string;
}

/** One rule of a Role or ClusterRole. */
export interface PolicyRule {
  verbs: string[];
  apiGroups: string[];
  resources: string[];
  resourceNames: string[];
  nonResourceURLs: string[];
}

type Loose = Record<string, unknown>;
const strings = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
const record = (value: unknown): Loose =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Loose) : {};

function readRules(value: unknown): PolicyRule[] {
  return (Array.isArray(value) ? value : []).map((raw) => {
    const rule = record(raw);
    return {
      verbs: strings(rule.verbs),
      apiGroups: strings(rule.apiGroups),
      resources: strings(rule.resources),
      resourceNames: strings(rule.resourceNames),
      nonResourceURLs: strings(rule.nonResourceURLs),
    };
  });
}

/** RuleAllows of the RBAC authorizer: verb, API group, resource (also `*` or a subresource wildcard) and name. */
export function ruleAllows(rule: PolicyRule, request: AccessAttributes): boolean {
  const verbMatches = rule.verbs.includes('*') || rule.verbs.includes(request.verb);
  if (!verbMatches) return false;
  if (request.path !== undefined && request.resource === '') {
    return rule.nonResourceURLs.some(
      (url) =>
        url === '*' ||
        url === request.path ||
        (url.endsWith('*') && request.path?.startsWith(url.slice(0, -1))),
    );
  }
  const groupMatches = rule.apiGroups.includes('*') || rule.apiGroups.includes(request.group);
  const combined = request.subresource ? `${request.resource}/${request.subresource}` : request.resource;
  const resourceMatches = rule.resources.some(
    (resource) =>
      resource === '*' ||
      resource === combined ||
      (request.subresource !== '' && resource === `*/${request.subresource}`),
  );
  const nameMatches = rule.resourceNames.length === 0 || rule.resourceNames.includes(request.name);
  return groupMatches && resourceMatches && nameMatches;
}

const readOnly = ['get', 'list', 'watch'];
const writes = ['create', 'delete', 'deletecollection', 'patch', 'update'];
const viewable: [string, string[]][] = [
  [
    '',
    [
      'configmaps',
      'endpoints',
      'events',
      'limitranges',
      'namespaces',
      'persistentvolumeclaims',
      'pods',
      'pods/log',
      'pods/status',
      'replicationcontrollers',
      'resourcequotas',
      'serviceaccounts',
      'services',
    ],
  ],
  ['apps', ['controllerrevisions', 'daemonsets', 'deployments', 'replicasets', 'statefulsets']],
  ['autoscaling', ['horizontalpodautoscalers']],
  ['batch', ['cronjobs', 'jobs']],
  ['discovery.k8s.io', ['endpointslices']],
  ['networking.k8s.io', ['ingresses', 'networkpolicies']],
  ['policy', ['poddisruptionbudgets']],
];
const rulesFor = (verbs: string[], groups: [string, string[]][]): PolicyRule[] =>
  groups.map(([group, resources]) => ({
    verbs,
    apiGroups: [group],
    resources,
    resourceNames: [],
    nonResourceURLs: [],
  }));

/**
 * The default user-facing ClusterRoles every cluster has, in short: a scenario may bind them
 * without defining them. `view` reads namespaced objects but Secrets, `edit` also writes them and
 * reads Secrets, `admin` adds Roles and RoleBindings, `cluster-admin` may do anything.
 */
const bootstrapClusterRoles: Record<string, PolicyRule[]> = {
  'cluster-admin': [
    { verbs: ['*'], apiGroups: ['*'], resources: ['*'], resourceNames: [], nonResourceURLs: [] },
    { verbs: ['*'], apiGroups: [], resources: [], resourceNames: [], nonResourceURLs: ['*'] },
  ],
  view: rulesFor(readOnly, viewable),
  edit: [
    ...rulesFor([...readOnly, ...writes], viewable),
    ...rulesFor([...readOnly, ...writes], [['', ['secrets']]]),
  ],
  admin: [
    ...rulesFor([...readOnly, ...writes], viewable),
    ...rulesFor([...readOnly, ...writes], [['', ['secrets']]]),
    ...rulesFor([...readOnly, ...writes], [['rbac.authorization.k8s.io', ['roles', 'rolebindings']]]),
  ],
};

function labelsMatch(selector: Loose, labels: Record<string, string>): boolean {
  return Object.entries(record(selector.matchLabels)).every(([key, value]) => labels[key] === value);
}

/** The RBAC objects of a scenario, ready to answer access reviews. */
export interface RbacAuthorizer {
  /** False when the scenario has no RBAC object at all: the sandbox then allows everything. */
  hasPolicy: boolean;
  authorize(requester: Requester, request: AccessAttributes): AccessDecision;
  /** Every rule that applies to the requester in a namespace (SelfSubjectRulesReview). */
  rulesFor(requester: Requester, namespace: string): PolicyRule[];
}

interface Subject {
  kind: string;
  name: string;
  namespace?: string;
}

function appliesTo(subject: Subject, requester: Requester, bindingNamespace: string): boolean {
  if (subject.kind === 'User') return subject.name === requester.user;
  if (subject.kind === 'Group') return requester.groups.includes(subject.name);
  if (subject.kind === 'ServiceAccount') {
    const namespace = subject.namespace || bindingNamespace;
    return namespace !== '' && requester.user === `system:serviceaccount:${namespace}:${subject.name}`;
  }
  return false;
}

function describeSubject(subject: Subject, bindingNamespace: string): string {
  if (subject.kind === 'ServiceAccount') {
    return `ServiceAccount "${subject.name}/${subject.namespace || bindingNamespace}"`;
  }
  return `${subject.kind} "${subject.name}"`;
}

/** An authorizer over the scenario's Roles, ClusterRoles, RoleBindings and ClusterRoleBindings. */
export function createRbacAuthorizer(objects: readonly KubeObject[]): RbacAuthorizer {
  const rbac = objects.filter((o) => o.apiVersion.startsWith('rbac.authorization.k8s.io/'));
  const ofKind = (kind: string) => rbac.filter((o) => o.kind === kind);
  const clusterRoles = ofKind('ClusterRole');
  const roles = ofKind('Role');
  const clusterRoleRules = (name: string): PolicyRule[] | undefined => {
    const role = clusterRoles.find((r) => r.metadata.name === name);
    if (!role) return bootstrapClusterRoles[name];
    // An aggregated ClusterRole's rules are those of the ClusterRoles its selectors pick.
    const aggregation = record(role.aggregationRule);
    const selectors = Array.isArray(aggregation.clusterRoleSelectors) ? aggregation.clusterRoleSelectors : [];
    const aggregated = clusterRoles
      .filter((other) => other !== role)
      .filter((other) => selectors.some((s) => labelsMatch(record(s), other.metadata.labels ?? {})))
      .flatMap((other) => readRules(other.rules));
    return [...readRules(role.rules), ...aggregated];
  };
  const rulesOf = (roleRef: Loose, namespace: string): PolicyRule[] => {
    if (roleRef.kind === 'ClusterRole') return clusterRoleRules(String(roleRef.name)) ?? [];
    const role = roles.find((r) => r.metadata.name === roleRef.name && r.metadata.namespace === namespace);
    return role ? readRules(role.rules) : [];
  };
  const visit = (
    binding: KubeObject,
    requester: Requester,
    request: AccessAttributes,
  ): AccessDecision | undefined => {
    const namespace = binding.kind === 'RoleBinding' ? (binding.metadata.namespace ?? '') : '';
    const roleRef = record(binding.roleRef);
    for (const raw of Array.isArray(binding.subjects) ? binding.subjects : []) {
      const subject = record(raw) as unknown as Subject;
      if (!appliesTo(subject, requester, namespace)) continue;
      if (!rulesOf(roleRef, namespace).some((rule) => ruleAllows(rule, request))) continue;
      const where = namespace ? `${binding.metadata.name}/${namespace}` : binding.metadata.name;
      return {
        allowed: true,
        reason:
          `RBAC: allowed by ${binding.kind} "${where}" of ${String(roleRef.kind)} "${String(roleRef.name)}" ` +
          `to ${describeSubject(subject, namespace)}`,
      };
    }
    return undefined;
  };
  const boundRules = (binding: KubeObject, requester: Requester): PolicyRule[] => {
    const namespace = binding.kind === 'RoleBinding' ? (binding.metadata.namespace ?? '') : '';
    const subjects = (Array.isArray(binding.subjects) ? binding.subjects : []).map(
      (raw) => record(raw) as unknown as Subject,
    );
    return subjects.some((subject) => appliesTo(subject, requester, namespace))
      ? rulesOf(record(binding.roleRef), namespace)
      : [];
  };
  return {
    hasPolicy: rbac.length > 0,
    rulesFor(requester, namespace) {
      return [
        ...ofKind('ClusterRoleBinding').flatMap((binding) => boundRules(binding, requester)),
        ...ofKind('RoleBinding')
          .filter((binding) => binding.metadata.namespace === namespace)
          .flatMap((binding) => boundRules(binding, requester)),
      ];
    },
    authorize(requester, request) {
      // system:masters is never subject to RBAC: the API server allows it before asking.
      if (requester.groups.includes('system:masters')) return { allowed: true };
      for (const binding of ofKind('ClusterRoleBinding')) {
        const decision = visit(binding, requester, request);
        if (decision) return decision;
      }
      if (request.namespace !== '') {
        for (const binding of ofKind('RoleBinding').filter(
          (b) => b.metadata.namespace === request.namespace,
        )) {
          const decision = visit(binding, requester, request);
          if (decision) return decision;
        }
      }
      return { allowed: false };
    },
  };
}

/** The groups the API server gives an authenticated user; service accounts get theirs too. */
export function groupsOf(user: string, explicit: string[] = []): string[] {
  const groups = [...explicit];
  const serviceAccount = /^system:serviceaccount:([^:]+):[^:]+$/.exec(user);
  if (serviceAccount) groups.push('system:serviceaccounts', `system:serviceaccounts:${serviceAccount[1]}`);
  if (user !== 'system:anonymous') groups.push('system:authenticated');
  return [...new Set(groups)];
}
