import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { KubeObject } from './scenario-types.js';
import type { KubeResource } from './kube-resources.js';
import type { KubeStore } from './kube-store.js';
import { applyJsonPatch, applyMergePatch, applyStrategicMergePatch } from './kube-patch.js';
import { KubeStatusError, badRequest, methodNotAllowed, notFound } from './kube-status.js';
import { readBody, sendJson } from './local-http.js';

// The one write the sandbox takes besides its dedupe and dispatch objects: a change to a
// Deployment in the scenario's namespace (PATCH or PUT), which is what a rollback is. It plays the
// API server (preconditions, generation, resourceVersion) and, for the scenario's purposes, the
// Deployment controller (revision annotation, ReplicaSet reuse), as Kubernetes 1.31 does.

const revisionAnnotation = 'deployment.kubernetes.io/revision';
const hashLabel = 'pod-template-hash';

/** One change the sandbox cluster took, as `GET /_sandbox/writes` lists it. */
export interface SandboxWrite {
  time: string;
  verb: 'patch' | 'update';
  /** The `Content-Type` of a patch. */
  patchType?: string;
  resource: string;
  namespace: string;
  name: string;
  dryRun: boolean;
  resourceVersion: string;
  /** The revision annotation after the write, and the images it runs. */
  revision?: string;
  images: string[];
}

/** Every write and every dry run the sandbox answered, oldest first. */
export interface WriteLog {
  writes: SandboxWrite[];
  dryRuns: SandboxWrite[];
}

function status(code: number, reason: string, message: string, details?: object): KubeStatusError {
  return new KubeStatusError({
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    ...(details ? { details } : {}),
    code,
  });
}

type Deployment = KubeObject & {
  spec?: { replicas?: number; selector?: { matchLabels?: Record<string, string> }; template?: PodTemplate };
  status?: Record<string, unknown>;
};
interface PodTemplate {
  metadata?: { labels?: Record<string, string>; [key: string]: unknown };
  spec?: { containers?: Array<{ image?: string }> };
}

/** The template without the label the controller adds, which is how it compares templates. */
function templateKey(template: PodTemplate | undefined): string {
  const labels = { ...(template?.metadata?.labels ?? {}) };
  delete labels[hashLabel];
  return canonical({ ...template, metadata: { ...template?.metadata, labels } });
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => a.localeCompare(b));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function imagesOf(template: PodTemplate | undefined): string[] {
  return (template?.spec?.containers ?? []).map((c) => c.image ?? '');
}

async function readPatched(
  req: IncomingMessage,
  current: Deployment,
): Promise<{ next: Deployment; type?: string }> {
  const text = (await readBody(req)).toString('utf8');
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw badRequest('the request body is not JSON (the sandbox reads JSON only)');
  }
  if (req.method === 'PUT') return { next: body as Deployment };
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim() ?? '';
  const apply: Record<string, (t: unknown, p: unknown) => unknown> = {
    'application/merge-patch+json': applyMergePatch,
    'application/strategic-merge-patch+json': applyStrategicMergePatch,
    'application/json-patch+json': applyJsonPatch,
  };
  const patcher = apply[type];
  if (!patcher) {
    throw status(
      415,
      'UnsupportedMediaType',
      `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json`,
    );
  }
  // A resourceVersion in a merge patch is a precondition, as on the API server.
  const asked = (body as { metadata?: { resourceVersion?: unknown } } | null)?.metadata?.resourceVersion;
  const next = patcher(current, body) as Deployment;
  if (type !== 'application/json-patch+json' && asked === undefined)
    next.metadata = { ...next.metadata, resourceVersion: current.metadata.resourceVersion };
  return { next, type };
}

function conflict(name: string): KubeStatusError {
  return status(
    409,
    'Conflict',
    `Operation cannot be fulfilled on deployments.apps "${name}": the object has been modified; please apply your changes to the latest version and try again`,
    { name, group: 'apps', kind: 'deployments' },
  );
}

function invalid(name: string, message: string): KubeStatusError {
  return status(422, 'Invalid', `Deployment.apps "${name}" is invalid: ${message}`, {
    name,
    group: 'apps',
    kind: 'Deployment',
  });
}

/**
 * The ReplicaSets the Deployment controller keeps after a template change: the one whose template
 * matches (reused, with the next revision) or a new one; the others scaled to zero. Returns the
 * changed ReplicaSets and the revision the Deployment now runs.
 */
function rollReplicaSets(
  store: KubeStore,
  replicaSets: KubeResource,
  deployment: Deployment,
  nowIso: string,
): { changed: KubeObject[]; revision: string; available: number } {
  const owned = store
    .list(replicaSets, deployment.metadata.namespace)
    .filter((rs) => rs.metadata.ownerReferences?.some((o) => o.uid === deployment.metadata.uid));
  const revisions = owned.map((rs) => Number(rs.metadata.annotations?.[revisionAnnotation] ?? 0));
  const revision = String(Math.max(0, ...revisions) + 1);
  const wanted = templateKey(deployment.spec?.template);
  const replicas = deployment.spec?.replicas ?? 1;
  let target = owned.find((rs) => templateKey((rs.spec as { template?: PodTemplate }).template) === wanted);
  const changed: KubeObject[] = [];
  if (!target) {
    const hash = createHash('sha256').update(wanted).digest('hex').slice(0, 10);
    const template = structuredClone(deployment.spec?.template ?? {});
    template.metadata = { ...template.metadata, labels: { ...template.metadata?.labels, [hashLabel]: hash } };
    target = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: `${deployment.metadata.name}-${hash}`,
        namespace: deployment.metadata.namespace,
        labels: { ...template.metadata.labels },
        annotations: {},
        ownerReferences: [
          {
            apiVersion: 'apps/v1',
            kind: 'Deployment',
            name: deployment.metadata.name,
            uid: deployment.metadata.uid,
            controller: true,
            blockOwnerDeletion: true,
          },
        ],
        uid: createHash('sha1')
          .update(`rs/${hash}`)
          .digest('hex')
          .replace(/^(.{8})(.{4})(.{4})(.{4})(.{12}).*/, '$1-$2-$3-$4-$5'),
        creationTimestamp: nowIso,
      },
      spec: {
        replicas: 0,
        selector: { matchLabels: { ...deployment.spec?.selector?.matchLabels, [hashLabel]: hash } },
        template,
      },
      status: { replicas: 0, observedGeneration: 1 },
    };
  }
  for (const rs of owned.filter((r) => r !== target)) {
    const spec = rs.spec as { replicas?: number };
    if ((spec.replicas ?? 0) === 0) continue;
    changed.push({
      ...rs,
      metadata: { ...rs.metadata, resourceVersion: store.nextResourceVersion() },
      spec: { ...spec, replicas: 0 },
    });
  }
  const available = Number(
    (target.status as { availableReplicas?: number } | undefined)?.availableReplicas ?? 0,
  );
  changed.push({
    ...target,
    metadata: {
      ...target.metadata,
      resourceVersion: store.nextResourceVersion(),
      annotations: { ...target.metadata.annotations, [revisionAnnotation]: revision },
    },
    spec: { ...(target.spec as object), replicas },
  });
  return { changed, revision, available };
}

/**
 * `PATCH` or `PUT /apis/apps/v1/namespaces/{ns}/deployments/{name}` in the scenario's namespace:
 * 200 with the changed Deployment (nothing stored with `dryRun=All`), 409 for a stale
 * resourceVersion, 403 in any other namespace, 405 for any other kind.
 */
export async function writeDeployment(
  store: KubeStore,
  log: WriteLog,
  scenarioNamespace: string,
  target: {
    resource: KubeResource;
    namespace: string | undefined;
    name: string | undefined;
    subresource: string | undefined;
  },
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  const method = req.method ?? 'PATCH';
  const { resource, namespace, name } = target;
  const isDeployment = resource.group === 'apps' && resource.plural === 'deployments';
  if (!isDeployment || !namespace || !name || target.subresource !== undefined)
    throw methodNotAllowed(method);
  const verb = method === 'PUT' ? 'update' : 'patch';
  if (namespace !== scenarioNamespace) {
    throw status(
      403,
      'Forbidden',
      `deployments.apps "${name}" is forbidden: User "system:serviceaccount:sre-agent:sre-agent" cannot ${verb} resource "deployments" in API group "apps" in the namespace "${namespace}"`,
      { name, group: 'apps', kind: 'deployments' },
    );
  }
  const current = store.get(resource, namespace, name) as Deployment | undefined;
  if (!current) throw notFound('deployments', name, 'apps');
  const { next, type } = await readPatched(req, current);
  const asked = next.metadata?.resourceVersion;
  if (asked !== undefined && asked !== '' && String(asked) !== current.metadata.resourceVersion)
    throw conflict(name);
  if (next.metadata?.name !== undefined && next.metadata.name !== name)
    throw badRequest('the name of the object does not match the name on the URL');
  const labels = next.spec?.template?.metadata?.labels ?? {};
  const selector = next.spec?.selector?.matchLabels ?? {};
  if (!Object.entries(selector).every(([k, v]) => labels[k] === v))
    throw invalid(
      name,
      'spec.template.metadata.labels: Invalid value: `selector` does not match template `labels`',
    );
  const dryRun = url.searchParams.get('dryRun') === 'All';
  const templateChanged = templateKey(next.spec?.template) !== templateKey(current.spec?.template);
  const specChanged = canonical(next.spec) !== canonical(current.spec);
  const nowIso = store.now.toISOString().replace('.000Z', 'Z');
  const generation = Number(current.metadata.generation ?? 1) + (specChanged ? 1 : 0);
  let stored: Deployment = {
    ...next,
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      ...next.metadata,
      // Server-owned fields come from the stored object, whatever the body said.
      name,
      namespace,
      uid: current.metadata.uid,
      creationTimestamp: current.metadata.creationTimestamp,
      generation,
      resourceVersion: current.metadata.resourceVersion,
    },
    status: current.status,
  };
  const replicaSets = store.resources.find((r) => r.group === 'apps' && r.plural === 'replicasets');
  if (!dryRun) {
    stored.metadata.resourceVersion = store.nextResourceVersion();
    if (templateChanged && replicaSets) {
      const rolled = rollReplicaSets(store, replicaSets, stored, nowIso);
      for (const rs of rolled.changed) store.replace(replicaSets, rs);
      stored = withRolloutStatus(stored, rolled.revision, rolled.available, nowIso);
    }
    store.replace(resource, stored);
  }
  const entry: SandboxWrite = {
    time: new Date().toISOString(),
    verb,
    ...(type ? { patchType: type } : {}),
    resource: 'deployments.apps',
    namespace,
    name,
    dryRun,
    resourceVersion: String(stored.metadata.resourceVersion),
    ...(stored.metadata.annotations?.[revisionAnnotation]
      ? { revision: stored.metadata.annotations[revisionAnnotation] }
      : {}),
    images: imagesOf(stored.spec?.template),
  };
  (dryRun ? log.dryRuns : log.writes).push(entry);
  sendJson(res, 200, stored);
}

/**
 * The status the controller reports once it has acted: the new revision, and a finished rollout
 * when the ReplicaSet it scaled up already had its pods available (a rollback to a revision that
 * still runs), else one still progressing.
 */
function withRolloutStatus(
  deployment: Deployment,
  revision: string,
  available: number,
  nowIso: string,
): Deployment {
  const desired = deployment.spec?.replicas ?? 1;
  const complete = available >= desired;
  const progressing = complete
    ? { reason: 'NewReplicaSetAvailable', message: `ReplicaSet has successfully progressed.` }
    : { reason: 'ReplicaSetUpdated', message: `ReplicaSet is progressing.` };
  return {
    ...deployment,
    metadata: {
      ...deployment.metadata,
      annotations: { ...deployment.metadata.annotations, [revisionAnnotation]: revision },
    },
    status: {
      ...deployment.status,
      observedGeneration: deployment.metadata.generation,
      replicas: desired,
      updatedReplicas: complete ? desired : 0,
      readyReplicas: complete ? desired : available,
      availableReplicas: complete ? desired : available,
      unavailableReplicas: complete ? 0 : desired - available,
      conditions: [
        {
          type: 'Available',
          status: complete ? 'True' : 'False',
          reason: complete ? 'MinimumReplicasAvailable' : 'MinimumReplicasUnavailable',
          message: complete
            ? 'Deployment has minimum availability.'
            : 'Deployment does not have minimum availability.',
          lastUpdateTime: nowIso,
          lastTransitionTime: nowIso,
        },
        {
          type: 'Progressing',
          status: 'True',
          ...progressing,
          lastUpdateTime: nowIso,
          lastTransitionTime: nowIso,
        },
      ],
    },
  };
}
