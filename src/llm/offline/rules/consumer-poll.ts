import type { EngineContext } from '../../engine.js';
import type { ServiceFacts } from '../facts.js';
import { quote } from '../quote.js';
import { suspectOf } from '../tool-data.js';
import { settingChanges } from './capacity-settings.js';
import { recentCommitDetails, showLine, type CommitDetail } from './recent-change.js';
import { type Rule } from './verdict.js';

/**
 * A queue consumer that takes longer over what it fetched than the broker waits for it. Kafka
 * expects the next poll() within max.poll.interval.ms (or, where heartbeats ride on the
 * processing loop as in kafkajs and sarama, within the session timeout) and otherwise drops the
 * member from the group; RabbitMQ closes a channel whose delivery is not acknowledged within its
 * consumer_timeout. Either way the work is handed out again, so the same records are processed
 * over and over while the backlog grows.
 */
interface Broker {
  name: string;
  /** The client's own words that the consumer outlasted the broker's patience. */
  outlasted: RegExp;
  /** Words of a consumer that lost its membership or its deliveries, which a slow consumer also causes. */
  lost: RegExp;
  /** Settings that let more work in per fetch (a larger value loads one batch more). */
  perFetch: RegExp;
  /** Settings that give the consumer more time (a smaller value makes the budget tighter). */
  patience: RegExp;
  /** The patience as the client logs it: `max.poll.interval.ms = 300000`, `(300000ms) exceeded`. */
  patienceLogged: RegExp[];
  perFetchLogged: RegExp[];
  budget: string;
  fix: string;
}

const BROKERS: Broker[] = [
  {
    name: 'Kafka',
    outlasted:
      /poll timeout has expired|time between subsequent calls to poll\(\) was longer|maximum (?:application )?poll interval|max\.poll\.interval\.ms\)? (?:was )?exceeded|exceeded[^\n]{0,60}max[._]poll[._]interval|MAX_?POLL_EXCEEDED|\|MAXPOLL\||Heartbeat poll expired|group has already rebalanced and assigned the partitions to another member|because consuming was taking too long|spending too much time (?:processing|in message processing)/i,
    lost: /CommitFailed(?:Exception|Error)|kicked out of the group|not part of an active group|coordinator is not aware of this member|UNKNOWN_MEMBER_ID|ILLEGAL_GENERATION|group generation id is not valid|member is not known in the current generation|session timeout[^\n]{0,40}(?:expired|exceeded)/i,
    perFetch:
      /max[._-]?poll[._-]?records|maxpollrecords|max[._-]?partition[._-]?fetch[._-]?bytes|fetch[._-]?max[._-]?bytes|maxbytesperpartition|fetch[._-]?min[._-]?bytes|batch[._-]?size/i,
    patience:
      /max[._-]?poll[._-]?interval|maxpollinterval|session[._-]?timeout|sessiontimeout|maxprocessingtime|rebalance[._-]?timeout/i,
    patienceLogged: [
      /max[._]poll[._]interval[._]ms\s*[=:]\s*(\d+)/i,
      /maximum (?:application )?poll interval \((\d+) ?ms\)/i,
    ],
    perFetchLogged: [/max[._]poll[._]records\s*[=:]\s*(\d+)/i],
    budget: 'max.poll.interval.ms',
    fix: 'or give it fewer records per poll (a smaller max.poll.records) or more time (a larger max.poll.interval.ms; where heartbeats ride on the processing loop, as in kafkajs and sarama, a larger session timeout or heartbeats during the batch)',
  },
  {
    name: 'RabbitMQ',
    outlasted:
      /delivery acknowledgement on channel \d+ timed out|consumer[_ ]timeout[^\n]{0,80}(?:exceeded|expired|timed out)/i,
    // A closed channel has many causes (an unknown delivery tag is a double ack): only the timeout counts.
    lost: /(?!)/,
    perFetch: /prefetch|basic[._-]?qos/i,
    patience: /consumer[._-]?timeout/i,
    patienceLogged: [/Timeout value used: (\d+) ?ms/i],
    perFetchLogged: [/prefetch(?:[_ ]?count)?\s*[=:]\s*(\d+)/i],
    budget: 'consumer_timeout',
    fix: 'or hold fewer unacknowledged deliveries at once (a smaller prefetch) and acknowledge each as soon as it is done; raise the consumer_timeout only if long work is expected',
  },
];

interface Seen {
  broker: Broker;
  line: string;
  pod: string;
  /** Distinct episodes: a client often says it twice per episode (a warning, then why it left). */
  episodes: number;
  strong: boolean;
}

/** The moment a line was written, to the second: lines of one episode share it. */
function moment(line: string): string | undefined {
  return /\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}/.exec(line)?.[0];
}

function episodes(lines: readonly { line: string; pod: string }[]): number {
  return new Set(lines.map((x, i) => `${x.pod} ${moment(x.line) ?? i}`)).size;
}

/** What the logs say about a consumer that outlasted its broker, for the broker they say most of. */
function outlasted(facts: ServiceFacts): Seen | null {
  let best: Seen | null = null;
  for (const broker of BROKERS) {
    const lines = (pattern: RegExp) =>
      facts.logs.flatMap((l) =>
        l.text
          .split('\n')
          .filter((line) => pattern.test(line))
          .map((line) => ({ line: line.trim(), pod: l.pod })),
      );
    const strong = lines(broker.outlasted);
    const lost = lines(broker.lost);
    // Its own words once with a lost membership, or twice; a lost membership alone only when it
    // keeps happening and nothing crashed (a peer's restart also rebalances the group).
    const crashed = facts.problems.some((p) => /CrashLoopBackOff|OOMKilled|Error|Restarted/.test(p.reason));
    const count = strong.length ? episodes(strong) : episodes(lost);
    const enough = strong.length ? count >= 2 || lost.length > 0 : count >= 3 && !crashed;
    if (!enough || (best && count <= best.episodes)) continue;
    // The line that names the budget says the most.
    const telling =
      strong.find((x) => broker.patience.test(x.line) || /poll\(\)/.test(x.line)) ?? strong[0] ?? lost[0];
    if (telling)
      best = { broker, line: telling.line, pod: telling.pod, episodes: count, strong: strong.length > 0 };
  }
  return best;
}

/** Where the client's words start in a line: past a log facility tag (librdkafka's `|MAXPOLL|`) to the prose. */
function wordsAt(line: string, pattern: RegExp): number {
  const first = pattern.exec(line);
  if (!first) return 0;
  if (!first[0].startsWith('|')) return first.index;
  const after = first.index + first[0].length;
  const prose = pattern.exec(line.slice(after));
  return prose ? after + prose.index : first.index;
}

/** The first value a pattern finds in the service's logs (the client prints its configuration at start). */
function logged(facts: ServiceFacts, patterns: readonly RegExp[]): number | undefined {
  for (const l of facts.logs)
    for (const pattern of patterns) {
      const m = pattern.exec(l.text);
      if (m) return Number(m[1]);
    }
  return undefined;
}

/** Code that receives records: a listener, a batch or message handler, a poll loop. */
const CONSUMER_CODE =
  /@KafkaListener|@RabbitListener|@StreamListener|@Incoming|ConsumerRecords?\b|eachMessage|eachBatch|ConsumeClaim|ConsumerGroupHandler|\.poll\(|\.Poll\(|ReadMessage\(|FetchMessage\(|basic_consume|basicConsume|on_message|onMessage|handleMessage|handle_message|for\s+\w+\s+in\s+consumer\b|consumer\.consume/;
const CONSUMER_PATH = /(?:consumer|listener|handler|subscriber|processor|worker)[^/]*$/i;
const LOOP =
  /\bfor\s*\(|\bfor\s+\w+(?:\s*,\s*\w+)?\s+(?:in|of|:=)\s|\.forEach\(|\.each\s*(?:\{|do\b)|\bwhile\s*\(|\bfor\s+.*\brange\b/;
const CALL = /[A-Za-z_]\w*\s*\(/;
/** Lines that time, log or count: not the work itself. */
const BOOKKEEPING =
  /\b(?:log|logger|LOG|console|metrics?|span|tracer|System\.currentTimeMillis|System\.nanoTime|Date\.now|time\.(?:time|monotonic|perf_counter)|Instant\.now|print(?:ln|f)?)\b/;
/** A call that waits on something outside the process. */
const REMOTE =
  /\b\w*(?:client|service|api|gateway|stub|http|rest|grpc|rpc|fetch|request|lookup|query|dao|repository)\w*\s*\.\s*\w+\s*\(|\bawait\b|\bsleep\s*\(|\.execute\(|\.invoke\(|\bfetch\(|requests\.\w+\(/i;

const COMMENTED = /^\s*(?:\/\/|#|\/\*|\*|--)/;

interface Slower {
  commit: CommitDetail;
  path: string;
  lines: string[];
  what: 'work' | 'settings';
  score: number;
}

/** How much one file's diff loads each poll: per-record work added to a consumer, or settings that load or hurry it. */
function slowing(path: string, patch: string, broker: Broker): Omit<Slower, 'commit'> | null {
  const lines = patch.split('\n');
  const classify = (key: string) =>
    broker.perFetch.test(key) ? 'perFetch' : broker.patience.test(key) ? 'patience' : null;
  // More per fetch, or less time for it: either way each poll's work no longer fits.
  const settings = settingChanges(patch, classify)
    .changes.filter((c) =>
      c.kind === 'perFetch' ? c.from === undefined || c.to > c.from : c.from !== undefined && c.to < c.from,
    )
    .flatMap((c) => c.lines);
  if (settings.length)
    return { path, lines: settings.slice(0, 4), what: 'settings', score: 6 * settings.length };
  if (!CONSUMER_CODE.test(patch) && !CONSUMER_PATH.test(path)) return null;
  let loop = false;
  const work: { line: string; rank: number }[] = [];
  for (const line of lines) {
    if (line.startsWith('@@')) loop = false;
    const body = line.slice(1);
    if (!line.startsWith('-') && LOOP.test(body)) loop = true;
    if (!line.startsWith('+') || line.startsWith('+++') || COMMENTED.test(body)) continue;
    if (!CALL.test(body) || BOOKKEEPING.test(body)) continue;
    const rank = (REMOTE.test(body) ? 3 : 0) + (/\(\s*[^)\s]/.test(body) ? 2 : 0) + (loop ? 1 : 0);
    work.push({ line, rank });
  }
  if (!work.length) return null;
  const best = [...work].sort((a, b) => b.rank - a.rank).slice(0, 2);
  const score =
    Math.min(6, 2 * work.length) + (loop ? 3 : 0) + (work.some((w) => REMOTE.test(w.line)) ? 2 : 0);
  return { path, lines: work.filter((w) => best.includes(w)).map((w) => w.line), what: 'work', score };
}

/** The recent commit that made each poll's work heavier, or gave it less time: the strongest, the newest on a tie. */
async function slowerChange(ctx: EngineContext, broker: Broker): Promise<Slower | null> {
  const details = await recentCommitDetails(ctx, { days: 14, list: 15, read: 12 });
  let best: Slower | null = null;
  for (const commit of details)
    for (const file of commit.files) {
      const found = slowing(file.path, file.patch, broker);
      if (found && (!best || found.score > best.score)) best = { commit, ...found };
    }
  return best;
}

/**
 * The service consumes a queue more slowly than the broker allows: one fetch's worth of messages
 * takes longer to process than the poll interval (or acknowledgement timeout), so the broker takes
 * the work away, the offsets or acks never land, and the same messages come back. The pods look
 * healthy; the lag grows. Usually a change made each message slower (a remote call per record) or
 * let more of them in per fetch.
 */
export const consumerPollRule: Rule = async (ctx, facts) => {
  const seen = outlasted(facts);
  if (!seen) return null;
  const { broker } = seen;
  const patience = logged(facts, broker.patienceLogged);
  const perFetch = logged(facts, broker.perFetchLogged);
  // Quote from the word before the client's own words: the logger's prefix says nothing.
  const at = wordsAt(seen.line, seen.strong ? broker.outlasted : broker.lost);
  const words = seen.line.slice(at > 1 ? seen.line.lastIndexOf(' ', at - 2) + 1 : 0);
  ctx.casebook.evidence.push({
    source: 'logs',
    detail: `${quote(words, 320)} (${seen.episodes} times)`,
    ref: `pod/${seen.pod}`,
  });
  const budget =
    patience && perFetch
      ? ` With ${broker.budget} = ${patience} ms and up to ${perFetch} messages per fetch, each message may take at most ${Math.floor(patience / perFetch)} ms.`
      : patience
        ? ` Its ${broker.budget} is ${patience} ms.`
        : '';
  if (patience || perFetch)
    ctx.casebook.evidence.push({
      source: 'logs',
      detail: `Consumer configuration as logged: ${[patience ? `${broker.budget} = ${patience}` : '', perFetch ? `${perFetch} messages per fetch` : ''].filter(Boolean).join(', ')}`,
      ref: `pod/${seen.pod}`,
    });
  const change = await slowerChange(ctx, broker);
  let note = '';
  if (change) {
    const sha = change.commit.sha.slice(0, 7);
    const subject = (change.commit.message ?? '').split('\n')[0]?.trim() ?? '';
    const did =
      change.what === 'work'
        ? `added this work to each message in ${change.path}`
        : `changed how much each fetch carries or how long it may take in ${change.path}`;
    note = `Commit ${sha} "${subject}" (${change.commit.author ?? 'unknown'}, ${change.commit.date ?? ''}) ${did}: ${change.lines.map((l) => `\`${showLine(l)}\``).join(', ')}.`;
    ctx.casebook.suspectFiles.unshift({ path: change.path });
    ctx.casebook.suspectCommits.push(suspectOf(change.commit));
    ctx.casebook.evidence.push({ source: 'github', detail: note, ref: change.commit.sha });
  }
  const how =
    broker.name !== 'Kafka'
      ? 'a delivery stays unacknowledged past the consumer timeout, so the broker closes the channel and redelivers the messages, which are processed again'
      : seen.strong
        ? 'the time between two polls outlasts the poll interval, so the group coordinator drops the consumer from the group, its offset commit fails (CommitFailedException) and after the rebalance the same records are fetched and processed again'
        : 'it goes without polling or heartbeating for longer than the group allows (the session timeout, or the poll interval), so the group coordinator drops it from the group, its offset commit fails and after the rebalance the same records are fetched and processed again';
  return {
    status: 'diagnosed',
    summary: `${facts.service} consumes ${broker.name} too slowly for its ${broker.budget}: processing one fetch takes longer than the broker waits (${seen.episodes} times), so the work is taken away and redone and the backlog grows.${change ? ` Commit ${change.commit.sha.slice(0, 7)} made each poll's work heavier.` : ''}`,
    statement: `${facts.service} is a ${broker.name} consumer that is too slow per batch: ${how}. The client says so: "${quote(words, 240)}".${budget} The pods stay up and ready while the lag only grows; nothing crashes.${note ? ` ${note}` : ''}`,
    confidence: change && seen.strong ? 'high' : 'medium',
    fix: `Make one fetch's worth of messages finish well within the ${broker.budget}: make the per-message work faster${change?.what === 'work' ? ` (batch, cache or parallelise what ${change.commit.sha.slice(0, 7)} added in ${change.path}, or move it out of the consumer)` : ''}, ${broker.fix}. Restarting the pods does not help: the same messages come back.`,
    rollback: Boolean(change),
  };
};
