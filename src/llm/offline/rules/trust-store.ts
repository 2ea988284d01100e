/**
 * Outbound TLS that fails because the process does not trust the servers' certificate authority:
 * the image it runs on has no CA bundle (scratch, a bare Debian/Ubuntu without ca-certificates), or
 * the bundle, truststore or CA mount it had was dropped. Every TLS stack says it its own way.
 */
import type { EngineContext } from '../../engine.js';
import { quote } from '../quote.js';
import {
  currentImageBuildFiles,
  findBuildChange,
  fromLine,
  IMAGE_BUILD_FILE,
  isRuntimeStage,
  noteBuildChange,
  runtimeImageOf,
  type BuildChange,
} from './image-build.js';
import { recentCommitDetails } from './recent-change.js';
import { findLogged, loggedLineEvidence } from './runtime-logged.js';
import { times, type Rule } from './verdict.js';

/**
 * An unknown issuer, as Go, OpenSSL (Python, Ruby, PHP, curl), Node, the JVM, .NET, rustls and
 * Erlang report it.
 */
const UNTRUSTED =
  /x509: certificate signed by unknown authority|x509: failed to load system roots|unable to get local issuer certificate|UNABLE_TO_GET_ISSUER_CERT(?:_LOCALLY)?|unable to get issuer certificate|PKIX path building failed|unable to find valid certification path|CERTIFICATE_VERIFY_FAILED|certificate verify failed|SSL certificate problem|self[- ]signed certificate in certificate chain|SELF_SIGNED_CERT_IN_CHAIN|UnknownIssuer|\bunknown[ _]ca\b|UntrustedRoot|PartialChain|Could not find a suitable TLS CA certificate bundle/i;

/** The same words about another fault: an expired or not-yet-valid certificate, a wrong host name. */
const OTHER_CERT_FAULT =
  /expired|not yet valid|hostname mismatch|doesn't match|does not match|not valid for|NotValidForName|CertificateExpired|ERR_TLS_CERT_ALTNAME/i;

/** Lines that give a process its trusted roots: the CA bundle, truststores, CA mounts and variables. */
const CA_LINE =
  /ca-certificates|ca-bundle|\bcacerts\b|\/etc\/ssl\b|\/etc\/pki\b|update-ca-(?:certificates|trust)|SSL_CERT_(?:FILE|DIR)|REQUESTS_CA_BUNDLE|NODE_EXTRA_CA_CERTS|CURL_CA_BUNDLE|trust-?store|\bcertifi\b|\bca\.crt\b|root-?ca/i;

/** Images that ship no CA bundle of their own. */
function withoutBundle(image: string | undefined): string | undefined {
  if (!image) return undefined;
  const name = image.split('@')[0]?.split(':')[0]?.split('/').at(-1) ?? '';
  if (image === 'scratch')
    return 'scratch is an empty image: it has no /etc/ssl/certs, so the process has no root certificates unless the Dockerfile copies a CA bundle in';
  if (/^(?:debian|ubuntu|busybox)$/.test(name))
    return `${image} does not ship the ca-certificates package, so the process has no root certificates unless the Dockerfile installs it`;
  return undefined;
}

/** The hosts the failing calls went to, as the lines name them. */
function hostsOf(lines: readonly string[]): string[] {
  const hosts = new Set<string>();
  for (const line of lines)
    for (const m of line.matchAll(
      /https?:\/\/([\w.-]+)|\bhost=["']?([\w.-]+)|\b((?:[a-z0-9-]+\.)+[a-z]{2,}):\d{2,5}\b/gi,
    )) {
      const host = (m[1] ?? m[2] ?? m[3] ?? '').toLowerCase();
      // `client.go:45`, `Alert.java:131`: a source position, not a host.
      if (host && !/\.(?:java|kt|scala|go|py|rb|js|mjs|ts|cs|rs|php|exs?|erl|c|cc|cpp|h)$/.test(host))
        hosts.add(host);
    }
  return [...hosts];
}

/** Which changed lines cut the process off from its roots, and how surely. */
function judge(runtimeImage?: string) {
  return (file: string, changed: string[]): { lines: string[]; weight: number } | null => {
    const ca = changed.filter((l) => CA_LINE.test(l));
    if (IMAGE_BUILD_FILE.test(file)) {
      const removedCa = ca.filter((l) => l.startsWith('-'));
      if (removedCa.length) return { lines: removedCa, weight: 6 };
      const froms = changed
        .filter((l) => l.startsWith('+'))
        .flatMap((l) => {
          const from = fromLine(l.slice(1));
          return from ? [{ l, from }] : [];
        });
      const runtime = froms.find((f) => isRuntimeStage(f.from, runtimeImage));
      if (runtime) {
        const at = changed.indexOf(runtime.l);
        const removed = changed
          .slice(0, at)
          .reverse()
          .find((l) => l.startsWith('-') && fromLine(l.slice(1)));
        const lines = [removed, runtime.l].filter((l): l is string => Boolean(l));
        return { lines, weight: withoutBundle(runtime.from.image) ? 6 : 4 };
      }
      if (ca.length) return { lines: ca, weight: 3 };
      return froms[0] ? { lines: [froms[0].l], weight: 1 } : null;
    }
    // A CA mount or variable removed from a manifest or chart.
    const removed = ca.filter((l) => l.startsWith('-'));
    return removed.length ? { lines: removed, weight: 3 } : null;
  };
}

/**
 * TLS verification fails on an unknown issuer. When a recent change to the image build dropped the
 * CA bundle (a FROM moved to scratch, ca-certificates no longer installed or copied), that change
 * is the cause; without one, the server may present a certificate from a CA the pods do not trust.
 */
export const trustStoreRule: Rule = async (ctx, facts) => {
  const line = findLogged(facts, UNTRUSTED, OTHER_CERT_FAULT);
  if (!line) return null;
  ctx.casebook.evidence.push(loggedLineEvidence(line));
  // Signatures fold lines that differ only by host: the raw lines name every host called.
  const hosts = hostsOf([...line.samples, ...line.text.split('\n').filter((l) => UNTRUSTED.test(l))]);
  const change = await trustChange(ctx);
  const note = change ? noteBuildChange(ctx, change.change) : '';
  const newImage = change?.change.lines
    .filter((l) => l.startsWith('+'))
    .map((l) => fromLine(l.slice(1))?.image)
    .find(Boolean);
  const emptyImage = withoutBundle(newImage);
  const allHosts =
    hosts.length > 1
      ? ` Calls to ${hosts.length} different hosts fail alike (${hosts.slice(0, 3).join(', ')}), so the fault is on this side, not the servers'.`
      : hosts[0]
        ? ` The calls go to ${hosts[0]}.`
        : '';
  const said = `${facts.service}'s TLS connections fail certificate verification: "${quote(line.sample, 240)}" (${times(line.count)}).${allHosts}`;
  const sha = change?.change.commit.sha.slice(0, 7);
  const statement = change
    ? `${said} The process does not trust the certificate authorities that signed the servers' certificates because its image no longer gives it the CA bundle (root certificates). ${note}${emptyImage ? ` ${emptyImage[0]?.toUpperCase()}${emptyImage.slice(1)}.` : ' That change to the image build removed the trusted roots the TLS client reads.'}`
    : `${said} The process does not trust the certificate authority that signed the server's certificate: either its image lost its CA bundle (root certificates), or the server now presents a certificate from a CA the pods do not trust (a private CA, a rotated issuer, an intercepting proxy).`;
  const fix = change
    ? newImage === 'scratch'
      ? `Put a CA bundle back into the final stage: \`COPY --from=<build stage> /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/\` in ${change.change.file}, or go back to a base image that ships one${change.previous ? ` (${change.previous})` : ''}; rebuild and redeploy. Do not turn off certificate verification.`
      : `Restore the CA bundle in the image (install ca-certificates in the final stage, or revert the change to ${change.change.file} from ${sha}), rebuild and redeploy. Do not turn off certificate verification.`
    : `Check which CA issued the server's certificate and whether the image's CA bundle (/etc/ssl/certs, the JVM's cacerts) contains it; add the CA to the image or mount it (SSL_CERT_FILE), rather than turning off verification.`;
  return {
    status: 'diagnosed',
    summary: change
      ? `${facts.service}'s outbound TLS calls fail with an unknown certificate authority since commit ${sha} changed ${change.change.file} and dropped the image's CA certificates.`
      : `${facts.service}'s outbound TLS calls fail: the server's certificate authority is not trusted (${times(line.count)}).`,
    statement,
    confidence: change ? 'high' : 'medium',
    fix,
    // Rolling back helps only when the image is what changed; a server's new CA is not undone here.
    rollback: Boolean(change),
    ...(change ? {} : { clues: ['ca-certificates', 'SSL_CERT_FILE', 'truststore', 'cacerts'] }),
  };
};

async function trustChange(ctx: EngineContext): Promise<{ change: BuildChange; previous?: string } | null> {
  const commits = await recentCommitDetails(ctx);
  const touched = commits.flatMap((c) => c.files.map((f) => f.path)).filter((p) => IMAGE_BUILD_FILE.test(p));
  const current = touched.length ? await currentImageBuildFiles(ctx, touched) : new Map<string, string>();
  const runtimeImage = [...current.values()].map((c) => runtimeImageOf(c)).find(Boolean);
  const change = findBuildChange(commits, judge(runtimeImage));
  if (!change || change.weight < 3) return null;
  const previous = change.lines
    .filter((l) => l.startsWith('-'))
    .map((l) => fromLine(l.slice(1))?.image)
    .find(Boolean);
  return { change, ...(previous ? { previous } : {}) };
}
