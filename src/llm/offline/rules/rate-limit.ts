import type { EngineContext } from '../../engine.js';
import type { ServiceFacts } from '../facts.js';
import type { LogSignature } from '../log-analysis.js';
import { quote } from '../quote.js';
import { suspectOf } from '../tool-data.js';
import { recentCommitDetails, showLine } from './recent-change.js';
import type { Rule } from './verdict.js';

/**
 * An API answering "slow down": HTTP 429 Too Many Requests (RFC 6585) with its Retry-After, and
 * the words SDKs and providers use for it (throttling, quota exceeded, gRPC RESOURCE_EXHAUSTED,
 * S3's SlowDown). A bare 429 counts only as a status, not as any number in an id.
 */
const RATE_LIMITED =
  /(?:status|code|http|answered|returned|responded|got|response|error)\W{0,4}(?:code\W{0,3})?429\b|\b429 (?:Too Many|Client Error)|Too ?Many ?Requests|rate[- _]?limit(?:ed|ing)?\b|RateLimit|throttl(?:ed|ing)|quota (?:exceeded|exhausted)|exceeded (?:the |your )?(?:rate|quota|request limit)|RESOURCE_EXHAUSTED|Retry-After|\bSlowDown\b/i;

/** What a client uses to pace itself: limiters, semaphores, token buckets, concurrency caps, retries with backoff. */
const LIMITER =
  /rate.?limit|limiter|governor|throttl|semaphore|token.?bucket|leaky.?bucket|max.?concurren|concurren|parallelism|pacing|\bpaced?\b|back.?off|retr(?:y|ies)|batch.?size|\bburst|\brps\b|\bqps\b|per.?second|per_sec|requests.?per|until_ready|\bworkers?\b/i;
/** Settings a smaller value of which loosens the pacing (fewer retries, shorter waits). */
const LOWER_LOOSENS = /retr|back.?off|delay|interval|wait|sleep|cooldown/i;
/** Settings a larger value of which loosens it (more at once, more per second). */
const HIGHER_LOOSENS =
  /concurren|parallel|workers?|rps|qps|rate|burst|batch|limit|per.?sec|pool|inflight|in.?flight/i;
const COMMENT = /^[+-]\s*(#|\/\/|\/\*|\*|--)/;
const SETTING = /^[+-]\s*["']?([A-Za-z_][\w.-]*)["']?\s*[:=]\s*["']?(\d+(?:\.\d+)?)/;
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
 * The API that answers 429: a URL in the refused lines; else the URL the log gives for the word
 * that answered (`geocoder answered 429` … `geocoder="https://api.example.com/v2"`); else the one
 * outside host the logs call.
 */
function apiHost(facts: ServiceFacts, limited: Limited): string | undefined {
  const samples = limited.signatures.map((x) => x.signature.sample);
  for (const sample of samples)
    for (const m of sample.matchAll(URL_HOST)) if (m[1] && external(m[1])) return m[1];
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

interface LimiterChange {
  commit: { sha: string; message?: string; author?: string; date?: string };
  path: string;
  lines: string[];
}

/** How much one file's diff removed or loosened the client's pacing, and the lines that show it. */
function loosening(patch: string): { score: number; lines: string[] } {
  const lines = patch.split('\n');
  let score = 0;
  const hits: string[] = [];
  const removedValues = new Map<string, number>();
  for (const line of lines) {
    const m = line.startsWith('-') ? SETTING.exec(line) : null;
    if (m?.[1] && m[2]) removedValues.set(m[1], Number(m[2]));
  }
  for (const line of lines) {
    if (!/^[+-](?![+-]{2})\s*\S/.test(line)) continue;
    if (line.startsWith('-') && LIMITER.test(line)) {
      if (COMMENT.test(line)) score += 1;
      else {
        score += 3;
        hits.push(line);
      }
      continue;
    }
    const m = line.startsWith('+') ? SETTING.exec(line) : null;
    const before = m?.[1] ? removedValues.get(m[1]) : undefined;
    if (!m?.[1] || before === undefined || !LIMITER.test(m[1])) continue;
    const after = Number(m[2]);
    const looser = LOWER_LOOSENS.test(m[1])
      ? after < before
      : HIGHER_LOOSENS.test(m[1])
        ? after > before
        : false;
    if (looser) {
      score += 4;
      const old = lines.find((l) => l.startsWith('-') && SETTING.exec(l)?.[1] === m[1]);
      if (old) hits.push(old);
      hits.push(line);
    }
  }
  return { score, lines: hits };
}

/**
 * The recent commit, before the first 429, whose diff removed or loosened the client's own
 * pacing: the biggest loosening wins, the newest on a tie.
 */
async function limiterChange(ctx: EngineContext, before?: string): Promise<LimiterChange | null> {
  const details = await recentCommitDetails(ctx, {
    days: 30,
    list: 15,
    read: 12,
    keep: (c) => !before || !c.date || c.date <= before,
  });
  let best: (LimiterChange & { score: number }) | null = null;
  for (const detail of details) {
    if (!detail) continue;
    let total = 0;
    let top: { path: string; score: number; lines: string[] } | null = null;
    for (const f of detail.files) {
      const { score, lines } = loosening(f.patch);
      total += score;
      if (lines.length && (!top || score > top.score)) top = { path: f.path, score, lines };
    }
    if (!top || total < 3 || (best && best.score >= total)) continue;
    // The limiter's construction and use say more than the import that brought it.
    const imports = (l: string) => /^[+-]\s*(use|import|from|require|#include|using)\b/.test(l);
    const calls = (l: string) => !imports(l) && /\(/.test(l);
    const lines = [
      ...top.lines.filter(calls),
      ...top.lines.filter((l) => !imports(l) && !calls(l)),
      ...top.lines.filter(imports),
    ].slice(0, 3);
    best = {
      commit: detail,
      path: top.path,
      lines: top.lines.filter((l) => lines.includes(l)),
      score: total,
    };
  }
  return best;
}

/**
 * The service's calls to an API are refused with 429 Too Many Requests: it is being rate limited.
 * The usual cause is on this side: a change that removed or loosened the client's pacing (a
 * limiter, a semaphore, the worker count, retries with backoff), so bursts exceed the quota.
 */
export const rateLimitRule: Rule = async (ctx, facts) => {
  const limited = rateLimited(facts);
  if (!limited) return null;
  const top = limited.signatures[0];
  if (!top) return null;
  const host = apiHost(facts, limited);
  const api = host ? `the API at ${host}` : 'the API it calls';
  const pods = limited.pods.length;
  ctx.casebook.evidence.push({
    source: 'logs',
    detail: `${quote(top.signature.sample, 280)} (${limited.count} rate-limited answers in the recent logs of ${pods} pod${pods === 1 ? '' : 's'}${limited.firstAt ? `, first at ${limited.firstAt}` : ''})`,
    ref: `pod/${top.pod}`,
  });
  const change = await limiterChange(ctx, limited.firstAt);
  let note = '';
  if (change) {
    const sha = change.commit.sha.slice(0, 7);
    const subject = (change.commit.message ?? '').split('\n')[0]?.trim() ?? '';
    note =
      ` Commit ${sha} "${subject}" (${change.commit.author ?? 'unknown'}, ${change.commit.date ?? ''}) ${change.lines.every((l) => l.startsWith('-')) ? 'removed' : 'loosened'} ` +
      `the client-side rate limiting in ${change.path}: ${change.lines.map((l) => `\`${showLine(l)}\``).join(', ')}; ` +
      `without that pacing the service sends requests faster than the API's quota allows.`;
    ctx.casebook.suspectFiles.unshift({ path: change.path });
    ctx.casebook.suspectCommits.push(suspectOf(change.commit));
    ctx.casebook.evidence.push({ source: 'github', detail: note.trim(), ref: change.commit.sha });
  }
  const statement =
    `${facts.service} is being rate limited by ${api}: ${limited.count} answers of HTTP 429 Too Many Requests ` +
    `(rate limit / quota exceeded) in the recent logs of ${pods} pod${pods === 1 ? '' : 's'}, e.g. "${quote(top.signature.sample, 220)}".${note}`;
  return {
    status: 'diagnosed',
    summary: `${facts.service} is being rate limited by ${api} (HTTP 429 Too Many Requests, ${limited.count} times in recent logs)${change ? ` since commit ${change.commit.sha.slice(0, 7)} removed its client-side limiter` : ''}.`,
    statement,
    confidence: change ? 'high' : 'medium',
    fix:
      `${change ? `Restore the client-side rate limiter (revert ${change.commit.sha.slice(0, 7)} in ${change.path}), ` : 'Add client-side rate limiting, '}` +
      `sized to the API's quota divided across every replica and worker; cap concurrency, and retry 429s only after ` +
      `the Retry-After delay with exponential backoff and jitter. If more throughput is needed, raise the quota with the provider.`,
    rollback: Boolean(change),
  };
};
