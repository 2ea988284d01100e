/**
 * cert-manager's Certificates as the offline engine reads them: which Secret each one keeps
 * filled, which names it covers, and whether it is past its `notAfter` at the run's clock. The
 * kinds are read through the generic read tool; a cluster without cert-manager has none of them,
 * which is a fact, not a gap.
 */
import type { EngineContext } from '../engine.js';
import { readObjects } from './cluster-read.js';
import { at, condition, nameOf, str, strings, type KubeObject } from './k8s-object.js';

/** cert-manager's kinds, qualified by group so no built-in kind (CertificateSigningRequest) answers. */
export const CERT_MANAGER_KINDS = {
  Certificate: 'certificates.cert-manager.io',
  CertificateRequest: 'certificaterequests.cert-manager.io',
  Issuer: 'issuers.cert-manager.io',
  ClusterIssuer: 'clusterissuers.cert-manager.io',
  Order: 'orders.acme.cert-manager.io',
  Challenge: 'challenges.acme.cert-manager.io',
} as const;

export type CertManagerKind = keyof typeof CERT_MANAGER_KINDS;

export interface ManagedCertificate {
  object: KubeObject;
  name: string;
  namespace: string;
  /** The Secret cert-manager writes the key pair into (`spec.secretName`). */
  secretName: string;
  dnsNames: string[];
  notAfter?: string;
  /** When cert-manager meant to renew it (`status.renewalTime`). */
  renewalTime?: string;
  issuer: { kind: 'Issuer' | 'ClusterIssuer'; name: string };
  ready?: { status?: string; reason?: string; message?: string };
}

/** The objects of one cert-manager kind in a namespace (or cluster-wide), none when it is not installed. */
export async function readCertManager(
  ctx: EngineContext,
  kind: CertManagerKind,
  namespace?: string,
): Promise<KubeObject[]> {
  const clusterScoped = kind === 'ClusterIssuer';
  return (
    (await readObjects(ctx, CERT_MANAGER_KINDS[kind], { namespace, clusterScoped, optionalKind: true })) ?? []
  );
}

/** One named cert-manager object: null when it does not exist, undefined when it could not be read. */
export async function readCertManagerObject(
  ctx: EngineContext,
  kind: CertManagerKind,
  name: string,
  namespace?: string,
): Promise<KubeObject | null | undefined> {
  const clusterScoped = kind === 'ClusterIssuer';
  // A kind the API does not serve holds no object of that name: the answer is "none", not a gap.
  const items = await readObjects(ctx, CERT_MANAGER_KINDS[kind], {
    name,
    namespace,
    clusterScoped,
    optionalKind: true,
  });
  if (items === null) return undefined;
  return items.find((o) => nameOf(o) === name) ?? null;
}

function managed(object: KubeObject, namespace: string): ManagedCertificate | null {
  const secretName = str(at(object, 'spec', 'secretName'));
  if (!secretName) return null;
  const issuerKind =
    str(at(object, 'spec', 'issuerRef', 'kind')) === 'ClusterIssuer' ? 'ClusterIssuer' : 'Issuer';
  const ready = condition(object, 'Ready');
  return {
    object,
    name: nameOf(object),
    namespace: str(at(object, 'metadata', 'namespace')) ?? namespace,
    secretName,
    dnsNames: [
      ...strings(at(object, 'spec', 'dnsNames')),
      ...[str(at(object, 'spec', 'commonName'))].filter((n): n is string => Boolean(n)),
    ],
    notAfter: str(at(object, 'status', 'notAfter')),
    renewalTime: str(at(object, 'status', 'renewalTime')),
    issuer: { kind: issuerKind, name: str(at(object, 'spec', 'issuerRef', 'name')) ?? '?' },
    ...(ready ? { ready } : {}),
  };
}

/** The Certificates of a namespace; empty when cert-manager is not installed or none exist. */
export async function certificatesIn(ctx: EngineContext, namespace: string): Promise<ManagedCertificate[]> {
  const objects = await readCertManager(ctx, 'Certificate', namespace);
  return objects.map((o) => managed(o, namespace)).filter((c): c is ManagedCertificate => c !== null);
}

/**
 * Whether the certificate in its Secret is past its validity now: `status.notAfter` before the
 * run's clock, or cert-manager's own Ready condition saying so when no date is recorded.
 */
export function isExpired(cert: ManagedCertificate, now: Date): boolean {
  const notAfter = cert.notAfter ? Date.parse(cert.notAfter) : NaN;
  if (!Number.isNaN(notAfter)) return notAfter <= now.getTime();
  return cert.ready?.status === 'False' && cert.ready.reason === 'Expired';
}

/** Whether the certificate names a host, as TLS clients match it (one wildcard label at the left). */
export function coversHost(cert: ManagedCertificate, host: string): boolean {
  const wanted = host.toLowerCase().replace(/\.$/, '');
  return cert.dnsNames.some((dnsName) => {
    const name = dnsName.toLowerCase();
    if (name === wanted) return true;
    return name.startsWith('*.') && wanted.slice(wanted.indexOf('.')) === name.slice(1);
  });
}

/** `2026-11-15T06:12:08Z (1h 58m ago)`: an instant and how long before the run's clock it was. */
export function sinceNow(time: string, now: Date): string {
  const then = Date.parse(time);
  if (Number.isNaN(then)) return time;
  const minutes = Math.round((now.getTime() - then) / 60_000);
  if (minutes < 0) return time;
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const ago = days >= 1 ? `${days}d ${hours}h` : hours >= 1 ? `${hours}h ${minutes % 60}m` : `${minutes}m`;
  return `${time} (${ago} ago)`;
}
