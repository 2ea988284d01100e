import type { EngineContext } from '../../engine.js';
import { readObject } from '../cluster-read.js';
import type { EventInfo } from '../tool-data.js';
import { at, list, str } from '../k8s-object.js';

/** What a registry answers a pull whose credentials are missing, wrong or expired. */
export const AUTH_REFUSED =
  /\b40[13]\b|unauthori[sz]ed|authentication required|no basic auth credentials|denied|forbidden|failed to authorize/i;
/** The kubelet's event when a pod's imagePullSecret does not exist. */
const SECRET_MISSING = /Unable to retrieve some image pull secrets \(([^)]*)\)/i;

export interface PullCredentials {
  /** The imagePullSecrets the pull used, and where they come from. */
  secrets: string[];
  from: 'pod' | 'serviceaccount' | 'none';
  serviceAccount: string;
  /** Secrets the kubelet could not find. */
  missing: string[];
}

function names(refs: unknown): string[] {
  return list(refs)
    .map((r) => str(r.name) ?? '')
    .filter(Boolean);
}

/**
 * The credentials a refused pull used: the pod's imagePullSecrets (which the ServiceAccount's are
 * copied into at admission), else its ServiceAccount's. Secrets themselves are never read: their
 * names and the kubelet's events are enough to say which credential the registry turned away.
 */
export async function pullCredentials(
  ctx: EngineContext,
  namespace: string,
  podName: string,
  events: EventInfo[],
): Promise<PullCredentials> {
  const pod = await readObject(ctx, 'Pod', podName, namespace);
  const serviceAccount = str(at(pod, 'spec', 'serviceAccountName')) ?? 'default';
  let secrets = names(at(pod, 'spec', 'imagePullSecrets'));
  let from: PullCredentials['from'] = secrets.length ? 'pod' : 'none';
  if (!secrets.length) {
    const account = await readObject(ctx, 'ServiceAccount', serviceAccount, namespace);
    secrets = names(at(account, 'imagePullSecrets'));
    if (secrets.length) from = 'serviceaccount';
  }
  const missing = events
    .flatMap((e) => SECRET_MISSING.exec(e.message ?? '')?.[1]?.split(/[,\s]+/) ?? [])
    .map((s) => s.replace(/^"|"$/g, ''))
    .filter((s, i, all) => s && all.indexOf(s) === i);
  return { secrets, from, serviceAccount, missing };
}

/** The sentence and the fix for a pull the registry refused for its credentials. */
export function describeRefusal(
  credentials: PullCredentials,
  registry: string,
): { statement: string; fix: string } {
  const { secrets, from, serviceAccount, missing } = credentials;
  if (missing.length)
    return {
      statement: `The pull credential is missing: imagePullSecret ${missing.join(', ')} does not exist in the namespace, so the kubelet pulls from ${registry} without it and is refused.`,
      fix: `Create the imagePullSecret ${missing.join(', ')} (kubectl create secret docker-registry …) or point imagePullSecrets at the one that exists; the pods pull on their next retry.`,
    };
  if (!secrets.length)
    return {
      statement: `The pods pull from ${registry} with no imagePullSecrets (neither the pod nor ServiceAccount ${serviceAccount} has one), and the node's own credentials are refused.`,
      fix: `Give the pods a pull secret for ${registry} (imagePullSecrets on the pod template or on ServiceAccount ${serviceAccount}), or grant the nodes' identity pull access to the registry.`,
    };
  const origin = from === 'serviceaccount' ? ` (from ServiceAccount ${serviceAccount})` : '';
  return {
    statement: `${registry} refuses the pull credentials: the pods pull with imagePullSecret ${secrets.join(', ')}${origin}, whose credential (robot account, token or password) the registry no longer accepts — expired, revoked or rotated without updating the secret.`,
    fix: `Renew the registry credential (a new robot account secret or token for ${registry}) and update imagePullSecret ${secrets[0]} with it (kubectl create secret docker-registry ${secrets[0]} --docker-server=${registry} … --dry-run=client -o yaml | kubectl apply -f -); the pods pull on their next retry. Check the credential's expiry so it is renewed before it lapses again.`,
  };
}

/** The registry host of an image reference (`docker.io` when it names none). */
export function registryOf(image: string): string {
  const first = image.split('/')[0] ?? '';
  return image.includes('/') && /[.:]|^localhost$/.test(first) ? first : 'docker.io';
}
