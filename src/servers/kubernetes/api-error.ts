import { errorMessage } from '../../errors/errors.js';

/** The HTTP status of a failed Kubernetes API call, when the failure was an HTTP answer. */
export function kubernetesStatusCode(error: unknown): number | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'number') {
    return error.code;
  }
  return undefined;
}

/**
 * A one-line description of a failed Kubernetes API call. The client's own message embeds the raw
 * body and every header; the API server's Status `message` is what a reader needs.
 */
export function describeKubernetesError(error: unknown): string {
  const code = kubernetesStatusCode(error);
  if (code === undefined) return `Kubernetes API unreachable: ${errorMessage(error)}`;
  const body = typeof error === 'object' && error !== null && 'body' in error ? error.body : undefined;
  return `Kubernetes API answered ${code}: ${statusMessage(body) ?? 'no details'}`;
}

function statusMessage(body: unknown): string | undefined {
  if (typeof body === 'string') {
    try {
      return statusMessage(JSON.parse(body));
    } catch {
      return body.trim().slice(0, 300) || undefined;
    }
  }
  if (typeof body === 'object' && body !== null && 'message' in body && typeof body.message === 'string') {
    return body.message;
  }
  return undefined;
}
