import type { IncomingMessage, ServerResponse } from 'node:http';
import type { KubeObject } from './scenario-types.js';
import { groupVersionOf, type KubeResource } from './kube-resources.js';
import type { KubeStore } from './kube-store.js';
import { KubeStatusError, badRequest, methodNotAllowed } from './kube-status.js';
import { readBody, sendJson } from './local-http.js';

/**
 * What the sandbox lets a client create: ConfigMaps and Leases (the agent's dedupe claims) and
 * Jobs (the Slack command's dispatch). Everything else stays read-only: the scenario is a replay.
 */
const CREATABLE = new Set(['/configmaps', 'coordination.k8s.io/leases', 'batch/jobs']);

export function isCreatable(resource: KubeResource): boolean {
  return CREATABLE.has(`${resource.group}/${resource.plural}`);
}

function alreadyExists(resource: KubeResource, name: string): KubeStatusError {
  const qualified = resource.group ? `${resource.plural}.${resource.group}` : resource.plural;
  return new KubeStatusError({
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: `${qualified} "${name}" already exists`,
    reason: 'AlreadyExists',
    details: { name, ...(resource.group ? { group: resource.group } : {}), kind: resource.plural },
    code: 409,
  });
}

function invalid(resource: KubeResource, name: string, message: string): KubeStatusError {
  return new KubeStatusError({
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: `${resource.kind} "${name}" is invalid: ${message}`,
    reason: 'Invalid',
    details: { name, ...(resource.group ? { group: resource.group } : {}), kind: resource.kind },
    code: 422,
  });
}

/** A short random suffix for `generateName`, from the alphabet Kubernetes uses. */
function nameSuffix(): string {
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  return Array.from({ length: 5 }, () => alphabet[Math.floor(Math.random() * alphabet.length)]).join('');
}

/** Defaults the API server fills in a Job, and the checks it would refuse it for. */
function completeJob(resource: KubeResource, object: KubeObject): KubeObject {
  const spec = (object.spec ?? {}) as Record<string, unknown>;
  const template = (spec.template ?? {}) as { spec?: { containers?: unknown[]; restartPolicy?: string } };
  const containers = template.spec?.containers ?? [];
  if (!Array.isArray(containers) || containers.length === 0) {
    throw invalid(resource, object.metadata.name, 'spec.template.spec.containers: Required value');
  }
  const restart = template.spec?.restartPolicy;
  if (restart !== 'Never' && restart !== 'OnFailure') {
    throw invalid(
      resource,
      object.metadata.name,
      `spec.template.spec.restartPolicy: Unsupported value: "${restart ?? 'Always'}": supported values: "OnFailure", "Never"`,
    );
  }
  return {
    ...object,
    spec: { backoffLimit: 6, completions: 1, parallelism: 1, suspend: false, ...spec },
    status: {},
  };
}

/**
 * `POST /api/v1/namespaces/{ns}/configmaps`, `/apis/coordination.k8s.io/v1/namespaces/{ns}/leases`,
 * `/apis/batch/v1/namespaces/{ns}/jobs`: 201 with the stored object, 409 AlreadyExists for a taken
 * name (what create-if-absent relies on), 400/422 for what the API server would refuse.
 */
export async function createObject(
  store: KubeStore,
  resource: KubeResource,
  namespace: string | undefined,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  if (!isCreatable(resource) || !namespace) throw methodNotAllowed('POST');
  let object: KubeObject;
  try {
    object = JSON.parse((await readBody(req)).toString('utf8')) as KubeObject;
  } catch {
    throw badRequest('the request body is not JSON (the sandbox reads JSON only)');
  }
  if (typeof object !== 'object' || object === null || typeof object.metadata !== 'object') {
    throw badRequest('the object has no metadata');
  }
  const apiVersion = groupVersionOf(resource.group, resource.version);
  if (
    (object.kind && object.kind !== resource.kind) ||
    (object.apiVersion && object.apiVersion !== apiVersion)
  ) {
    throw badRequest(
      `the object is ${object.apiVersion}/${object.kind}; this endpoint creates ${apiVersion}/${resource.kind}`,
    );
  }
  if (object.metadata.namespace && object.metadata.namespace !== namespace) {
    throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
  }
  const generated = typeof object.metadata.generateName === 'string' ? object.metadata.generateName : '';
  const name = object.metadata.name || (generated ? `${generated}${nameSuffix()}` : '');
  if (!/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/.test(name)) {
    throw invalid(
      resource,
      name,
      `metadata.name: Invalid value: "${name}": must be a lowercase RFC 1123 subdomain`,
    );
  }
  let complete: KubeObject = {
    ...object,
    apiVersion,
    kind: resource.kind,
    metadata: { ...object.metadata, name, namespace },
  };
  if (resource.plural === 'jobs') complete = completeJob(resource, complete);
  if (url.searchParams.get('dryRun') === 'All') return sendJson(res, 201, complete);
  const stored = store.add(resource, complete);
  if (!stored) throw alreadyExists(resource, name);
  sendJson(res, 201, stored);
}
