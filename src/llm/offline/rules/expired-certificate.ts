/**
 * A TLS certificate cert-manager should have renewed and did not: it expired, so clients refuse
 * the handshake while the pods look fine. Seen from either side: the target serves it (its
 * Ingress's TLS Secret, a Secret its pods mount), or the target's calls fail because the server's
 * certificate expired. The verdict names the Certificate, when it expired, and the object that
 * stopped its renewal, with the field and value at fault.
 */
import type { Evidence } from '../../../report/schema.js';
import type { EngineContext } from '../../engine.js';
import { certificatesIn, coversHost, isExpired, sinceNow, type ManagedCertificate } from '../cert-manager.js';
import { readObject } from '../cluster-read.js';
import type { ServiceFacts } from '../facts.js';
import { at, condition, list, nameOf, num, str, strings, stringMap } from '../k8s-object.js';
import { quote, quoteAround } from '../quote.js';
import { renewalBlocker, type RenewalBlocker } from '../renewal-blocker.js';
import { hostsIn, serviceOfHost } from '../targets.js';
import { CERT_EXPIRED, expiredSide, secretUses, tlsHost } from './credentials.js';
import { ingressesInFront } from './ingress.js';
import { findLogged, loggedLineEvidence, type LoggedLine } from './runtime-logged.js';
import { times, type Rule, type Verdict } from './verdict.js';

/** What a server logs when clients drop its handshake (they refuse its certificate). */
const HANDSHAKE_REFUSED =
  /tls: bad certificate|alert certificate (?:expired|unknown)|certificate unknown|bad_certificate|TLS handshake error|failed to complete security handshake/i;

/** Where a Secret is used, and what that use says about who sees the certificate. */
interface SecretSite {
  secret: string;
  /** `Ingress web (TLS for shop.example.com)`, `Container api (volume tls, mounted at /etc/tls)`. */
  via: string;
  hosts: string[];
  ingressClass?: string;
}

/** The Secrets the target serves TLS from: its Ingresses' `spec.tls`, then the Secrets its pods mount. */
async function servedSecrets(ctx: EngineContext, facts: ServiceFacts): Promise<SecretSite[]> {
  const sites: SecretSite[] = [];
  for (const ingress of (await ingressesInFront(ctx, facts)).relevant) {
    const ingressClass =
      str(at(ingress, 'spec', 'ingressClassName')) ??
      stringMap(at(ingress, 'metadata', 'annotations'))['kubernetes.io/ingress.class'];
    for (const tls of list(at(ingress, 'spec', 'tls'))) {
      const secret = str(tls.secretName);
      const hosts = strings(tls.hosts);
      if (secret)
        sites.push({
          secret,
          via: `Ingress ${nameOf(ingress)}${hosts.length ? ` (TLS for ${hosts.join(', ')})` : ''}`,
          hosts,
          ...(ingressClass ? { ingressClass } : {}),
        });
    }
  }
  const pod = facts.listing.pods[0];
  const spec = pod ? await readObject(ctx, 'Pod', pod.name, facts.namespace) : null;
  for (const use of spec ? secretUses(spec) : [])
    if (use.mountPath)
      sites.push({
        secret: use.secret,
        via: `Container ${use.container} (${use.via}, mounted at ${use.mountPath})`,
        hosts: [],
      });
  return sites;
}

/**
 * The target serves a certificate that has expired: a Secret its Ingress or its pods use is kept
 * by a cert-manager Certificate whose notAfter has passed.
 */
export const servedCertificateRule: Rule = async (ctx, facts) => {
  const certificates = await certificatesIn(ctx, facts.namespace);
  const expired = certificates.filter((c) => isExpired(c, ctx.now));
  if (!expired.length) return null;
  const sites = await servedSecrets(ctx, facts);
  for (const site of sites) {
    const cert = expired.find((c) => c.secretName === site.secret);
    if (!cert) continue;
    const refused = findLogged(facts, HANDSHAKE_REFUSED);
    if (refused) ctx.casebook.evidence.push(loggedLineEvidence(refused));
    const hosts = site.hosts.length ? site.hosts : cert.dnsNames;
    const opening = `${site.via} serves TLS from Secret ${site.secret}, which cert-manager Certificate ${cert.name} keeps; that certificate expired at ${sinceNow(cert.notAfter ?? '?', ctx.now)}, so clients${hosts.length ? ` of ${hosts.slice(0, 3).join(', ')}` : ''} refuse the handshake although ${facts.service}'s pods are up${refused ? ` (${facts.service} logs "${quote(refused.sample, 140)}")` : ''}.`;
    return expiredVerdict(ctx, facts, cert, {
      opening,
      who: `${facts.service} serves an expired TLS certificate`,
      restart: site.ingressClass ? undefined : facts.service,
      ingressClass: site.ingressClass,
    });
  }
  return null;
};

/** Hosts a pod is configured to call: those in its containers' environment values. */
async function configuredHosts(ctx: EngineContext, pod: string, namespace: string): Promise<string[]> {
  const spec = await readObject(ctx, 'Pod', pod, namespace);
  const values = list(at(spec, 'spec', 'containers')).flatMap((c) =>
    list(c.env).map((e) => str(e.value) ?? ''),
  );
  return values.flatMap((v) => hostsIn(v).map((h) => h.host));
}

/**
 * The target's TLS calls fail on an expired certificate: the server's (a Certificate whose names
 * cover the host called) or its own client certificate (a Certificate behind a Secret it mounts).
 */
export const peerCertificateRule: Rule = async (ctx, facts) => {
  const line = findLogged(facts, CERT_EXPIRED);
  if (!line) return null;
  if (expiredSide(line.sample) === 'ours') return ownClientCertificate(ctx, facts, line);
  const logged = line.samples
    .flatMap((s) => [tlsHost(s), ...hostsIn(s).map((h) => h.host)])
    .filter((h): h is string => !!h);
  const hosts = [
    ...new Set(
      [...logged, ...(await configuredHosts(ctx, line.pod, facts.namespace))].filter((h): h is string => !!h),
    ),
  ];
  const namespaces = new Set([facts.namespace]);
  for (const host of hosts) {
    const ref = serviceOfHost(host, facts.namespace);
    if (ref && ctx.settings.namespaces.includes(ref.namespace)) namespaces.add(ref.namespace);
  }
  const expired: ManagedCertificate[] = [];
  for (const namespace of namespaces)
    expired.push(...(await certificatesIn(ctx, namespace)).filter((c) => isExpired(c, ctx.now)));
  const matched = expired
    .map((cert) => ({ cert, host: hosts.find((h) => coversHost(cert, h)) }))
    .find((m) => m.host);
  // When the errors name no host, one expired Certificate in the namespace is the likely one, said
  // as such; a host they name that no Certificate covers (a third party's) is not ours to guess at.
  const lone = !matched && logged.length === 0 && expired.length === 1 ? expired[0] : undefined;
  const cert = matched?.cert ?? lone;
  if (!cert) return null;
  ctx.casebook.evidence.push(loggedLineEvidence(line));
  const host = matched?.host;
  const opening = `${facts.service}'s TLS calls${host ? ` to ${host}` : ''} fail because the server's certificate has expired: "${quoteAround(line.sample, CERT_EXPIRED, 200)}" (${times(line.count)}). ${
    host
      ? `That server's certificate is cert-manager Certificate ${cert.namespace}/${cert.name} (Secret ${cert.secretName}, for ${host})`
      : `The only expired certificate in namespace ${cert.namespace} is cert-manager Certificate ${cert.name} (Secret ${cert.secretName}, for ${cert.dnsNames.slice(0, 3).join(', ')})`
  }, which expired at ${sinceNow(cert.notAfter ?? '?', ctx.now)}; ${facts.service} itself is fine.`;
  return expiredVerdict(ctx, facts, cert, {
    opening,
    who: `${facts.service}'s TLS calls${host ? ` to ${host}` : ''} fail on an expired server certificate`,
    restart: serviceOfHost(host ?? cert.dnsNames[0] ?? '', cert.namespace)?.service,
    guessed: !host,
  });
};

/** The peer refuses the client certificate the target presents: the Certificate behind a Secret it mounts. */
async function ownClientCertificate(
  ctx: EngineContext,
  facts: ServiceFacts,
  line: LoggedLine,
): Promise<Verdict | null> {
  const spec = await readObject(ctx, 'Pod', line.pod, facts.namespace);
  const mounted = new Set((spec ? secretUses(spec) : []).map((u) => u.secret));
  const cert = (await certificatesIn(ctx, facts.namespace)).find(
    (c) => mounted.has(c.secretName) && isExpired(c, ctx.now),
  );
  if (!cert) return null;
  ctx.casebook.evidence.push(loggedLineEvidence(line));
  const opening = `The client certificate ${facts.service} presents comes from Secret ${cert.secretName}, kept by cert-manager Certificate ${cert.name}, which expired at ${sinceNow(cert.notAfter ?? '?', ctx.now)}: its peers refuse it ("${quoteAround(line.sample, CERT_EXPIRED, 200)}", ${times(line.count)}).`;
  return expiredVerdict(ctx, facts, cert, {
    opening,
    who: `${facts.service}'s client certificate has expired`,
    restart: facts.service,
  });
}

interface Framing {
  /** The first sentences: who sees the expired certificate, and how. */
  opening: string;
  /** The summary's subject. */
  who: string;
  /** The workload to restart once the Secret is rewritten, when it reads the files itself. */
  restart?: string;
  ingressClass?: string;
  /** True when the Certificate was picked as the only expired one, not by the host called. */
  guessed?: boolean;
}

function certificateEvidence(cert: ManagedCertificate, now: Date): Evidence[] {
  const issuing = condition(cert.object, 'Issuing');
  const attempts = num(at(cert.object, 'status', 'failedIssuanceAttempts'));
  const lastFailure = str(at(cert.object, 'status', 'lastFailureTime'));
  const ready = cert.ready;
  return [
    {
      source: 'kubernetes',
      detail: `Certificate ${cert.namespace}/${cert.name} (Secret ${cert.secretName}, ${cert.issuer.kind} ${cert.issuer.name}): notAfter ${sinceNow(cert.notAfter ?? '?', now)}${cert.renewalTime ? `, renewal due ${cert.renewalTime}` : ''}; Ready=${ready?.status ?? '?'}${ready?.reason ? ` (${ready.reason})` : ''}${ready?.message ? `: ${quote(ready.message, 160)}` : ''}`,
      ref: `certificate/${cert.name}`,
    },
    ...(issuing?.message || attempts
      ? [
          {
            source: 'kubernetes' as const,
            detail: `Certificate ${cert.name} Issuing=${issuing?.status ?? '?'}${issuing?.message ? `: ${quote(issuing.message, 160)}` : ''}${attempts ? `; ${attempts} failed issuance attempt(s)` : ''}${lastFailure ? `, last at ${lastFailure}` : ''}`,
            ref: `certificate/${cert.name}`,
          },
        ]
      : []),
  ];
}

async function expiredVerdict(
  ctx: EngineContext,
  facts: ServiceFacts,
  cert: ManagedCertificate,
  framing: Framing,
): Promise<Verdict> {
  const blocker: RenewalBlocker | null = await renewalBlocker(ctx, cert, {
    ...(framing.ingressClass ? { ingressClass: framing.ingressClass } : {}),
  });
  ctx.casebook.evidence.push(...certificateEvidence(cert, ctx.now), ...(blocker?.evidence ?? []));
  const due = cert.renewalTime
    ? ` It was due for renewal at ${cert.renewalTime}`
    : ' It was due for renewal before then';
  const why = blocker
    ? `${due}, but cert-manager could not renew it. ${blocker.statement}`
    : `${due}, but cert-manager did not renew it, and its issuer, CertificateRequest, Order and Challenges do not say why.`;
  const atFault = blocker
    ? `${blocker.object.kind} ${blocker.object.name}${blocker.field ? ` (${blocker.field}${blocker.value ? ` = "${quote(blocker.value, 80)}"` : ''})` : ''}`
    : undefined;
  const restart = framing.restart
    ? ` If ${framing.restart} reads the certificate only at start, restart it once Secret ${cert.secretName} is rewritten.`
    : '';
  return {
    status: 'diagnosed',
    summary: `${framing.who}: Certificate ${cert.name} (Secret ${cert.secretName}) expired at ${cert.notAfter ?? '?'} and was not renewed${atFault ? `; what stops renewal: ${atFault}` : ''}.`,
    statement: `${framing.opening}${why}`,
    confidence: blocker && !framing.guessed ? 'high' : 'medium',
    fix: `${blocker?.fix ?? `Find why cert-manager cannot issue Certificate ${cert.name} (\`cmctl status certificate ${cert.name} -n ${cert.namespace}\`), fix it and run \`cmctl renew ${cert.name} -n ${cert.namespace}\`.`}${restart} Rolling back ${facts.service} will not help. Alert on certificate expiry (certmanager_certificate_expiration_timestamp_seconds, or the Certificate's Ready condition) so a stuck renewal is seen weeks before the certificate runs out.`,
    clues: blocker?.clues ?? [cert.name],
    ...(blocker ? { objects: [blocker.object] } : {}),
  };
}
