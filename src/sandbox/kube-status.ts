/** A `Status` object, the body of every error the Kubernetes API returns. */
export interface KubeStatus {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure';
  message: string;
  reason: string;
  details?: { name?: string; group?: string; kind?: string };
  code: number;
}

/** An error that the router turns into a Status response. */
export class KubeStatusError extends Error {
  override readonly name = 'KubeStatusError';
  constructor(readonly status: KubeStatus) {
    super(status.message);
  }
}

function failure(
  code: number,
  reason: string,
  message: string,
  details?: KubeStatus['details'],
): KubeStatusError {
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

/** 404 for a named object, worded like the API server (`pods "x" not found`). */
export function notFound(plural: string, name: string, group = ''): KubeStatusError {
  const qualified = group === '' ? plural : `${plural}.${group}`;
  return failure(404, 'NotFound', `${qualified} "${name}" not found`, {
    name,
    ...(group ? { group } : {}),
    kind: plural,
  });
}

/** 404 for a path the server does not serve at all. */
export function unknownPath(): KubeStatusError {
  return failure(404, 'NotFound', 'the server could not find the requested resource');
}

/** 400 for a request the API server would reject (bad selector, bad container name). */
export function badRequest(message: string): KubeStatusError {
  return failure(400, 'BadRequest', message);
}

/** 405 for any write: the sandbox replays a cluster, it never changes it. */
export function methodNotAllowed(method: string): KubeStatusError {
  return failure(405, 'MethodNotAllowed', `the sandbox cluster is read-only: ${method} is not supported`);
}
