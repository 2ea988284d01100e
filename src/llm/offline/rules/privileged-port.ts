import { readObject } from '../cluster-read.js';
import { at, list } from '../k8s-object.js';
import { quote } from '../quote.js';
import { tentativeChange } from './tentative-change.js';
import type { Rule } from './verdict.js';

/**
 * A bind refused for lack of privilege, as each runtime words it: Go `listen tcp :80: bind:
 * permission denied`, Node `listen EACCES: permission denied 0.0.0.0:80`, nginx `bind() to
 * 0.0.0.0:80 failed (13: Permission denied)`, Java `BindException: Permission denied`, Python
 * `[Errno 13] Permission denied` from a bind. The port is the first group that matched.
 */
const BIND_DENIED = [
  /listen tcp[46]? [^\s]*?:(\d+): bind: permission denied/i,
  /listen EACCES: permission denied [^\s]*?:(\d+)/i,
  /bind\(\) to [^\s]*?:(\d+) failed \(13: Permission denied\)/i,
  /BindException: Permission denied.*?:(\d+)/i,
  /\[Errno 13\] Permission denied.*?(?:port |:)(\d+)/i,
  /(?:can't|cannot|could not) bind.*?:(\d+).*permission denied/i,
];
/** Below this the kernel lets only root (or CAP_NET_BIND_SERVICE) bind, unless the sysctl lowers it. */
const FIRST_UNPRIVILEGED_PORT = 1024;
/** What makes a container run as a user other than root, in a Dockerfile or a manifest. */
const NON_ROOT = ['USER ', ':nonroot', 'nonroot', 'runAsNonRoot', 'runAsUser'];

function bindDenied(text: string): { line: string; port: number } | null {
  for (const line of text.split('\n')) {
    for (const pattern of BIND_DENIED) {
      const port = Number(line.match(pattern)?.[1]);
      if (port > 0 && port < FIRST_UNPRIVILEGED_PORT) return { line: line.trim(), port };
    }
  }
  return null;
}

/** The pod's own word on who it runs as: runAsNonRoot / runAsUser at pod or container level. */
async function runsAs(ctx: Parameters<Rule>[0], pod: string, namespace: string): Promise<string | null> {
  const object = await readObject(ctx, 'Pod', pod, namespace);
  if (!object) return null;
  const contexts = [
    at(object, 'spec', 'securityContext'),
    ...list(at(object, 'spec', 'containers')).map((c) => c.securityContext),
  ];
  for (const sc of contexts) {
    const user = at(sc, 'runAsUser');
    if (typeof user === 'number' && user !== 0) return `runAsUser ${user}`;
    if (at(sc, 'runAsNonRoot') === true) return 'runAsNonRoot: true';
  }
  return null;
}

/**
 * A process that cannot bind a privileged port because it no longer runs as root: the image's
 * user (a distroless :nonroot base, a USER line) or the pod's securityContext changed, and the
 * listen port did not. The change to name is the one that made the user non-root, not the deploy
 * that merely rolled the image out.
 */
export const privilegedPortRule: Rule = async (ctx, facts) => {
  const hit = facts.logs
    .map((log) => ({ log, denied: bindDenied(log.text) }))
    .find((x): x is { log: (typeof facts.logs)[number]; denied: { line: string; port: number } } =>
      Boolean(x.denied),
    );
  if (!hit) return null;
  const { log, denied } = hit;
  ctx.casebook.evidence.push({
    source: 'logs',
    detail: `${quote(denied.line, 240)}${log.previous ? ' (previous container, before the crash)' : ''}`,
    ref: `pod/${log.pod}`,
  });
  const user = await runsAs(ctx, log.pod, facts.namespace);
  if (user)
    ctx.casebook.evidence.push({
      source: 'kubernetes',
      detail: `pod ${log.pod} securityContext: ${user}`,
      ref: `pod/${log.pod}`,
    });
  const change = await tentativeChange(
    ctx,
    { text: `permission denied bind port ${denied.port} nonroot user`, files: [], focus: NON_ROOT },
    (c) => c.lines.some((l) => l.startsWith('+') && NON_ROOT.some((v) => l.includes(v))),
  );
  const crash = facts.problems.find((p) => p.pod === log.pod);
  return {
    status: 'diagnosed',
    summary: `${facts.service} cannot bind port ${denied.port}: it runs as a non-root user, and ports below ${FIRST_UNPRIVILEGED_PORT} are privileged${crash ? `, so the container exits and restarts (${crash.reason})` : ''}.`,
    statement: `The process in ${log.pod} fails to listen on port ${denied.port} ("${quote(denied.line, 200)}"): it runs as an unprivileged, non-root user${user ? ` (${user})` : ''}, and only root or a process with CAP_NET_BIND_SERVICE may bind a privileged port (below ${FIRST_UNPRIVILEGED_PORT}).${change ? ` The container became non-root with this change: ${change.note}` : ''}`,
    confidence: 'high',
    fix: `Keep the non-root user and listen on an unprivileged port instead (e.g. 8080): change the server's listen address${change ? ` (the image's user changed in ${change.culpritFile ?? change.files[0] ?? 'the commit'}, ${change.commit.sha.slice(0, 7)})` : ''}, and point containerPort and the Service's targetPort at it; or, if port ${denied.port} must stay, set the sysctl net.ipv4.ip_unprivileged_port_start=0 in the pod's securityContext.sysctls (a safe sysctl since Kubernetes 1.22; an added NET_BIND_SERVICE capability does not reach a non-root process's effective set).`,
    rollback: true,
  };
};
