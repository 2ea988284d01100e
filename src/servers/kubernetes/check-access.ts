import type { V1ResourceAttributes, V1SubjectAccessReviewStatus } from '@kubernetes/client-node';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';

import { readOnlyToolAnnotations, toolError, toolResult } from '../tool-result.js';
import { describeKubernetesError, kubernetesStatusCode } from './api-error.js';
import type { KubernetesServerDeps } from './deps.js';
import { resolveNamespace } from './namespace-scope.js';
import type { ApiResource, ResourceCatalog } from './resource-catalog.js';
import { resolveKind } from './resource-catalog.js';

/** The structured answer of `check_access`. */
export interface CheckAccessOutput {
  allowed: boolean;
  /** Set when an authorizer denied outright (RBAC never does: it only fails to allow). */
  denied?: boolean;
  /** The authorizer's reason, e.g. the RoleBinding that allows it; empty when nothing does. */
  reason?: string;
  /** `system:serviceaccount:<ns>:<name>`, or who the agent's own credentials are. */
  user: string;
  verb: string;
  /** `pods`, `pods/log`. */
  resource: string;
  /** API group of the resource when not core (`apps`). */
  group?: string;
  name?: string;
  namespace?: string;
  /** false when the service account asked about does not exist in its namespace. */
  serviceAccountExists?: boolean;
  evaluationError?: string;
}

const saPrefix = 'system:serviceaccount:';

/** `orders`, `shop:orders` or `system:serviceaccount:shop:orders` → namespace and name. */
function parseServiceAccount(text: string, fallbackNamespace: string): { namespace: string; name: string } {
  const bare = text.startsWith(saPrefix) ? text.slice(saPrefix.length) : text;
  const colon = bare.lastIndexOf(':');
  const slash = bare.indexOf('/');
  if (colon > 0) return { namespace: bare.slice(0, colon), name: bare.slice(colon + 1) };
  if (slash > 0) return { namespace: bare.slice(0, slash), name: bare.slice(slash + 1) };
  return { namespace: fallbackNamespace, name: bare };
}

/** The resource named the way RBAC rules name it: plural and group, found through discovery when possible. */
async function normaliseResource(
  catalog: ResourceCatalog,
  text: string,
  group: string | undefined,
): Promise<{ plural: string; group: string; subresource: string; namespaced: boolean }> {
  const [resourceText = text, subresource = ''] = text.split('/');
  let resolved: ApiResource | undefined;
  try {
    const { resources } = await catalog.discover();
    const answer = resolveKind(
      group === undefined ? resources : resources.filter((r) => r.group === group),
      resourceText,
    );
    if (answer.ok) resolved = answer.resource;
  } catch {
    // Discovery is a convenience here: the review takes the names as given.
  }
  return resolved
    ? { plural: resolved.plural, group: resolved.group, subresource, namespaced: resolved.namespaced }
    : { plural: resourceText.toLowerCase(), group: group ?? '', subresource, namespaced: true };
}

/** Registers `check_access`: may a service account (or the agent) do this verb on this resource here? */
export function registerCheckAccessTool(
  server: McpServer,
  deps: KubernetesServerDeps,
  catalog: ResourceCatalog,
): void {
  server.registerTool(
    'check_access',
    {
      title: 'Check RBAC access',
      description:
        'Whether a service account (or the agent) may do a verb on a resource: a SubjectAccessReview, as ' +
        '`kubectl auth can-i --as`. For "forbidden" errors: names the binding that allows it, or says none ' +
        'does; read the Role with get_resources.',
      inputSchema: {
        verb: z.string().min(1).describe('get, list, watch, create, update, patch, delete, ...'),
        resource: z
          .string()
          .min(1)
          .describe(
            'Resource as RBAC names it: plural ("pods", "configmaps"), kind or short name; "pods/log" for a subresource.',
          ),
        group: z
          .string()
          .optional()
          .describe('API group ("apps", "batch"); omit to find it through discovery.'),
        subresource: z.string().optional().describe('Subresource, e.g. "log", "exec", "scale".'),
        name: z.string().optional().describe('One object by name (for rules with resourceNames).'),
        namespace: z
          .string()
          .optional()
          .describe("Namespace; omit for the server's default. Ignored for cluster-scoped resources."),
        serviceAccount: z
          .string()
          .optional()
          .describe(
            '"name" (in the namespace asked about) or "namespace:name"; omit to check the agent itself.',
          ),
      },
      annotations: readOnlyToolAnnotations,
    },
    async (input) => {
      const target = await normaliseResource(catalog, input.resource, input.group);
      const subresource = input.subresource ?? target.subresource;
      let namespace = '';
      if (target.namespaced) {
        const scope = resolveNamespace(deps.namespaces, input.namespace);
        if (!scope.ok) return scope.result;
        namespace = scope.namespace;
      }
      const attributes: V1ResourceAttributes = {
        verb: input.verb,
        resource: target.plural,
        ...(target.group ? { group: target.group } : {}),
        ...(subresource ? { subresource } : {}),
        ...(input.name ? { name: input.name } : {}),
        ...(namespace ? { namespace } : {}),
      };
      let user: string;
      let status: V1SubjectAccessReviewStatus | undefined;
      let serviceAccountExists: boolean | undefined;
      try {
        if (input.serviceAccount) {
          const account = parseServiceAccount(
            input.serviceAccount,
            namespace || (deps.namespaces[0] ?? 'default'),
          );
          const accountScope = resolveNamespace(deps.namespaces, account.namespace);
          if (!accountScope.ok) return accountScope.result;
          user = `${saPrefix}${account.namespace}:${account.name}`;
          const review = await deps.authorization.createSubjectAccessReview({
            body: {
              apiVersion: 'authorization.k8s.io/v1',
              kind: 'SubjectAccessReview',
              spec: {
                user,
                // What the API server's authenticator gives a service account's token.
                groups: [
                  'system:serviceaccounts',
                  `system:serviceaccounts:${account.namespace}`,
                  'system:authenticated',
                ],
                resourceAttributes: attributes,
              },
            },
          });
          status = review.status;
          serviceAccountExists = await accountExists(deps, account.namespace, account.name);
        } else {
          user = await whoAmI(deps);
          const review = await deps.authorization.createSelfSubjectAccessReview({
            body: {
              apiVersion: 'authorization.k8s.io/v1',
              kind: 'SelfSubjectAccessReview',
              spec: { resourceAttributes: attributes },
            },
          });
          status = review.status;
        }
      } catch (error) {
        const hint =
          kubernetesStatusCode(error) === 403
            ? " — the agent's credentials may not create SubjectAccessReviews (it needs create on " +
              'subjectaccessreviews.authorization.k8s.io)'
            : '';
        return toolError(`Could not check access: ${describeKubernetesError(error)}${hint}`);
      }
      const resourceText = `${target.plural}${subresource ? `/${subresource}` : ''}`;
      const output: CheckAccessOutput = {
        allowed: status?.allowed === true,
        ...(status?.denied ? { denied: true } : {}),
        ...(status?.reason ? { reason: status.reason } : {}),
        user,
        verb: input.verb,
        resource: resourceText,
        ...(target.group ? { group: target.group } : {}),
        ...(input.name ? { name: input.name } : {}),
        ...(namespace ? { namespace } : {}),
        ...(serviceAccountExists === false ? { serviceAccountExists } : {}),
        ...(status?.evaluationError ? { evaluationError: status.evaluationError } : {}),
      };
      return toolResult(describe(output), output);
    },
  );
}

/** `system:serviceaccount:shop:orders cannot list pods in namespace shop: no RBAC rule grants it`. */
function describe(output: CheckAccessOutput): string {
  const qualified = output.group ? `${output.resource}.${output.group}` : output.resource;
  const object = output.name ? ` "${output.name}"` : '';
  const scope = output.namespace ? ` in namespace ${output.namespace}` : ' cluster-wide';
  const why = output.reason ?? (output.allowed ? 'allowed' : 'no RBAC rule grants it');
  const notes = [
    ...(output.serviceAccountExists === false ? ['the service account does not exist'] : []),
    ...(output.evaluationError ? [`evaluation error: ${output.evaluationError}`] : []),
  ];
  return (
    `${output.user} ${output.allowed ? 'can' : 'cannot'} ${output.verb} ${qualified}${object}${scope}: ${why}` +
    (notes.length ? ` (${notes.join('; ')})` : '')
  );
}

/** The user the agent's credentials authenticate as, from a SelfSubjectReview when the API offers one. */
async function whoAmI(deps: KubernetesServerDeps): Promise<string> {
  try {
    const review = await deps.authentication.createSelfSubjectReview({ body: {} });
    return review.status?.userInfo?.username || "the agent's own credentials";
  } catch {
    return "the agent's own credentials";
  }
}

/** Whether the service account exists; unknown (undefined) when it cannot be read. */
async function accountExists(
  deps: KubernetesServerDeps,
  namespace: string,
  name: string,
): Promise<boolean | undefined> {
  try {
    await deps.api.get(`/api/v1/namespaces/${namespace}/serviceaccounts/${encodeURIComponent(name)}`);
    return true;
  } catch (error) {
    return kubernetesStatusCode(error) === 404 ? false : undefined;
  }
}
