import { parseLogLine } from '../../../util/log-lines.js';
import { readObject } from '../cluster-read.js';
import type { PodLog } from '../facts.js';
import { significantError } from '../health.js';
import { at, list, num, str } from '../k8s-object.js';
import { quote } from '../quote.js';
import { UNREACHABLE } from './signals.js';
import { listenMismatch } from './probes.js';
import { times, type Rule, type Verdict } from './verdict.js';

/** Words an application logs once it has finished starting and serves. */
const STARTED =
  /\blisten(?:ing|s)? (?:on|at)\b|\bserving\b|\bserver started\b|\bstarted (?:server|http|grpc)|\bready to accept\b|\bstartup complete|\bstarted in \d|\bapplication started\b/i;

/** The kubelet's probe settings, with the API's defaults for fields left out. */
interface ProbeTiming {
  initialDelaySeconds: number;
  periodSeconds: number;
  failureThreshold: number;
  timeoutSeconds: number;
}

function timing(probe: unknown): ProbeTiming {
  return {
    initialDelaySeconds: num(at(probe, 'initialDelaySeconds')) ?? 0,
    periodSeconds: num(at(probe, 'periodSeconds')) ?? 10,
    failureThreshold: num(at(probe, 'failureThreshold')) ?? 3,
    timeoutSeconds: num(at(probe, 'timeoutSeconds')) ?? 1,
  };
}

/** How long a container ran, from the first to the last timestamp of its log, in seconds. */
function ranFor(log: PodLog): { seconds: number; lastLine: string } | null {
  const lines = log.text
    .split('\n')
    .filter((l) => l.trim())
    .map(parseLogLine)
    .filter((l) => l.time && !Number.isNaN(Date.parse(l.time)));
  const first = lines[0];
  const last = lines.at(-1);
  if (!first?.time || !last?.time || lines.length < 2) return null;
  return {
    seconds: Math.round((Date.parse(last.time) - Date.parse(first.time)) / 1000),
    lastLine: last.text || last.raw,
  };
}

/**
 * The kubelet kills and restarts containers because their liveness probe fails ("Container x
 * failed liveness probe, will be restarted"): the liveness probe, not readiness, is what keeps the
 * service down. When the killed container's log shows it was still starting (no error, never
 * said it serves) and the probe's budget (initialDelaySeconds + failureThreshold × periodSeconds)
 * is shorter than the start-up, the probe is too tight for a slow start and there is no
 * startupProbe to cover it.
 */
export const livenessKillRule: Rule = async (ctx, facts) => {
  const kills = facts.related.filter(
    (e) => e.reason === 'Killing' && /failed liveness probe/i.test(e.message ?? ''),
  );
  const killed = kills.reduce((n, e) => n + (e.count ?? 1), 0);
  const restarted = facts.listing.pods.filter((p) => (p.restarts ?? 0) > 0);
  if (!kills.length || !restarted.length) return null;
  const first = kills[0];
  const container = first?.message?.match(/Container (\S+) failed liveness probe/i)?.[1];
  const failures = facts.related.filter(
    (e) => e.reason === 'Unhealthy' && /liveness probe/i.test(e.message ?? ''),
  );
  // Refused because the server listens elsewhere: the probe rule names the address and port.
  if (listenMismatch(facts, failures[0]?.message ?? '')) return null;
  const podName = first?.object?.split('/').at(-1);
  const pod = podName && facts.listing.pods.some((p) => p.name === podName) ? podName : restarted[0]?.name;
  const object = pod ? await readObject(ctx, 'Pod', pod, facts.namespace) : null;
  const spec = list(at(object, 'spec', 'containers')).find((c) => !container || str(c.name) === container);
  const probe = at(spec, 'livenessProbe');
  const hasStartupProbe = Boolean(at(spec, 'startupProbe'));
  const t = timing(probe);
  const budget = t.initialDelaySeconds + t.failureThreshold * t.periodSeconds;
  const name = container ?? str(at(spec, 'name')) ?? 'the container';

  ctx.casebook.evidence.push({
    source: 'kubernetes',
    detail: `Killing: ${quote(first?.message ?? '', 200)} (×${killed})${failures[0] ? `; ${quote(failures[0].message ?? '', 200)}` : ''}`,
    ref: first?.object,
  });
  const previous = facts.logs.filter((l) => l.previous && !l.container);
  const crashed = previous.some((l) => l.analysis.signatures.some((s) => significantError(s, l)));
  const run = previous.map(ranFor).find(Boolean) ?? null;
  const starting = previous.length > 0 && !crashed && !previous.some((l) => STARTED.test(l.text));
  const probeText = probe
    ? `initialDelaySeconds ${t.initialDelaySeconds}, periodSeconds ${t.periodSeconds}, failureThreshold ${t.failureThreshold}`
    : '';
  const objects = facts.listing.workload ? [facts.listing.workload] : [];
  const clues = ['livenessProbe', 'initialDelaySeconds', 'failureThreshold'];

  if (starting && run && probe && !hasStartupProbe && run.seconds >= budget - t.periodSeconds) {
    ctx.casebook.evidence.push({
      source: 'logs',
      detail: `The killed container ran ${run.seconds} s and was still starting when it was killed; its last line: ${quote(run.lastLine, 200)}`,
      ref: `pod/${previous[0]?.pod ?? pod}`,
    });
    return {
      status: 'diagnosed',
      summary: `${facts.service}'s liveness probe kills ${name} before it finishes starting: the kubelet restarted it ${times(killed)}, so the restarted pods never become ready.`,
      statement: `The liveness probe is too tight for ${name}'s slow start-up: it allows about ${budget} s (${probeText}) and there is no startupProbe, but the container was still starting after ${run.seconds} s (last line "${quote(run.lastLine, 160)}") when the kubelet killed it ("${quote(first?.message ?? '', 120)}"). Every restart begins the start-up again, so it never completes.`,
      confidence: 'high',
      fix: `Give ${name} time to start: add a startupProbe on the same endpoint whose failureThreshold × periodSeconds exceeds the start-up time seen (over ${run.seconds} s), or raise the liveness probe's initialDelaySeconds; keep the liveness probe for hangs after start.`,
      objects,
      clues,
    } satisfies Verdict;
  }
  const error = previous.flatMap((l) => l.analysis.signatures.filter((s) => significantError(s, l)))[0];
  return {
    status: 'diagnosed',
    summary: `${facts.service}'s liveness probe fails, and the kubelet restarts ${name} (${times(killed)}).`,
    statement: `The liveness probe of ${name} fails ("${quote(failures[0]?.message ?? first?.message ?? '', 200)}") and the kubelet kills and restarts the container${probeText ? ` (${probeText})` : ''}.${error ? ` Before it was killed it logged "${quote(error.sample, 160)}".` : ''}`,
    confidence: 'medium',
    fix: `Find why ${name} stops answering its liveness endpoint${error ? ' (the error above)' : ''}; if it is only slow, loosen the probe (timeoutSeconds, failureThreshold) or add a startupProbe.`,
    objects,
    clues,
  };
};

/**
 * A liveness probe that checks a dependency: the health endpoint fails while a database, cache or
 * API it calls is unreachable, so a blip of that dependency makes the kubelet restart every pod at
 * once — a dependency outage turned into a restart of the whole fleet, and the next blip repeats
 * it. Liveness should say only whether the process itself is stuck; dependency checks belong in
 * readiness. Judged before the dependency itself: the restarts, not the blip, are what to fix here.
 */
export const livenessDependencyRule: Rule = (ctx, facts) => livenessDependency(ctx, facts, false);

/**
 * The same, judged after the dependency came back and the pods settled: it still stands when the
 * whole fleet was restarted together, since the next blip will restart it again.
 */
export const fleetLivenessRule: Rule = (ctx, facts) => livenessDependency(ctx, facts, true);

const livenessDependency = async (
  ctx: Parameters<Rule>[0],
  facts: Parameters<Rule>[1],
  fleet: boolean,
): Promise<Verdict | null> => {
  const kills = facts.related.filter(
    (e) => e.reason === 'Killing' && /failed liveness probe/i.test(e.message ?? ''),
  );
  const killedPods = new Set(kills.map((e) => e.object).filter(Boolean));
  if (!kills.length || !facts.listing.pods.some((p) => (p.restarts ?? 0) > 0)) return null;
  if (fleet && (killedPods.size < 2 || facts.listing.pods.some((p) => !(p.restarts ?? 0)))) return null;
  const dependencyErrors = facts.logs.flatMap((l) =>
    l.analysis.signatures
      // Out of descriptors is this process's own failure, whatever it was dialling.
      .filter(
        (s) =>
          s.kind !== 'warning' &&
          UNREACHABLE.test(`${s.message} ${s.sample}`) &&
          !/too many open files|EMFILE/i.test(s.sample),
      )
      .map((s) => ({ s, pod: l.pod })),
  );
  const inHealthCheck = dependencyErrors.find((e) =>
    /\bhealth|\blivez\b|\bliveness\b|\bping\b/i.test(e.s.sample),
  );
  // The health check itself says the dependency failed it; or the fleet restarted together and
  // is fine again now that the dependency is back.
  const readyNow = facts.listing.pods.every((p) => p.containers.every((c) => c.init || c.ready === true));
  if (!inHealthCheck && (killedPods.size < 2 || !dependencyErrors.length || !readyNow)) return null;
  const error = inHealthCheck ?? dependencyErrors[0];
  if (!error) return null;
  const pod = kills[0]?.object?.split('/').at(-1) ?? error.pod;
  const object = await readObject(ctx, 'Pod', pod, facts.namespace);
  const spec = list(at(object, 'spec', 'containers')).find((c) => at(c, 'livenessProbe'));
  const path = str(at(spec, 'livenessProbe', 'httpGet', 'path'));
  const killed = kills.reduce((n, e) => n + (e.count ?? 1), 0);
  ctx.casebook.evidence.push(
    {
      source: 'kubernetes',
      detail: `Killing: ${quote(kills[0]?.message ?? '', 160)} (×${killed}, ${killedPods.size} pod(s))`,
      ref: kills[0]?.object,
    },
    {
      source: 'logs',
      detail: `${quote(error.s.sample, 300)} (${times(error.s.count)})`,
      ref: `pod/${error.pod}`,
    },
  );
  return {
    status: 'diagnosed',
    summary: `${facts.service}'s liveness probe${path ? ` (${path})` : ''} checks a dependency: when that dependency was unreachable, the probe failed and the kubelet restarted ${killedPods.size > 1 ? `${killedPods.size} pods at once` : 'the pod'}.`,
    statement: `The liveness probe${path ? ` on ${path}` : ''} fails whenever a dependency does: its check failed with "${quote(error.s.sample, 220)}", and the kubelet killed and restarted the containers (${times(killed)}${killedPods.size > 1 ? ` across ${killedPods.size} pods` : ''}). A dependency blip became a restart of the service, and the next one will repeat it; liveness should only say whether the process itself is stuck.`,
    confidence: 'high',
    fix: `Point the liveness probe at an endpoint that checks only the process (no database, cache or downstream calls), and keep dependency checks in the readiness probe, which takes pods out of the Service without restarting them.`,
    objects: facts.listing.workload ? [facts.listing.workload] : [],
    clues: ['livenessProbe', ...(path ? [path] : [])],
  } satisfies Verdict;
};
