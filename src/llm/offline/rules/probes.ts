import type { EventInfo } from '../tool-data.js';
import type { EngineContext } from '../../engine.js';
import type { ServiceFacts } from '../facts.js';
import { readObject } from '../cluster-read.js';
import { at, list, str } from '../k8s-object.js';
import { transientWarning } from '../health.js';
import { quote } from '../quote.js';
import { UNREACHABLE } from './signals.js';
import { notePortChange, portChange } from './port-change.js';
import { times, type Rule } from './verdict.js';

/** A log line saying where the server listens, and the port it names (`Now listening on: http://[::]:8080`). */
const LISTEN_LINE = /\b(?:listen(?:ing|s)?|bound|serving|accepting connections)\b/i;
const LOOPBACK_LISTEN =
  /listen(?:ing|s)?\s+(?:on|at):?\s+(?:https?:\/\/)?(127\.0\.0\.1|localhost|\[::1\])(?::(\d{2,5}))?/i;

function listenPort(line: string): string | undefined {
  const keyword = LISTEN_LINE.exec(line);
  if (!keyword) return undefined;
  const rest = line.slice(keyword.index + keyword[0].length, keyword.index + keyword[0].length + 80);
  return rest.match(/(?:\bport\b["'\s=:]*|[\]\w.*-]:|\s:|^:?\s*:)(\d{2,5})\b/i)?.[1];
}

/**
 * Where a refused probe's server really listens, from its own start-up lines: on the loopback
 * address only (the kubelet probes the pod IP), or on another port than the probe checks (a new
 * runtime default, a moved setting).
 */
export function listenMismatch(
  facts: ServiceFacts,
  probeMessage: string,
): { note: string; line: string; pod: string; port?: string } | null {
  if (!/refused/i.test(probeMessage)) return null;
  const probePort = probeMessage.match(/:(\d{2,5})(?:\/|:|\s|"|$)/)?.[1];
  for (const log of facts.logs) {
    const loopback = log.text.match(LOOPBACK_LISTEN);
    if (loopback)
      return {
        note: ` The application listens on ${loopback[1]}${loopback[2] ? `:${loopback[2]}` : ''}, the loopback address, so connections to the pod's IP (the probe's, and the Service's) are refused.`,
        line: loopback[0],
        pod: log.pod,
      };
    for (const line of log.text.split('\n')) {
      const port = listenPort(line);
      if (port && probePort && port !== probePort)
        return {
          note: ` The application listens on port ${port} but the probe checks port ${probePort}, where nothing listens.`,
          line: quote(line.trim(), 200),
          pod: log.pod,
          port,
        };
    }
  }
  return null;
}

/** Failing liveness or readiness probes. */
export const probeRule: Rule = async (ctx, facts) => {
  const unhealthy = facts.related.filter(
    (e) => (e.reason === 'Unhealthy' || /probe failed/i.test(e.message ?? '')) && !transientWarning(e, facts),
  );
  const first = unhealthy[0];
  if (!first) return null;
  const total = unhealthy.reduce((n, e) => n + (e.count ?? 1), 0);
  const kind = /liveness/i.test(first.message ?? '')
    ? 'liveness'
    : /readiness/i.test(first.message ?? '')
      ? 'readiness'
      : 'health';
  ctx.casebook.evidence.push({
    source: 'kubernetes',
    detail: `Unhealthy: ${quote(first.message ?? '', 300)} (×${total})`,
    ref: first.object,
  });
  const mismatch = listenMismatch(facts, first.message ?? '');
  const portNote = mismatch?.note ?? '';
  if (mismatch)
    ctx.casebook.evidence.push({ source: 'logs', detail: mismatch.line, ref: `pod/${mismatch.pod}` });
  // The server moved to another port: the change that set it, or the base image whose default moved.
  const moved = mismatch?.port ? await portChange(ctx, mismatch.port) : null;
  if (moved) notePortChange(ctx, moved);
  // The HTTP status a probe got says whether the path exists (404) or the check itself fails (5xx).
  const status = Number(first.message?.match(/statuscode: (\d{3})/)?.[1] ?? 0);
  const probed = kind === 'health' ? [] : await probeValues(ctx, facts, first, kind);
  const path = probed.find((v) => v.startsWith('/'));
  const pathNote =
    !portNote && (status === 404 || status === 405)
      ? ` The probe's path${path ? ` ${path}` : ''} answers ${status}: the application serves no such endpoint (a wrong path, or one renamed in the latest version).`
      : !portNote && (status === 401 || status === 403)
        ? ` The probe's path${path ? ` ${path}` : ''} answers ${status}: it now requires authentication, which the kubelet's probe never sends (authentication put in front of that path, often in the latest version).`
        : '';
  const notReady = facts.listing.pods.filter((p) => p.ready && p.ready.startsWith('0/'));
  // A failing dependency is the usual reason a health check fails: prefer those errors.
  const signatures = facts.logs.flatMap((l) => l.analysis.signatures.map((s) => ({ s, pod: l.pod })));
  const error =
    signatures.find((e) => UNREACHABLE.test(`${e.s.message} ${e.s.sample}`)) ??
    signatures.find((e) => e.s.kind !== 'warning');
  if (!portNote && error)
    ctx.casebook.evidence.push({
      source: 'logs',
      detail: `${error.s.sample} (${times(error.s.count)})`,
      ref: `pod/${error.pod}`,
    });
  return {
    status: 'diagnosed',
    summary: `${facts.service}'s ${kind} probe is failing (${total} failures)${notReady.length ? `; ${notReady.length} pod(s) are not ready${notReady.length === facts.listing.pods.length ? ', so its Service has no ready endpoints' : ''}` : ''}.`,
    statement: `The ${kind} probe fails: ${quote(first.message ?? 'Unhealthy', 240)}.${portNote}${moved ? ` ${moved.note}` : ''}${pathNote}${!portNote && !pathNote && error ? ` The service logs: "${quote(error.s.sample, 200)}".` : ''}`,
    confidence: portNote || pathNote || error ? 'high' : 'medium',
    fix: /loopback/.test(portNote)
      ? 'Make the application listen on all interfaces (0.0.0.0, or the pod IP), not the loopback address; then the probe and the Service reach it.'
      : portNote
        ? 'Make the probe and the application agree on the port (fix the probe or the listen address/port configuration).'
        : pathNote && (status === 401 || status === 403)
          ? `Serve the ${kind} check without authentication (exempt its path from the auth middleware, or point the probe at an unauthenticated health path), then roll out again.`
          : pathNote
            ? `Point the ${kind} probe at a path the application serves (or restore the endpoint), then roll out again.`
            : `Fix what makes the ${kind} check fail${error ? ` (the error above)` : ''}, or correct the probe's path, port or thresholds if they are wrong.`,
    rollback: Boolean(portNote || pathNote),
    objects: facts.listing.workload ? [facts.listing.workload] : [],
    clues:
      kind === 'health'
        ? []
        : [...probed, `${kind}Probe`, ...(pathNote && status < 404 ? authClues(path) : [])],
  };
};

/**
 * What a change that put authentication in front of a probe's path writes: the path's leading
 * segments (`/api` of `/api/health`, where such middleware is mounted) and the usual names of
 * authentication code.
 */
function authClues(path: string | undefined): string[] {
  const segments = (path ?? '').split('/').filter(Boolean);
  const prefixes = segments.slice(0, -1).map((_, i) => `/${segments.slice(0, i + 1).join('/')}`);
  return [
    ...prefixes.filter((p) => p.length >= 3),
    // Longer than five characters, so matched inside names (`requireSession`, `isAuthenticated`).
    ...['authent', 'Authent', 'authoriz', 'Authoriz', 'requireAuth', 'ensureAuth', 'withAuth'],
    ...['session', 'Session', 'passport', 'bearer', 'Bearer', 'security', 'Security'],
    ...['jwt', 'JWT', 'login', 'Login', 'oauth2', 'OAuth2'],
  ];
}

/**
 * A readiness probe that gets an HTTP answer it rejects (404 on its path after a change): the app
 * runs, the probe asks the wrong thing, the updated pods never turn ready and the rollout stalls.
 * That is the cause; a slip in the Service's ports found beside it is secondary.
 */
export function readinessAnswerRule(serviceWiring: Rule): Rule {
  return async (ctx, facts) => {
    const rejected = facts.related.some(
      (e) =>
        e.reason === 'Unhealthy' &&
        /readiness/i.test(e.message ?? '') &&
        /statuscode: 4\d\d/.test(e.message ?? '') &&
        (e.count ?? 1) >= 3,
    );
    const unready = facts.listing.pods.some((p) => p.containers.some((c) => !c.init && c.ready === false));
    if (!rejected || !unready) return null;
    const verdict = await probeRule(ctx, facts);
    if (!verdict) return null;
    const side = await serviceWiring(ctx, facts);
    return side
      ? {
          ...verdict,
          statement: `${verdict.statement} Secondary, not the cause of the stalled rollout: ${side.summary}`,
        }
      : verdict;
  };
}

/**
 * The values of the failing probe a change would have written: its path and port (from the pod's
 * spec, else from the event's URL) — the line that set them is the change behind the failure.
 */
async function probeValues(
  ctx: EngineContext,
  facts: Parameters<Rule>[1],
  event: EventInfo,
  kind: string,
): Promise<string[]> {
  const values = new Set<string>();
  const url = event.message?.match(/https?:\/\/[^/\s"]+:(\d{2,5})(\/[^\s"]*)?/);
  if (url?.[2] && url[2] !== '/') values.add(url[2]);
  if (url?.[1]) values.add(url[1]);
  const pod = event.object?.split('/').at(-1);
  const object =
    pod && pod !== facts.listing.workload?.name ? await readObject(ctx, 'Pod', pod, facts.namespace) : null;
  for (const c of list(at(object, 'spec', 'containers'))) {
    const probe = at(c, `${kind}Probe`);
    const port = at(probe, 'httpGet', 'port') ?? at(probe, 'tcpSocket', 'port') ?? at(probe, 'grpc', 'port');
    const path = str(at(probe, 'httpGet', 'path'));
    if (path && path !== '/') values.add(path);
    if (typeof port === 'number' || typeof port === 'string') values.add(String(port));
  }
  return [...values];
}
