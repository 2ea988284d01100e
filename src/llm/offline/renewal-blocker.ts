/**
 * Why cert-manager did not renew a Certificate, followed the way an engineer follows it: the
 * issuer it names (is it Ready?), then its newest CertificateRequest, that request's ACME Order and
 * the Order's Challenges. The first object that says what stops issuance is the one at fault.
 */
import type { Evidence } from '../../report/schema.js';
import type { EngineContext } from '../engine.js';
import { readCertManager, readCertManagerObject, type ManagedCertificate } from './cert-manager.js';
import { readObjects } from './cluster-read.js';
import { at, condition, list, nameOf, str, stringMap, type KubeObject } from './k8s-object.js';
import { quote } from './quote.js';

export interface RenewalBlocker {
  /** The object to change, and the field in it that holds the fault with its value. */
  object: { kind: string; name: string };
  field?: string;
  value?: string;
  /** What stops issuance, in a sentence or two. */
  statement: string;
  fix: string;
  evidence: Evidence[];
  clues: string[];
}

/** What the caller knows that the fix can use: the class the certificate's own Ingress uses. */
export interface RenewalHints {
  ingressClass?: string;
}

/** The first object that explains why the Certificate was not (re)issued, or null when none says. */
export async function renewalBlocker(
  ctx: EngineContext,
  cert: ManagedCertificate,
  hints: RenewalHints = {},
): Promise<RenewalBlocker | null> {
  const issuer = await readCertManagerObject(
    ctx,
    cert.issuer.kind,
    cert.issuer.name,
    cert.issuer.kind === 'Issuer' ? cert.namespace : undefined,
  );
  const fromIssuer = issuerBlocker(cert, issuer);
  if (fromIssuer) return fromIssuer;
  const request = await newestRequest(ctx, cert);
  return (await acmeBlocker(ctx, cert, request, issuer, hints)) ?? requestBlocker(cert, request);
}

const issuerLabel = (cert: ManagedCertificate) => `${cert.issuer.kind} ${cert.issuer.name}`;

/** The field of an issuer that names what it needs (its CA Secret, its ACME account key). */
function issuerField(issuer: KubeObject, message: string): { field: string; value: string } | undefined {
  const fields: [string, string | undefined][] = [
    ['spec.ca.secretName', str(at(issuer, 'spec', 'ca', 'secretName'))],
    ['spec.acme.privateKeySecretRef.name', str(at(issuer, 'spec', 'acme', 'privateKeySecretRef', 'name'))],
    ['spec.acme.server', str(at(issuer, 'spec', 'acme', 'server'))],
    ['spec.vault.server', str(at(issuer, 'spec', 'vault', 'server'))],
  ];
  const named = fields.find(([, value]) => value && message.includes(value));
  const [field, value] = named ?? fields[0] ?? [];
  return field && value ? { field, value } : undefined;
}

function issuerBlocker(
  cert: ManagedCertificate,
  issuer: KubeObject | null | undefined,
): RenewalBlocker | null {
  if (issuer === undefined) return null;
  const label = issuerLabel(cert);
  const where = cert.issuer.kind === 'Issuer' ? ` in namespace ${cert.namespace}` : '';
  if (issuer === null) {
    const statement = `Certificate ${cert.name} names ${label} (spec.issuerRef), which does not exist${where}: nothing can sign its CertificateRequests.`;
    return {
      object: { kind: 'Certificate', name: cert.name },
      field: 'spec.issuerRef.name',
      value: cert.issuer.name,
      statement,
      fix: `Create ${label}${where}, or point spec.issuerRef of Certificate ${cert.name} at an issuer that exists.`,
      evidence: [{ source: 'kubernetes', detail: statement, ref: `certificate/${cert.name}` }],
      clues: [cert.issuer.name],
    };
  }
  const ready = condition(issuer, 'Ready');
  if (ready?.status === 'True') return null;
  const message = ready?.message ?? 'it has no Ready condition';
  const since = str(
    list(at(issuer, 'status', 'conditions')).find((c) => c.type === 'Ready')?.lastTransitionTime,
  );
  const field = issuerField(issuer, message);
  const missingSecret = message.match(/secret "?([\w.-]+)"? not found/i)?.[1];
  const secretHome =
    cert.issuer.kind === 'Issuer'
      ? `namespace ${cert.namespace}`
      : "cert-manager's cluster resource namespace (cert-manager by default)";
  const fix = missingSecret
    ? `Restore Secret ${missingSecret} in ${secretHome}${field?.field === 'spec.ca.secretName' ? ' (the CA key pair: tls.crt and tls.key of the CA that signs these certificates)' : ''}, which ${label} reads through ${field?.field ?? 'its spec'}, or point ${field?.field ?? 'that field'} at the Secret that holds it; cert-manager then signs the pending CertificateRequest and rewrites Secret ${cert.secretName}.`
    : `Fix what ${label} reports (${ready?.reason ?? 'not Ready'}: ${quote(message, 160)})${field ? `, starting with ${field.field} (${field.value})` : ''}; once it is Ready, cert-manager signs the pending CertificateRequest and rewrites Secret ${cert.secretName}.`;
  return {
    object: { kind: cert.issuer.kind, name: cert.issuer.name },
    ...(field ? field : {}),
    statement: `${label} is not Ready${ready?.reason ? ` (${ready.reason})` : ''}${since ? ` since ${since}` : ''}: "${quote(message, 220)}"${field ? `; its ${field.field} is "${field.value}"` : ''}. No CertificateRequest it should sign can be issued.`,
    fix,
    evidence: [
      {
        source: 'kubernetes',
        detail: `${label} Ready=${ready?.status ?? 'missing'}${ready?.reason ? ` (${ready.reason})` : ''}${since ? ` since ${since}` : ''}: ${quote(message, 240)}`,
        ref: `${cert.issuer.kind.toLowerCase()}/${cert.issuer.name}`,
      },
    ],
    clues: [missingSecret ?? field?.value ?? cert.issuer.name],
  };
}

const created = (o: KubeObject) => Date.parse(str(at(o, 'metadata', 'creationTimestamp')) ?? '') || 0;
const newest = (objects: KubeObject[]) => [...objects].sort((a, b) => created(b) - created(a))[0];

/** Whether `object` belongs to `owner`: by owner reference, or by cert-manager's `<owner>-<hash>` names. */
function ownedBy(object: KubeObject, kind: string, owner: string): boolean {
  const refs = list(at(object, 'metadata', 'ownerReferences'));
  if (refs.some((r) => r.kind === kind && r.name === owner)) return true;
  return refs.length === 0 && nameOf(object).startsWith(`${owner}-`);
}

async function newestRequest(ctx: EngineContext, cert: ManagedCertificate): Promise<KubeObject | undefined> {
  const requests = await readCertManager(ctx, 'CertificateRequest', cert.namespace);
  return newest(
    requests.filter(
      (r) =>
        stringMap(at(r, 'metadata', 'annotations'))['cert-manager.io/certificate-name'] === cert.name ||
        ownedBy(r, 'Certificate', cert.name),
    ),
  );
}

/** The ACME side: the request's Order and a Challenge that does not pass. */
async function acmeBlocker(
  ctx: EngineContext,
  cert: ManagedCertificate,
  request: KubeObject | undefined,
  issuer: KubeObject | null | undefined,
  hints: RenewalHints,
): Promise<RenewalBlocker | null> {
  if (!request) return null;
  const orders = await readCertManager(ctx, 'Order', cert.namespace);
  const order = newest(orders.filter((o) => ownedBy(o, 'CertificateRequest', nameOf(request))));
  if (!order) return null;
  const challenges = (await readCertManager(ctx, 'Challenge', cert.namespace)).filter(
    (c) => ownedBy(c, 'Order', nameOf(order)) && str(at(c, 'status', 'state')) !== 'valid',
  );
  for (const challenge of challenges) {
    const solver = await solverClassBlocker(ctx, cert, challenge, issuer, hints);
    if (solver) return solver;
  }
  const challenge = challenges[0];
  if (challenge) return challengeBlocker(cert, challenge);
  const state = str(at(order, 'status', 'state'));
  const reason = str(at(order, 'status', 'reason'));
  if (state !== 'invalid' && state !== 'errored') return null;
  const statement = `ACME Order ${nameOf(order)} is ${state}${reason ? `: "${quote(reason, 220)}"` : ''}.`;
  return {
    object: { kind: 'Order', name: nameOf(order) },
    field: 'status.state',
    value: state,
    statement,
    fix: `Fix what the Order reports, then delete Order ${nameOf(order)} (or run \`cmctl renew ${cert.name} -n ${cert.namespace}\`) so cert-manager starts a new one.`,
    evidence: [{ source: 'kubernetes', detail: statement, ref: `order/${nameOf(order)}` }],
    clues: [cert.issuer.name],
  };
}

/**
 * An HTTP-01 solver whose ingress class no IngressClass provides: no controller admits the solver
 * Ingress (it has no address), so the ACME server's request for the token never reaches it.
 */
async function solverClassBlocker(
  ctx: EngineContext,
  cert: ManagedCertificate,
  challenge: KubeObject,
  issuer: KubeObject | null | undefined,
  hints: RenewalHints,
): Promise<RenewalBlocker | null> {
  const ingress = at(challenge, 'spec', 'solver', 'http01', 'ingress');
  const key = str(at(ingress, 'ingressClassName')) ? 'ingressClassName' : 'class';
  const className = str(at(ingress, key));
  if (!className) return null;
  const classes = await readObjects(ctx, 'IngressClass', { clusterScoped: true });
  const names = (classes ?? []).map(nameOf);
  if (!classes?.length || names.includes(className)) return null;
  const solverIngresses = ((await readObjects(ctx, 'Ingress', { namespace: cert.namespace })) ?? []).filter(
    (i) => ownedBy(i, 'Challenge', nameOf(challenge)),
  );
  const admitted = solverIngresses.some((i) =>
    list(at(i, 'status', 'loadBalancer', 'ingress')).some((a) => str(a.ip) ?? str(a.hostname)),
  );
  // An address means some controller serves the class after all (one configured by flag alone).
  if (admitted) return null;
  const solvers = list(at(issuer, 'spec', 'acme', 'solvers'));
  const index = solvers.findIndex((s) => str(at(s, 'http01', 'ingress', key)) === className);
  const field = `spec.acme.solvers[${Math.max(index, 0)}].http01.ingress.${key}`;
  const label = issuerLabel(cert);
  const defaults = (classes ?? [])
    .filter(
      (c) =>
        stringMap(at(c, 'metadata', 'annotations'))['ingressclass.kubernetes.io/is-default-class'] === 'true',
    )
    .map(nameOf);
  const target =
    hints.ingressClass && names.includes(hints.ingressClass) ? hints.ingressClass : (defaults[0] ?? names[0]);
  const solverName = solverIngresses[0] ? nameOf(solverIngresses[0]) : undefined;
  const dnsName = str(at(challenge, 'spec', 'dnsName')) ?? cert.dnsNames[0] ?? '<host>';
  const reason = str(at(challenge, 'status', 'reason'));
  const state = str(at(challenge, 'status', 'state')) ?? 'pending';
  const statement = `The HTTP-01 solver of ${label} uses ingress class "${className}" (${field}), and no IngressClass of that name exists (the cluster has ${names.join(', ')}): no ingress controller admits the solver Ingress${solverName ? ` ${solverName}` : ''}, so the ACME server's request for http://${dnsName}/.well-known/acme-challenge/<token> never reaches the solver and Challenge ${nameOf(challenge)} stays ${state}${reason ? ` ("${quote(reason, 160)}")` : ''}.`;
  return {
    object: { kind: cert.issuer.kind, name: cert.issuer.name },
    field,
    value: className,
    statement,
    fix: `Set ${field} of ${label} to "${target}"${target === hints.ingressClass ? " (the class the certificate's own Ingress uses)" : ''}${key === 'class' ? ` (or replace it with ingressClassName: ${target})` : ''}, then delete Challenge ${nameOf(challenge)} (or run \`cmctl renew ${cert.name} -n ${cert.namespace}\`) so cert-manager retries at once; it rewrites Secret ${cert.secretName} when the order completes.`,
    evidence: [
      {
        source: 'kubernetes',
        detail: `Challenge ${nameOf(challenge)} (${str(at(challenge, 'spec', 'type')) ?? 'HTTP-01'} for ${dnsName}) is ${state}${reason ? `: ${quote(reason, 200)}` : ''}; its solver uses ingress ${key} "${className}", and the IngressClasses are ${names.join(', ')}${solverName ? `; solver Ingress ${solverName} has no address` : ''}.`,
        ref: `challenge/${nameOf(challenge)}`,
      },
    ],
    clues: [className, ...(target ? [target] : [])],
  };
}

/** A Challenge that does not pass for another reason: its own words, with what each solver type needs. */
function challengeBlocker(cert: ManagedCertificate, challenge: KubeObject): RenewalBlocker {
  const name = nameOf(challenge);
  const type =
    str(at(challenge, 'spec', 'type')) ?? (at(challenge, 'spec', 'solver', 'dns01') ? 'DNS-01' : 'HTTP-01');
  const dnsName = str(at(challenge, 'spec', 'dnsName')) ?? cert.dnsNames[0] ?? '<host>';
  const state = str(at(challenge, 'status', 'state')) ?? 'pending';
  const reason = str(at(challenge, 'status', 'reason'));
  const label = issuerLabel(cert);
  const statement = `ACME Challenge ${name} (${type} for ${dnsName}) is ${state}${reason ? `: "${quote(reason, 220)}"` : ''}.`;
  const fix = /dns/i.test(type)
    ? `Fix the DNS-01 solver of ${label} (spec.acme.solvers[].dns01: its provider credentials and the zone it may edit) so it can publish _acme-challenge.${dnsName}; then delete Challenge ${name} so cert-manager retries.`
    : `Make http://${dnsName}/.well-known/acme-challenge/ reach the solver (its Ingress class and address, DNS of ${dnsName}, redirects or auth in front), then delete Challenge ${name} so cert-manager retries.`;
  return {
    object: { kind: cert.issuer.kind, name: cert.issuer.name },
    field: 'status.reason',
    ...(reason ? { value: reason } : {}),
    statement,
    fix,
    evidence: [{ source: 'kubernetes', detail: statement, ref: `challenge/${name}` }],
    clues: [cert.issuer.name],
  };
}

/** A CertificateRequest that was denied or failed, or is pending with a message that says on what. */
function requestBlocker(cert: ManagedCertificate, request: KubeObject | undefined): RenewalBlocker | null {
  if (!request) return null;
  const name = nameOf(request);
  const denied = condition(request, 'Denied');
  const invalid = condition(request, 'InvalidRequest');
  const ready = condition(request, 'Ready');
  const said =
    denied?.status === 'True'
      ? { reason: 'Denied', message: denied.message }
      : invalid?.status === 'True'
        ? { reason: 'InvalidRequest', message: invalid.message }
        : ready?.status === 'False'
          ? { reason: ready.reason, message: ready.message }
          : undefined;
  if (!said?.message) return null;
  const statement = `CertificateRequest ${name} is not issued (${said.reason ?? 'Ready=False'}): "${quote(said.message, 240)}".`;
  return {
    object: { kind: 'CertificateRequest', name },
    field: 'status.conditions',
    value: said.reason ?? 'Ready=False',
    statement,
    fix: `Fix what CertificateRequest ${name} reports, then run \`cmctl renew ${cert.name} -n ${cert.namespace}\` so cert-manager issues a new one.`,
    evidence: [{ source: 'kubernetes', detail: statement, ref: `certificaterequest/${name}` }],
    clues: [cert.issuer.name],
  };
}
