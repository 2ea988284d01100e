import type { EngineContext } from '../../engine.js';
import { checkAccess, readObjects } from '../cluster-read.js';
import { at, list, nameOf, str, strings, type KubeObject } from '../k8s-object.js';
import { quote } from '../quote.js';
import { times, type Rule } from './verdict.js';

/** An API server's Forbidden answer, as clients log it. */
export interface Forbidden {
  user: string;
  serviceAccount?: { namespace: string; name: string };
  verb: string;
  resource: string;
  subresource?: string;
  group: string;
  namespace?: string;
  line: string;
}

// `pods is forbidden: User "system:serviceaccount:shop:orders" cannot list resource "pods" in API group "" in the namespace "shop"`
const FORBIDDEN =
  /User "([^"]+)" cannot (\w+) resource "([^"]+)"(?: in API group "([^"]*)")?(?: in the namespace "([^"]+)"| at the cluster scope)?/;

/** The Forbidden error in a log line (quotes may arrive escaped inside JSON). */
export function parseForbidden(line: string): Forbidden | null {
  const text = line.replace(/\\+"/g, '"');
  const m = text.match(FORBIDDEN);
  if (!m) return null;
  const user = m[1] as string;
  const sa = user.match(/^system:serviceaccount:([^:]+):(.+)$/);
  const [resource, subresource] = (m[3] as string).split('/');
  return {
    user,
    ...(sa ? { serviceAccount: { namespace: sa[1] as string, name: sa[2] as string } } : {}),
    verb: m[2] as string,
    resource: resource as string,
    ...(subresource ? { subresource } : {}),
    group: m[4] ?? '',
    ...(m[5] ? { namespace: m[5] } : {}),
    line,
  };
}

interface Grant {
  binding: string;
  role: string;
  /** Verbs the role grants on the resource; empty when it has no rule for it. */
  verbs: string[];
}

function ruleCovers(rule: KubeObject, f: Forbidden): boolean {
  const groups = strings(rule.apiGroups);
  const resources = strings(rule.resources);
  const wanted = f.subresource ? `${f.resource}/${f.subresource}` : f.resource;
  return (
    (groups.includes('*') || groups.includes(f.group)) &&
    (resources.includes('*') ||
      resources.includes(wanted) ||
      (f.subresource ? resources.includes(`${f.resource}/*`) : false))
  );
}

/** The bindings of the service account and what each bound role grants on the resource that was refused. */
async function grantsOf(ctx: EngineContext, f: Forbidden): Promise<Grant[] | null> {
  const sa = f.serviceAccount;
  if (!sa) return null;
  const namespace = f.namespace ?? sa.namespace;
  const [bindings, clusterBindings, roles, clusterRoles] = await Promise.all([
    readObjects(ctx, 'RoleBinding', { namespace }),
    readObjects(ctx, 'ClusterRoleBinding', { clusterScoped: true }),
    readObjects(ctx, 'Role', { namespace }),
    readObjects(ctx, 'ClusterRole', { clusterScoped: true }),
  ]);
  if (!bindings && !clusterBindings) return null;
  const subjectMatches = (b: KubeObject) =>
    list(b.subjects).some(
      (s) =>
        s.kind === 'ServiceAccount' && s.name === sa.name && (str(s.namespace) ?? namespace) === sa.namespace,
    );
  const grants: Grant[] = [];
  for (const binding of [...(bindings ?? []), ...(clusterBindings ?? [])].filter(subjectMatches)) {
    const kind = str(at(binding, 'roleRef', 'kind')) ?? 'Role';
    const name = str(at(binding, 'roleRef', 'name')) ?? '?';
    const role = (kind === 'ClusterRole' ? clusterRoles : roles)?.find((r) => nameOf(r) === name);
    const verbs = role
      ? list(role.rules)
          .filter((r) => ruleCovers(r, f))
          .flatMap((r) => strings(r.verbs))
      : [];
    grants.push({
      binding: `${binding.kind ?? 'RoleBinding'} ${nameOf(binding)}`,
      role: `${kind} ${name}${role ? '' : ' (not found)'}`,
      verbs: [...new Set(verbs)],
    });
  }
  return grants;
}

/** A `Forbidden` answer from the Kubernetes API in the logs, traced to the Role, the binding and the missing verb. */
export const rbacRule: Rule = async (ctx, facts) => {
  const hit = facts.logs
    .flatMap((l) =>
      l.analysis.signatures.map((s) => ({ s, pod: l.pod, f: parseForbidden(`${s.sample} ${s.message}`) })),
    )
    .filter((x): x is typeof x & { f: Forbidden } => x.f !== null)
    .sort((a, b) => b.s.count - a.s.count)[0];
  if (!hit) return null;
  const f = hit.f;
  const what = `${f.verb} ${f.subresource ? `${f.resource}/${f.subresource}` : f.resource}${f.group ? ` (API group ${f.group})` : ''}`;
  const scope = f.namespace ? `in namespace ${f.namespace}` : 'at the cluster scope';
  const who = f.serviceAccount
    ? `ServiceAccount ${f.serviceAccount.namespace}/${f.serviceAccount.name}`
    : `user ${f.user}`;
  ctx.casebook.evidence.unshift({
    source: 'logs',
    detail: `${quote(f.line, 300)} (${times(hit.s.count)})`,
    ref: `pod/${hit.pod}`,
  });
  const access = await checkAccess(ctx, {
    verb: f.verb,
    resource: f.resource,
    ...(f.group ? { group: f.group } : {}),
    ...(f.subresource ? { subresource: f.subresource } : {}),
    ...(f.namespace ? { namespace: f.namespace } : {}),
    ...(f.serviceAccount ? { serviceAccount: `${f.serviceAccount.namespace}:${f.serviceAccount.name}` } : {}),
  });
  if (access)
    ctx.casebook.evidence.splice(1, 0, {
      source: 'kubernetes',
      detail: `access review: ${who} ${access.allowed ? 'may' : 'may not'} ${what} ${scope}${access.reason ? ` (${access.reason})` : ''}`,
    });
  const grants = await grantsOf(ctx, f);
  let found = '';
  let fix = `Grant ${who} the verb "${f.verb}" on ${f.resource} ${scope}: add it to the Role its RoleBinding refers to, or bind a Role that has it.`;
  if (grants && grants.length === 0) {
    found = ` No RoleBinding or ClusterRoleBinding names ${who} at all.`;
    fix = `Bind a Role granting "${f.verb}" on ${f.resource} to ${who} (kubectl create rolebinding … --role=<role> --serviceaccount=${f.serviceAccount?.namespace}:${f.serviceAccount?.name}${f.namespace ? ` -n ${f.namespace}` : ''}).`;
  } else if (grants?.length) {
    const partial = grants.find((g) => g.verbs.length > 0) ?? (grants[0] as Grant);
    found = ` ${partial.binding} binds it to ${partial.role}, which grants ${partial.verbs.length ? `${partial.verbs.join(', ')} on ${f.resource} but not ${f.verb}` : `nothing on ${f.resource}`}.`;
    const roleName = partial.role.replace(/ \(not found\)$/, '');
    fix = `Add "${f.verb}" to the rule for ${f.subresource ? `${f.resource}/${f.subresource}` : f.resource}${f.group ? ` in API group ${f.group}` : ''} of ${roleName} (kubectl edit ${roleName.toLowerCase()}${roleName.startsWith('Role ') && f.namespace ? ` -n ${f.namespace}` : ''}); the pods need no restart.`;
  }
  if (access?.allowed)
    return {
      status: 'diagnosed',
      summary: `${facts.service} was refused by the Kubernetes API (${what} ${scope}), though an access review now allows it: the permission was restored, or the refusal came from another rule.`,
      statement: `${facts.service} logs Forbidden: ${who} cannot ${what} ${scope} ("${quote(f.line, 200)}"); an access review now answers allowed.${found}`,
      confidence: 'medium',
      fix: 'Check whether the error stopped after the permission change; if not, look for an admission webhook or a different service account.',
    };
  return {
    status: 'diagnosed',
    summary: `${facts.service} fails because ${who} is not allowed to ${what} ${scope} (RBAC Forbidden, ${times(hit.s.count)}).`,
    statement: `The Kubernetes API refuses ${facts.service}: ${who} cannot ${what} ${scope}.${found}`,
    confidence: grants || access ? 'high' : 'medium',
    fix,
    objects: (grants ?? [])
      .map((g) => ({
        kind: g.role.split(' ')[0] ?? 'Role',
        name: g.role.replace(/ \(not found\)$/, '').split(' ')[1] ?? '',
      }))
      .filter((o) => o.name),
    // The values a change would have written: the account, its binding and role, the resource's rule.
    clues: [
      ...(f.serviceAccount ? [f.serviceAccount.name] : []),
      ...(grants ?? []).flatMap((g) => [g.role.split(' ')[1] ?? '', g.binding.split(' ')[1] ?? '']),
      f.resource,
    ].filter((c) => c.length >= 4),
  };
};
