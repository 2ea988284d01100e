import type { EngineContext } from '../../engine.js';
import type { ServiceFacts } from '../facts.js';
import type { LogSignature } from '../log-analysis.js';
import { quote } from '../quote.js';
import { suspectOf } from '../tool-data.js';
import { podEnvironment } from '../pod-env.js';
import { limiterChange, type LimiterChange } from './rate-limit-change.js';
import { showLine } from './recent-change.js';
import { hostsIn, serviceOfHost } from '../targets.js';
import { RATE_LIMITED } from './signals.js';
import type { Rule } from './verdict.js';

const URL_HOST = /https?:\/\/([A-Za-z0-9.-]+\.[A-Za-z]{2,})/g;

interface Limited {
  signatures: { signature: LogSignature; pod: string }[];
  count: number;
  pods: string[];
  firstAt?: string;
}

/**
 * The rate-limit answers in the logs, when they are the service's trouble: at least three, and at
 * least half of what it logs as errors (a crash with a stray 429 warning beside it is the crash's story).
 */
function rateLimited(facts: ServiceFacts): Limited | null {
  const signatures = facts.logs.flatMap((l) =>
    l.analysis.signatures.map((signature) => ({ signature, pod: l.pod })),
  );
  const matches = (s: LogSignature) => RATE_LIMITED.test(`${s.type ?? ''} ${s.message}`);
  const limited = signatures.filter((x) => matches(x.signature));
  const errors = signatures.filter((x) => x.signature.kind !== 'warning');
  const errorCount = errors.reduce((n, x) => n + x.signature.count, 0);
  const limitedErrors = errors.filter((x) => matches(x.signature)).reduce((n, x) => n + x.signature.count, 0);
  // Each refused call usually logs a warning per attempt and an error at the end: count the larger kind.
  const count = Math.max(
    limitedErrors,
    limited.filter((x) => x.signature.kind === 'warning').reduce((n, x) => n + x.signature.count, 0),
  );
  if (count < 3 || limitedErrors * 2 < errorCount) return null;
  const firstAt = limited
    .map((x) => x.signature.firstAt ?? '')
    .filter(Boolean)
    .sort()[0];
  return {
    signatures: limited.sort((a, b) => b.signature.count - a.signature.count),
    count,
    pods: [...new Set(limited.map((x) => x.pod))],
    ...(firstAt ? { firstAt } : {}),
  };
}

function external(host: string): boolean {
  return !/(^|\.)(svc|cluster\.local|local|localhost|internal)$/.test(host) && !/^[\d.]+$/.test(host);
}

/**
 * The API that answers 429: a URL (or, for a service in the cluster, a host:port) in the refused
 * lines; else the URL the log gives for the word that answered (`geocoder answered 429` …
 * `geocoder="https://api.example.com/v2"`); else the one outside host the logs call.
 */
function apiHost(facts: ServiceFacts, limited: Limited): string | undefined {
  const samples = limited.signatures.map((x) => x.signature.sample);
  for (const sample of samples)
    for (const m of sample.matchAll(URL_HOST)) if (m[1] && external(m[1])) return m[1];
  for (const sample of samples) {
    const inCluster = hostsIn(sample).find((h) => serviceOfHost(h.host, facts.namespace));
    if (inCluster && /[.:]/.test(`${inCluster.host}${inCluster.port ? ':' : ''}`)) return inCluster.host;
  }
  const text = facts.logs.map((l) => l.text).join('\n');
  for (const sample of samples) {
    const who = /([A-Za-z_][\w-]*)\s+(?:answered|returned|responded|replied|said)\b/.exec(sample)?.[1];
    if (!who) continue;
    const named = new RegExp(`\\b${who}["']?\\s*[=:]\\s*["']?https?://([A-Za-z0-9.-]+)`, 'i').exec(text)?.[1];
    if (named && external(named)) return named;
  }
  const hosts = new Set([...text.matchAll(URL_HOST)].map((m) => m[1] ?? '').filter(external));
  return hosts.size === 1 ? [...hosts][0] : undefined;
}

/** Words of a refused line worth matching against setting names: `[HomeFinder]` → `homefinder`. */
function words(text: string): string[] {
  return [...new Set((text.match(/[A-Za-z][A-Za-z0-9]{3,}/g) ?? []).map((w) => w.toLowerCase()))].filter(
    (w) =>
      !/^(https?|http|status|error|warn|request|requests|many|limit|rate|retry|after|with|from|this|that|server|responded|remaining|reset)$/.test(
        w,
      ),
  );
}

/**
 * The API's URL as the refused pod is configured with it, when the logs name the API only by a
 * word (`[HomeFinder] PUT … -> 429`): the environment entry (literal or from a ConfigMap) holding
 * an outside URL whose name or host carries that word; else the only such entry.
 */
async function configuredApi(
  ctx: EngineContext,
  facts: ServiceFacts,
  limited: Limited,
): Promise<{ host: string; name: string; value: string; from: string } | undefined> {
  const pod = limited.signatures[0]?.pod;
  if (!pod) return undefined;
  const urls = (await podEnvironment(ctx, pod, facts.namespace)).flatMap((e) => {
    const host = [...e.value.matchAll(URL_HOST)][0]?.[1];
    return host && external(host) ? [{ ...e, host }] : [];
  });
  const said = words(limited.signatures.map((x) => x.signature.sample).join(' '));
  const squash = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, '');
  const named = urls.find((u) => said.some((w) => squash(u.name).includes(w) || squash(u.host).includes(w)));
  const unique = new Set(urls.map((u) => u.host)).size === 1 ? urls[0] : undefined;
  return named ?? unique;
}

/** The change in words: the settings it raised (`concurrency` 5 → 25 in config/sidekiq.yml), or the lines that removed pacing. */
function describeChange(change: LimiterChange): { raised: boolean; text: string } {
  const raised = change.files.flatMap((f) =>
    f.raised.map((r) => `\`${showLine(r.lines[0])}\` → \`${showLine(r.lines[1])}\` in ${f.path}`),
  );
  if (raised.length) return { raised: true, text: raised.join(', ') };
  const lines = change.files.flatMap((f) => f.lines.map((l) => `\`${showLine(l)}\` in ${f.path}`));
  return { raised: false, text: lines.slice(0, 4).join(', ') };
}

/**
 * The service's calls to an API are refused with 429 Too Many Requests: it is being rate limited.
 * The usual cause is on this side: a change that removed or loosened the client's pacing (a
 * limiter, a semaphore, retries with backoff) or multiplied its callers (concurrency, workers,
 * replicas, a busier schedule), so more requests go out than the quota allows.
 */
export const rateLimitRule: Rule = async (ctx, facts) => {
  const limited = rateLimited(facts);
  if (!limited) return null;
  const top = limited.signatures[0];
  if (!top) return null;
  const named = apiHost(facts, limited);
  const configured = named ? undefined : await configuredApi(ctx, facts, limited);
  const host = named ?? configured?.host;
  const api = host ? `the API at ${host}` : 'the API it calls';
  const pods = limited.pods.length;
  ctx.casebook.evidence.push({
    source: 'logs',
    detail: `${quote(top.signature.sample, 280)} (${limited.count} rate-limited answers in the recent logs of ${pods} pod${pods === 1 ? '' : 's'}${limited.firstAt ? `, first at ${limited.firstAt}` : ''})`,
    ref: `pod/${top.pod}`,
  });
  if (configured)
    ctx.casebook.evidence.push({
      source: 'kubernetes',
      detail: `pod ${top.pod} calls the API at ${configured.value} (${configured.name}, from ${configured.from === 'env' ? 'its env' : configured.from})`,
      ref: `pod/${top.pod}`,
    });
  const change = await limiterChange(ctx, limited.firstAt);
  let note = '';
  const described = change ? describeChange(change) : null;
  if (change && described) {
    const sha = change.commit.sha.slice(0, 7);
    const subject = (change.commit.message ?? '').split('\n')[0]?.trim() ?? '';
    const who = `Commit ${sha} "${subject}" (${change.commit.author ?? 'unknown'}, ${change.commit.date ?? ''})`;
    note = described.raised
      ? ` ${who} raised how hard the service calls it: ${described.text}; together the workers send more requests at once than the API's quota allows.`
      : ` ${who} removed or loosened the client-side rate limiting: ${described.text}; without that pacing the service sends requests faster than the API's quota allows.`;
    for (const f of [...change.files].reverse()) ctx.casebook.suspectFiles.unshift({ path: f.path });
    ctx.casebook.suspectCommits.push(suspectOf(change.commit));
    ctx.casebook.evidence.push({ source: 'github', detail: note.trim(), ref: change.commit.sha });
  }
  const statement =
    `${facts.service} is being rate limited by ${api}: ${limited.count} answers of HTTP 429 Too Many Requests ` +
    `(rate limit / quota exceeded) in the recent logs of ${pods} pod${pods === 1 ? '' : 's'}, e.g. "${quote(top.signature.sample, 220)}".${note}`;
  const sha = change?.commit.sha.slice(0, 7);
  const paths = change?.files.map((f) => f.path).join(' and ');
  return {
    status: 'diagnosed',
    summary: `${facts.service} is being rate limited by ${api} (HTTP 429 Too Many Requests, ${limited.count} times in recent logs)${change ? ` since commit ${sha} ${described?.raised ? `raised its request concurrency (${described.text})` : 'removed its client-side limiter'}` : ''}.`,
    statement,
    confidence: change ? 'high' : 'medium',
    fix: described?.raised
      ? `Bring the request rate back under the API's quota: revert ${sha} (${described.text}), or keep the throughput and throttle the calls to the API with one limiter shared by every replica and worker, sized to the quota. ` +
        `Retry 429s only after the Retry-After delay, with exponential backoff and jitter; if more throughput is needed, raise the quota with the provider.`
      : `${change ? `Restore the client-side rate limiter (revert ${sha} in ${paths}), ` : 'Add client-side rate limiting, '}` +
        `sized to the API's quota divided across every replica and worker; cap concurrency, and retry 429s only after ` +
        `the Retry-After delay with exponential backoff and jitter. If more throughput is needed, raise the quota with the provider.`,
    rollback: Boolean(change),
  };
};
