import type { EngineContext } from '../engine.js';
import { toolFor } from './capabilities.js';
import { failureReason, noteGap, outOfScope } from './gaps.js';
import { at, list, str, type KubeObject } from './k8s-object.js';

type Reader = Pick<EngineContext, 'tools' | 'casebook' | 'settings'>;

export interface ObjectQuery {
  name?: string;
  namespace?: string;
  labelSelector?: string;
  /** Nodes, PersistentVolumes, StorageClasses, IngressClasses, ClusterRoles…: no namespace. */
  clusterScoped?: boolean;
  /**
   * A custom kind the cluster may not have installed (cert-manager's, an operator's): when the API
   * does not serve it, the answer is an empty list, not a gap, since its absence is a fact.
   */
  optionalKind?: boolean;
}

/** What servers answer for a kind the API does not serve (its CustomResourceDefinition is absent). */
const UNSERVED_KIND =
  /doesn't have a resource type|no matches for kind|not one this adapter can name|could not find the requested resource/i;

const GENERIC_READ = 'Kubernetes objects beyond pods, events and logs';

/**
 * Objects of one kind through the generic read tool (`get_resources`), or null when they could
 * not be read; the reason becomes a gap. A named object that does not exist is an empty list: the
 * API said so, which is a fact, not a gap.
 */
export async function readObjects(
  ctx: Reader,
  kind: string,
  query: ObjectQuery = {},
): Promise<KubeObject[] | null> {
  const tool = toolFor('resources', ctx.tools.toolNames());
  if (!tool) {
    // One gap for the missing tool, naming every kind the investigation wanted from it.
    const why = 'no connected Kubernetes server offers a generic read tool (get_resources)';
    const earlier = ctx.casebook.gaps.find((g) => g.why === why);
    if (!earlier) noteGap(ctx, `${GENERIC_READ} (${kind})`, why);
    else if (!earlier.what.includes(kind)) earlier.what = earlier.what.replace(/\)$/, `, ${kind})`);
    return null;
  }
  const namespace = query.clusterScoped ? undefined : (query.namespace ?? ctx.settings.namespace);
  const outcome = await ctx.tools.call(tool, {
    kind,
    ...(namespace ? { namespace } : {}),
    ...(query.name ? { name: query.name } : {}),
    ...(query.labelSelector ? { labelSelector: query.labelSelector } : {}),
  });
  if (!outcome.ok) {
    const reason = failureReason(outcome);
    if (query.name && /not ?found|404/i.test(reason)) return [];
    if (query.optionalKind && UNSERVED_KIND.test(reason)) return [];
    const what = query.name
      ? `${kind} ${namespace}/${query.name}`
      : `${kind} objects in namespace ${namespace}`;
    noteGap(ctx, what, outOfScope(reason) ? `namespace ${namespace} is outside the run's scope` : reason);
    return null;
  }
  return list(at(outcome.structured, 'items'));
}

/** One named object, null when it does not exist, undefined when it could not be read. */
export async function readObject(
  ctx: Reader,
  kind: string,
  name: string,
  namespace?: string,
  clusterScoped = false,
): Promise<KubeObject | null | undefined> {
  const items = await readObjects(ctx, kind, { name, namespace, clusterScoped });
  if (items === null) return undefined;
  return items.find((o) => str(at(o, 'metadata', 'name')) === name) ?? items[0] ?? null;
}

export interface AccessAnswer {
  allowed: boolean;
  reason?: string;
  user?: string;
}

/** Ask the API whether a service account (or the agent) may do something; null when it cannot be asked. */
export async function checkAccess(
  ctx: Reader,
  question: {
    verb: string;
    resource: string;
    group?: string;
    subresource?: string;
    namespace?: string;
    serviceAccount?: string;
  },
): Promise<AccessAnswer | null> {
  const tool = toolFor('accessCheck', ctx.tools.toolNames());
  if (!tool) return null;
  const args = Object.fromEntries(Object.entries(question).filter(([, v]) => v !== undefined));
  const outcome = await ctx.tools.call(tool, args);
  if (!outcome.ok) {
    noteGap(
      ctx,
      `whether ${question.serviceAccount ?? 'the agent'} may ${question.verb} ${question.resource}`,
      failureReason(outcome),
    );
    return null;
  }
  const data = outcome.structured ?? {};
  return {
    allowed: data.allowed === true,
    reason: str(data.reason),
    user: str(data.user),
  };
}
