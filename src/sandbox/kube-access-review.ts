import type { IncomingMessage, ServerResponse } from 'node:http';
import type { KubeResource } from './kube-resources.js';
import type { AccessAttributes, RbacAuthorizer, Requester } from './kube-rbac.js';
import { groupsOf } from './kube-rbac.js';
import { decodeAccessReviewSpec, decodeRulesReviewSpec } from './kube-protobuf.js';
import { badRequest } from './kube-status.js';
import { readBody, sendJson } from './local-http.js';

/**
 * Who the sandbox's kubeconfig logs in as: the admin user a kind or kubeadm cluster writes into
 * its kubeconfig, bound to cluster-admin. Reads and the agent's own access checks always pass;
 * what a workload's service account may do is answered from the scenario's RBAC objects.
 */
export const sandboxAdmin: Requester = {
  user: 'kubernetes-admin',
  groups: ['kubeadm:cluster-admins', 'system:authenticated'],
};
const adminReason =
  'RBAC: allowed by ClusterRoleBinding "kubeadm:cluster-admins" of ClusterRole "cluster-admin" to Group "kubeadm:cluster-admins"';

const reviewKinds = new Set([
  'authorization.k8s.io/selfsubjectaccessreviews',
  'authorization.k8s.io/subjectaccessreviews',
  'authorization.k8s.io/localsubjectaccessreviews',
  'authorization.k8s.io/selfsubjectrulesreviews',
  'authentication.k8s.io/selfsubjectreviews',
]);

/** Whether a POST to this resource is a question the sandbox answers rather than an object it stores. */
export function isReview(resource: KubeResource): boolean {
  return reviewKinds.has(`${resource.group}/${resource.plural}`);
}

type Loose = Record<string, unknown>;
const record = (value: unknown): Loose =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Loose) : {};
const str = (value: unknown) => (typeof value === 'string' ? value : '');

/**
 * The spec of a review body, JSON or protobuf; `undefined` for a protobuf body the sandbox cannot
 * decode, which is then answered for whoever asks without reading the question.
 */
async function readSpec(
  req: IncomingMessage,
  decode: (body: Buffer) => Loose = decodeAccessReviewSpec,
): Promise<Loose | undefined> {
  const body = await readBody(req);
  const type = req.headers['content-type'] ?? '';
  if (type.includes('protobuf')) {
    try {
      return decode(body);
    } catch {
      return undefined;
    }
  }
  if (body.length === 0) return {};
  try {
    return record((JSON.parse(body.toString('utf8')) as Loose).spec);
  } catch {
    throw badRequest('the request body is not valid JSON');
  }
}

const nothingAsked: AccessAttributes = {
  verb: '',
  group: '',
  resource: '',
  subresource: '',
  name: '',
  namespace: '',
};

/** The user a request acts as: the impersonated one (`kubectl --as`), else the sandbox's admin. */
function requesterOf(req: IncomingMessage): Requester {
  const user = req.headers['impersonate-user'];
  if (typeof user !== 'string' || user === '') return sandboxAdmin;
  const raw = req.headers['impersonate-group'];
  const groups = (Array.isArray(raw) ? raw : raw ? raw.split(',') : []).map((g) => g.trim()).filter(Boolean);
  return { user, groups: groupsOf(user, groups) };
}

function attributesOf(spec: Loose, namespace: string | undefined): AccessAttributes {
  const resource = record(spec.resourceAttributes);
  const nonResource = record(spec.nonResourceAttributes);
  if (Object.keys(resource).length === 0 && Object.keys(nonResource).length === 0) {
    throw badRequest('exactly one of nonResourceAttributes or resourceAttributes must be specified');
  }
  if (Object.keys(resource).length === 0) {
    return {
      verb: str(nonResource.verb),
      group: '',
      resource: '',
      subresource: '',
      name: '',
      namespace: '',
      path: str(nonResource.path),
    };
  }
  const asked = str(resource.namespace);
  if (namespace !== undefined && asked !== '' && asked !== namespace) {
    throw badRequest(
      `spec.resourceAttributes.namespace: Invalid value: "${asked}": must match metadata.namespace "${namespace}"`,
    );
  }
  return {
    verb: str(resource.verb),
    group: str(resource.group),
    resource: str(resource.resource),
    subresource: str(resource.subresource),
    name: str(resource.name),
    namespace: namespace ?? asked,
  };
}

/**
 * Answer `POST` of a SelfSubjectAccessReview, SubjectAccessReview, LocalSubjectAccessReview or
 * SelfSubjectReview. Access is decided by the scenario's RBAC objects; a scenario without any
 * allows everything, so that clients that check before they read keep working.
 */
export async function answerReview(
  authorizer: RbacAuthorizer,
  resource: KubeResource,
  namespace: string | undefined,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const self = requesterOf(req);
  if (resource.plural === 'selfsubjectreviews') {
    await readBody(req);
    return sendJson(res, 201, {
      kind: 'SelfSubjectReview',
      apiVersion: 'authentication.k8s.io/v1',
      metadata: { creationTimestamp: null },
      status: { userInfo: { username: self.user, groups: self.groups } },
    });
  }
  if (resource.plural === 'selfsubjectrulesreviews') return answerRulesReview(authorizer, self, req, res);
  const read = await readSpec(req);
  const spec = read ?? {};
  const requester =
    resource.plural === 'selfsubjectaccessreviews'
      ? self
      : { user: str(spec.user), groups: Array.isArray(spec.groups) ? spec.groups.map(String) : [] };
  const attributes = read ? attributesOf(spec, namespace) : nothingAsked;
  const status =
    requester === sandboxAdmin
      ? { allowed: true, reason: adminReason }
      : !authorizer.hasPolicy
        ? { allowed: true, reason: 'the sandbox scenario has no RBAC objects: every request is allowed' }
        : authorizer.authorize(requester, attributes);
  sendJson(res, 201, {
    kind: resource.kind,
    apiVersion: 'authorization.k8s.io/v1',
    metadata: { creationTimestamp: null, ...(namespace ? { namespace } : {}) },
    spec,
    status,
  });
}

/** `kubectl auth can-i --list`: the rules that apply to whoever asks, in the namespace asked about. */
async function answerRulesReview(
  authorizer: RbacAuthorizer,
  requester: Requester,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const spec = (await readSpec(req, decodeRulesReviewSpec)) ?? {};
  const namespace = str(spec.namespace);
  const everything =
    requester === sandboxAdmin || !authorizer.hasPolicy
      ? [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'], resourceNames: [], nonResourceURLs: ['*'] }]
      : authorizer.rulesFor(requester, namespace);
  sendJson(res, 201, {
    kind: 'SelfSubjectRulesReview',
    apiVersion: 'authorization.k8s.io/v1',
    metadata: { creationTimestamp: null },
    spec: { namespace },
    status: {
      resourceRules: everything
        .filter((rule) => rule.resources.length > 0)
        .map((rule) => ({
          verbs: rule.verbs,
          apiGroups: rule.apiGroups,
          resources: rule.resources,
          ...(rule.resourceNames.length ? { resourceNames: rule.resourceNames } : {}),
        })),
      nonResourceRules: everything
        .filter((rule) => rule.nonResourceURLs.length > 0)
        .map((rule) => ({ verbs: rule.verbs, nonResourceURLs: rule.nonResourceURLs })),
      incomplete: false,
    },
  });
}
