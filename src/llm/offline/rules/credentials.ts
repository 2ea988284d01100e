import type { EngineContext } from '../../engine.js';
import { readObject, readObjects } from '../cluster-read.js';
import type { ServiceFacts } from '../facts.js';
import { at, list, str, stringMap, type KubeObject } from '../k8s-object.js';
import { quote, quoteAround } from '../quote.js';
import { hostsIn, serviceOfHost } from '../targets.js';
import { times, type Rule, type Verdict } from './verdict.js';

/**
 * A certificate past its validity, as TLS stacks and peers say it: Go, OpenSSL, Node, the JVM
 * (PKIX's "validity check failed"), .NET's chain status NotTimeValid, rustls, browsers.
 */
export const CERT_EXPIRED =
  /certificate[_ ](?:has )?expired|certificate_expired|CERT_HAS_EXPIRED|CertificateExpiredException|x509: certificate has expired|certificate is not yet valid|certificate verify failed: certificate has expired|SSL alert number 45|sslv3 alert certificate expired|tlsv1 alert certificate expired|\bNotTimeValid\b|validity check failed|CERT_DATE_INVALID|invalid peer certificate: Expired/i;
/** A token, key or password past its lifetime, as APIs and client libraries say it. */
const TOKEN_EXPIRED =
  /\b(?:access |api |auth |bearer |id |refresh |security |session )?token(?: has| is)? expired|expired[_ -]token|token[_ -]expired|ExpiredJwtException|TokenExpiredError|jwt expired|JWT (?:has )?expired|ExpiredToken(?:Exception)?|security token included in the request is expired|(?:credentials?|api[_ -]?key|password|key)(?: has| have| is)? expired|invalid_grant.{0,80}expired|invalid_token.{0,80}expir|\bexp\b claim.{0,40}(?:expired|in the past)/i;

/** Words that put an expiry in an authentication context. */
const AUTH_CONTEXT =
  /\b(?:401|403)\b|unauthori[sz]ed|forbidden|denied|\bauth|invalid_grant|invalid_token|jwt|token|credential|oauth|sts\b|login|sign[- ]?in/i;

export type CredentialKind = 'certificate' | 'token';

/** Which kind of credential a log line says expired, if any. */
export function expiredCredential(text: string): CredentialKind | null {
  if (CERT_EXPIRED.test(text)) return 'certificate';
  // "cache key expired" is housekeeping; an expired credential is refused by someone.
  if (TOKEN_EXPIRED.test(text) && AUTH_CONTEXT.test(text)) return 'token';
  return null;
}

/** The peer refused the certificate we presented (our client certificate expired). */
const PEER_REJECTED =
  /alert[ _]certificate[ _]expired|certificate_expired|SSL alert number 45|alert bad certificate|bad_certificate/i;

/** Whose certificate expired: ours (the peer refused it) or the server's we called (we refused it). */
export function expiredSide(text: string): 'ours' | 'theirs' {
  return PEER_REJECTED.test(text) ? 'ours' : 'theirs';
}

/** The host a TLS failure was about: `https://host:port/…`, `Get "https://host/…"`, `dial tcp host:443`. */
export function tlsHost(text: string): string | undefined {
  return (
    text.match(/https?:\/\/([a-z0-9][\w.-]*)/i)?.[1] ??
    text.match(
      /(?:dial tcp|connect to|host[= ]|hostname[= ]|server at)\s*"?([a-z0-9][\w.-]*\.[a-z][\w.-]*)/i,
    )?.[1]
  );
}

/** `valid until 2026-12-02T23:59:59Z`, Go's `current time X is after Y`, `expired at Y`. */
export function expiryTime(text: string): string | undefined {
  const m =
    text.match(/current time \S+ is after (\S+?)[,)]?(?:\s|$)/) ??
    text.match(
      /(?:valid until|not ?after|expired? (?:on|at)|expir(?:y|ation|es)(?: time| date)?[=:]?)\s*[=:]?\s*"?(\d{4}-\d\d-\d\d(?:[T ][\d:.]+Z?)?)/i,
    );
  return m?.[1];
}

/** A Secret a container reads, and how: a mounted volume or an environment variable. */
export interface SecretUse {
  secret: string;
  container: string;
  via: string;
  /** Where it is mounted, for a volume. */
  mountPath?: string;
  /** Secret-level type for TLS volumes when the pod says so (`kubernetes.io/tls` keys). */
  items?: string[];
}

/** Every Secret the pod's containers read, from its spec: volumes (also projected) and env. */
export function secretUses(pod: KubeObject): SecretUse[] {
  const volumes = new Map<string, { secret: string; items: string[] }[]>();
  for (const v of list(at(pod, 'spec', 'volumes'))) {
    const name = str(v.name) ?? '';
    const direct = str(at(v, 'secret', 'secretName'));
    const found = direct
      ? [{ secret: direct, items: list(at(v, 'secret', 'items')).map((i) => str(i.key) ?? '') }]
      : list(at(v, 'projected', 'sources')).flatMap((s) => {
          const secret = str(at(s, 'secret', 'name'));
          return secret
            ? [{ secret, items: list(at(s, 'secret', 'items')).map((i) => str(i.key) ?? '') }]
            : [];
        });
    if (found.length) volumes.set(name, found);
  }
  const uses: SecretUse[] = [];
  const containers = [...list(at(pod, 'spec', 'initContainers')), ...list(at(pod, 'spec', 'containers'))];
  for (const c of containers) {
    const container = str(c.name) ?? '?';
    for (const m of list(c.volumeMounts)) {
      for (const s of volumes.get(str(m.name) ?? '') ?? [])
        uses.push({
          secret: s.secret,
          container,
          via: `volume ${str(m.name)}`,
          mountPath: str(m.mountPath),
          items: s.items,
        });
    }
    for (const e of list(c.env)) {
      const secret = str(at(e, 'valueFrom', 'secretKeyRef', 'name'));
      if (secret)
        uses.push({
          secret,
          container,
          via: `env ${str(e.name)} (key ${str(at(e, 'valueFrom', 'secretKeyRef', 'key')) ?? '?'})`,
        });
    }
    for (const e of list(c.envFrom)) {
      const secret = str(at(e, 'secretRef', 'name'));
      if (secret) uses.push({ secret, container, via: 'envFrom' });
    }
  }
  return uses;
}

export const CERT_WORDS = /tls|cert|ssl|mtls|x509|pki|\bca\b|\.crt|\.pem|keystore|p12|pfx/i;
const TOKEN_WORDS = /token|api[_-]?key|apikey|secret|auth|credential|bearer|jwt|password|passwd|key/i;

/** How likely a Secret use carries the kind of credential that expired; a path named in the log wins. */
function likelihood(use: SecretUse, kind: CredentialKind, logText: string): number {
  const words = `${use.secret} ${use.via} ${use.mountPath ?? ''} ${(use.items ?? []).join(' ')}`;
  let score = 0;
  if (use.mountPath && logText.includes(use.mountPath)) score += 10;
  if (kind === 'certificate') {
    if (CERT_WORDS.test(words)) score += 4;
    if (use.mountPath) score += 1;
  } else {
    if (TOKEN_WORDS.test(words)) score += 4;
    if (!use.mountPath) score += 1;
  }
  return score;
}

/** Environment values that point at a mounted file (`/etc/x/tls/tls.crt`) join the evidence of their volume. */
function envPaths(pod: KubeObject): string {
  return list(at(pod, 'spec', 'containers'))
    .flatMap((c) => list(c.env).map((e) => `${str(e.name) ?? ''}=${str(e.value) ?? ''}`))
    .join(' ');
}

/**
 * A credential that has expired: the logs say a certificate or token expired (or a peer rejects
 * it as expired), and the pod's spec says which Secret it reads the credential from. Rolling back
 * cannot help; renewing the Secret and restarting the pods that read it does.
 */
export const expiredCredentialRule: Rule = async (ctx, facts) => {
  const hits = facts.logs.flatMap((log) =>
    log.analysis.signatures
      .map((s) => ({ s, log, kind: expiredCredential(`${s.type ?? ''} ${s.message} ${s.sample}`) }))
      .filter((h): h is typeof h & { kind: CredentialKind } => h.kind !== null),
  );
  const top = hits.sort((a, b) => b.s.count - a.s.count)[0];
  if (!top) return null;
  const { s, log, kind } = top;
  const text = `${s.type ?? ''} ${s.message} ${s.sample}`;
  if (kind === 'certificate' && expiredSide(text) === 'theirs') {
    const remote = await remoteCertificate(ctx, facts, text);
    if (remote) return remote;
  }
  const total = hits.filter((h) => h.kind === kind).reduce((n, h) => n + h.s.count, 0);
  const allText = facts.logs.map((l) => l.text).join('\n');
  const expiry = expiryTime(allText);
  const pod = await readObject(ctx, 'Pod', log.pod, facts.namespace);
  const context = `${allText.slice(-20_000)} ${pod ? envPaths(pod) : ''}`;
  const uses = (pod ? secretUses(pod) : [])
    .map((u) => ({ u, score: likelihood(u, kind, context) }))
    .filter((x) => x.score > 0)
    .sort((a, b) => b.score - a.score);
  const best = uses[0]?.u;
  const others = [...new Set(uses.slice(1).map((x) => x.u.secret))].filter((n) => n !== best?.secret);
  const what = kind === 'certificate' ? 'TLS certificate' : 'token/credential';
  ctx.casebook.evidence.push({
    source: 'logs',
    detail: `${quote(`${s.type ? `${s.type}: ` : ''}${s.message}`, 240)} (${times(total)})`,
    ref: `pod/${log.pod}`,
  });
  if (best)
    ctx.casebook.evidence.push({
      source: 'kubernetes',
      detail: `Container ${best.container} reads Secret ${best.secret} through ${best.via}${best.mountPath ? ` at ${best.mountPath}` : ''}: that is where the ${what} comes from.`,
      ref: `secret/${best.secret}`,
    });
  const where = best
    ? ` in Secret ${best.secret} (${best.via}${best.mountPath ? `, mounted at ${best.mountPath}` : ''})`
    : '';
  const until = expiry ? ` (valid until ${expiry})` : '';
  const restart = facts.listing.workload
    ? ` and restart the pods so they load it (kubectl rollout restart ${facts.listing.workload.kind.toLowerCase()}/${facts.listing.workload.name} -n ${facts.namespace})`
    : ' and restart the pods so they load it';
  const renew =
    kind === 'certificate'
      ? `Renew the certificate${best ? ` and update Secret ${best.secret} (kubectl create secret tls ${best.secret} --cert=<new.crt> --key=<new.key> -n ${facts.namespace} --dry-run=client -o yaml | kubectl apply -f -)` : ' and update the Secret that holds it'}`
      : `Issue a new token/credential and update ${best ? `Secret ${best.secret}` : 'the Secret that holds it'}`;
  return {
    status: 'diagnosed',
    summary: `${facts.service}'s ${what}${where} has expired${until}: every call that presents it is rejected (${times(total)} in recent logs).`,
    statement: `The ${what} ${facts.service} presents has expired${until}${where}, so the other side rejects it: "${quote(`${s.type ? `${s.type}: ` : ''}${s.message}`, 200)}". The pods are up; only the credential is out of date.${others.length ? ` Other Secrets the pod reads: ${others.slice(0, 3).join(', ')}.` : ''}`,
    confidence: best ? 'high' : 'medium',
    fix: `${renew}${restart}; rolling back will not help. Then automate renewal (cert-manager, External Secrets or the provider's rotation) and alert well before the next expiry.`,
    notFromChange: true,
  };
};

/**
 * The server we call presents an expired certificate: the fix is on its side. In the cluster, the
 * Service's pods say which Secret holds that certificate; outside, only its owner can renew it.
 */
async function remoteCertificate(
  ctx: EngineContext,
  facts: ServiceFacts,
  text: string,
): Promise<Verdict | null> {
  const host = tlsHost(text) ?? hostsIn(text)[0]?.host;
  const expiry = expiryTime(text);
  const until = expiry ? ` (valid until ${expiry})` : '';
  if (!host) return unnamedServer(facts, text, until);
  const ref = serviceOfHost(host, facts.namespace);
  let secret: SecretUse | undefined;
  if (ref && ref.service !== facts.service && ctx.settings.namespaces.includes(ref.namespace)) {
    const svc = await readObject(ctx, 'Service', ref.service, ref.namespace);
    const selector = Object.entries(stringMap(at(svc, 'spec', 'selector')))
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
    const pods = selector
      ? ((await readObjects(ctx, 'Pod', { namespace: ref.namespace, labelSelector: selector })) ?? [])
      : [];
    secret = pods
      .flatMap(secretUses)
      .find((u) => CERT_WORDS.test(`${u.secret} ${u.via} ${u.mountPath ?? ''}`));
  }
  const quoted = quote(text.trim(), 200);
  ctx.casebook.evidence.push({ source: 'logs', detail: quoted, ref: `service/${facts.service}` });
  if (secret)
    ctx.casebook.evidence.push({
      source: 'kubernetes',
      detail: `${ref?.service} serves TLS from Secret ${secret.secret} (${secret.via}${secret.mountPath ? ` at ${secret.mountPath}` : ''})`,
      ref: `secret/${secret.secret}`,
    });
  const owner = secret
    ? `Secret ${secret.secret} of ${ref?.service}`
    : ref
      ? `${ref.service}'s serving certificate`
      : `${host}'s certificate`;
  return {
    status: 'diagnosed',
    summary: `${facts.service}'s calls to ${host} fail TLS verification: the server's certificate has expired${until}${secret ? ` (${owner})` : ''}.`,
    statement: `The certificate ${host} presents has expired${until}, so ${facts.service} refuses the connection: "${quoted}".${secret ? ` It comes from ${owner}.` : ''} ${facts.service} itself is fine.`,
    confidence: secret || !ref ? 'high' : 'medium',
    fix: secret
      ? `Renew the certificate in ${owner} (or its issuer, e.g. cert-manager) and restart ${ref?.service} so it serves the new one; then alert before the next expiry.`
      : ref
        ? `Renew ${owner} and restart it; check what issues it (cert-manager, a manual Secret).`
        : `The certificate belongs to ${host}: ask its owner to renew it (and check this cluster's clock is right); nothing in ${facts.service} needs to change.`,
    notFromChange: true,
  };
}

/** A line that names no host still says whose certificate expired: the server's, not the caller's. */
function unnamedServer(facts: ServiceFacts, text: string, until: string): Verdict {
  const quoted = quoteAround(text.trim(), CERT_EXPIRED, 200);
  return {
    status: 'diagnosed',
    summary: `${facts.service}'s TLS calls fail verification: the server's certificate has expired${until}.`,
    statement: `The certificate of a server ${facts.service} calls has expired${until}, so ${facts.service} refuses the connection: "${quoted}". The line does not name the server; the addresses in ${facts.service}'s configuration say which one. ${facts.service} itself is fine.`,
    confidence: 'medium',
    fix: `Find the server ${facts.service} calls there (its configured address), renew that server's certificate (or fix what issues it, e.g. cert-manager) and restart it if it reads the certificate only at start; check this cluster's clock too. Nothing in ${facts.service} needs to change.`,
    notFromChange: true,
  };
}
