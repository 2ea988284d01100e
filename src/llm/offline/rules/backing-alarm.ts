import type { EngineContext } from '../../engine.js';
import { gatherFacts, type ServiceFacts } from '../facts.js';
import { at, list, nameOf, str } from '../k8s-object.js';
import { readObjects } from '../cluster-read.js';
import { quote } from '../quote.js';
import { hostsIn, serviceOfHost } from '../targets.js';
import { suspectOf } from '../tool-data.js';
import { recentCommitDetails, showLine, type CommitDetail } from './recent-change.js';
import { times, type Rule, type Verdict } from './verdict.js';

/**
 * A backing service (broker, cache, search or database server) that refuses work because one of
 * its own resources ran out, in the words its clients are told. The caller's errors (timeouts,
 * rejected writes) are the symptom; the server's resource is the fault.
 */
interface Alarm {
  product: string;
  resource: 'memory' | 'disk';
  /** What the clients are told, as drivers print it. */
  told: RegExp;
  /** The product's images and the words its address usually holds. */
  image: RegExp;
  port: string;
  /** What the server itself logs when the alarm is raised. */
  serverSays: RegExp;
  what: string;
  fix: string;
  /** Code or settings whose removal lets the data on the server grow without bound (expiry, retention…). */
  bound: RegExp;
}

/** What keeps a broker's queues from growing: message TTLs, length limits, consumers that ack. */
const QUEUE_BOUNDS =
  /x-message-ttl|x-max-length|x-expires|message.?ttl|max.?length|\bttl\b|prefetch|basic.?ack|auto.?ack|consumer/i;

const ALARMS: Alarm[] = [
  {
    // AMQP 0-9-1 connection.blocked: RabbitMQ blocks publishing connections while a resource alarm is set.
    product: 'RabbitMQ',
    bound: QUEUE_BOUNDS,
    resource: 'memory',
    told: /(?:connection[._ ]?blocked|blocked by (?:the )?(?:broker|server)|ConnectionBlocked)[^\n]{0,120}low on memory|low on memory[^\n]{0,120}blocked/i,
    image: /rabbit/i,
    port: '5672',
    serverSays: /memory resource limit alarm set|vm_memory_high_watermark set|Memory high watermark set/i,
    what: 'raised its memory alarm (memory use above vm_memory_high_watermark) and blocks every publishing connection until it clears',
    fix: "Find what holds the broker's memory — usually a queue whose backlog grows because its consumer or shovel stopped (`rabbitmqctl list_queues name messages consumers memory`) — and drain it: restore the consumer or move the backlog off the broker (purge only what may be lost). Then size the memory limit and vm_memory_high_watermark for the backlog the broker must absorb, and keep long queues out of memory (quorum or stream queues, or a max-length policy).",
  },
  {
    product: 'RabbitMQ',
    bound: QUEUE_BOUNDS,
    resource: 'disk',
    told: /(?:connection[._ ]?blocked|blocked by (?:the )?(?:broker|server)|ConnectionBlocked)[^\n]{0,120}low on disk|low on disk[^\n]{0,120}blocked/i,
    image: /rabbit/i,
    port: '5672',
    serverSays: /disk resource limit alarm set|Free disk space is insufficient/i,
    what: 'raised its disk alarm (free disk below disk_free_limit) and blocks every publishing connection until it clears',
    fix: "Free the broker's disk (drain the queues whose backlog fills it; old message store segments go with them) or expand its volume; the alarm clears and publishers resume on their own.",
  },
  {
    product: 'Redis',
    bound: /\bttl\b|_ttl\b|expir|setex|\bEX\b|\bPX\b|maxmemory|evict|Duration\.of/i,
    resource: 'memory',
    told: /OOM command not allowed when used memory > 'maxmemory'/i,
    image: /redis|valkey|keydb/i,
    port: '6379',
    serverSays: /maxmemory|Can't save in background: fork: Cannot allocate memory|OOM/i,
    what: 'is full: used memory reached its maxmemory and, with a maxmemory-policy that evicts nothing (noeviction), it rejects every write with an OOM error',
    fix: "If the data is a cache, set an eviction policy (maxmemory-policy allkeys-lru) so old keys make room; otherwise find what grew (`redis-cli --bigkeys`, keys without a TTL) and raise maxmemory together with the container's memory limit.",
  },
  {
    product: 'Redis',
    bound: /\bsave\b|rdb|appendonly/i,
    resource: 'disk',
    told: /MISCONF Redis is configured to save RDB snapshots/i,
    image: /redis|valkey|keydb/i,
    port: '6379',
    serverSays:
      /Background saving error|Failed opening the (?:temp )?RDB file|No space left on device|Write error saving DB on disk/i,
    what: 'cannot write its RDB snapshot to disk, so (stop-writes-on-bgsave-error) it refuses every write',
    fix: "Fix the snapshot's disk: free or expand the volume Redis saves to, or fix its permissions; writes resume after the next successful save. Turning stop-writes-on-bgsave-error off only hides that nothing is being persisted.",
  },
  {
    product: 'Elasticsearch',
    bound: /retention|\bilm\b|lifecycle|delete_after|max_age|rollover|min_age/i,
    resource: 'disk',
    told: /cluster_block_exception[^\n]{0,300}(?:read[-_ ]only[-_ ]allow[-_ ]delete|flood[-_ ]stage|disk usage exceeded)|index read-only \/ allow delete/i,
    image: /elastic|opensearch/i,
    port: '9200',
    serverSays: /flood stage disk watermark|high disk watermark|disk usage exceeded/i,
    what: 'passed its flood-stage disk watermark and put a read-only-allow-delete block on the indices, so every indexing request is rejected',
    fix: 'Free or add disk on the data nodes (delete old indices, expand the volumes); since 7.4 the block lifts by itself once usage falls below the high watermark (older versions: reset index.blocks.read_only_allow_delete).',
  },
  {
    // SQLSTATE 53100 disk_full, reported to the client with the server's own message.
    product: 'PostgreSQL',
    bound: /retention|vacuum|partition|drop |truncate|replication.?slot|wal_keep|max_wal/i,
    resource: 'disk',
    told: /could not extend file[^\n]{0,200}(?:No space left on device|disk|quota)|SQLSTATE[ =:]*53100|\bDiskFull\b/i,
    image: /postgres|postgis|timescale|cnpg|spilo|patroni/i,
    port: '5432',
    serverSays: /No space left on device|could not extend file|could not write/i,
    what: 'has run out of disk space (SQLSTATE 53100 disk_full), so every write that needs a new block fails',
    fix: 'Give the database room: expand its volume (PersistentVolumeClaim, if its StorageClass allows expansion) or free space (old WAL held by an inactive replication slot, bloat, logs); writes work again at once.',
  },
];

interface Told {
  alarm: Alarm;
  line: string;
  count: number;
  pod: string;
}

/** The alarm the caller's logs were told about, with the most telling line and how often. */
function toldAlarm(facts: ServiceFacts): Told | null {
  let best: Told | null = null;
  for (const alarm of ALARMS) {
    const lines = facts.logs.flatMap((l) =>
      l.text
        .split('\n')
        .filter((line) => alarm.told.test(line))
        .map((line) => ({ line, pod: l.pod })),
    );
    const first = lines[0];
    if (first && (!best || lines.length > best.count))
      best = { alarm, line: around(first.line.trim(), alarm.told), count: lines.length, pod: first.pod };
  }
  return best;
}

/** The words around a match in a long line (a JSON log entry holds a stack trace too). */
function around(line: string, pattern: RegExp): string {
  if (line.length <= 240) return line;
  const m = pattern.exec(line);
  if (!m) return line;
  const start = Math.max(0, line.lastIndexOf(' ', Math.max(0, m.index - 100)));
  const end = line.indexOf(' ', Math.min(line.length, m.index + m[0].length + 60));
  return `${start > 0 ? '… ' : ''}${line.slice(start, end < 0 ? undefined : end).trim()}${end < 0 ? '' : ' …'}`;
}

/**
 * The recent commit that removed what bounds the data on the server (a key's expiry, a queue's
 * length limit or TTL, an index's retention): more such lines taken out than put in.
 */
async function unboundingChange(
  ctx: EngineContext,
  alarm: Alarm,
): Promise<{ commit: CommitDetail; path: string; lines: string[] } | null> {
  for (const commit of await recentCommitDetails(ctx)) {
    for (const file of commit.files) {
      const changed = file.patch.split('\n').filter((l) => /^[+-](?![+-]{2})/.test(l) && alarm.bound.test(l));
      const removed = changed.filter((l) => l.startsWith('-'));
      if (removed.length > changed.length - removed.length)
        return { commit, path: file.path, lines: removed.slice(0, 3) };
    }
  }
  return null;
}

interface Server {
  kind: string;
  workload: string;
  namespace: string;
  pod?: string;
}

/** The server: a host of the product's kind in the caller's logs, else a pod of its image in the namespace. */
async function findServer(ctx: EngineContext, facts: ServiceFacts, alarm: Alarm): Promise<Server | null> {
  const text = facts.logs.map((l) => l.text).join('\n');
  for (const line of text.split('\n')) {
    for (const { host, port } of hostsIn(line)) {
      const ref = serviceOfHost(host, facts.namespace);
      if (ref && (port === alarm.port || alarm.image.test(host)) && ref.service !== facts.service)
        return { kind: 'Service', workload: ref.service, namespace: ref.namespace };
    }
  }
  const pods = (await readObjects(ctx, 'Pod', { namespace: facts.namespace })) ?? [];
  const pod = pods.find((p) =>
    list(at(p, 'spec', 'containers')).some((c) => alarm.image.test(str(c.image) ?? '')),
  );
  if (!pod) return null;
  const owner = list(at(pod, 'metadata', 'ownerReferences'))[0];
  return {
    kind: str(owner?.kind) ?? 'Pod',
    workload: str(owner?.name) ?? nameOf(pod),
    namespace: facts.namespace,
    pod: nameOf(pod),
  };
}

/** What the server's own log and pods say about the alarm: its line, and its memory limit. */
async function serverSide(
  ctx: EngineContext,
  server: Server,
  alarm: Alarm,
): Promise<{ line?: string; pod?: string; limit?: string; other?: string }> {
  const facts = await gatherFacts(ctx, server.workload, server.namespace);
  if ('missing' in facts || 'error' in facts) return {};
  const lines = facts.logs.flatMap((l) =>
    l.text.split('\n').map((line) => ({ line: line.trim(), pod: l.pod })),
  );
  const said = lines.filter((x) => alarm.serverSays.test(x.line)).at(-1);
  // The server's other complaints, such as the stopped consumer or shovel that let the backlog grow.
  const other = facts.logs
    .flatMap((l) => l.analysis.signatures)
    .filter((s) => s.kind !== 'warning' && !alarm.serverSays.test(s.sample))
    .sort((a, b) => b.count - a.count)[0];
  const limit = facts.listing.pods.flatMap((p) => p.containers).find((c) => alarm.image.test(c.image ?? ''))
    ?.resources?.limits?.[alarm.resource === 'memory' ? 'memory' : 'ephemeral-storage'];
  return {
    ...(said ? { line: said.line, pod: said.pod } : {}),
    ...(limit ? { limit } : {}),
    ...(other ? { other: other.sample } : {}),
  };
}

/**
 * The service's calls fail because a backing server it uses ran out of memory or disk and refuses
 * the work (RabbitMQ's resource alarms, Redis at maxmemory or unable to persist, Elasticsearch's
 * flood-stage block, PostgreSQL's disk_full). The caller is a victim: restarting or scaling it
 * changes nothing until the server has room again.
 */
export const backingAlarmRule: Rule = async (ctx, facts) => {
  const told = toldAlarm(facts);
  if (!told) return null;
  const { alarm } = told;
  // The server's own pods are the server, not a client of it.
  if (facts.listing.pods.some((p) => p.containers.some((c) => alarm.image.test(c.image ?? '')))) return null;
  const server = await findServer(ctx, facts, alarm);
  const side = server ? await serverSide(ctx, server, alarm) : {};
  const name = server ? `${alarm.product} (${server.workload})` : alarm.product;
  ctx.casebook.evidence.unshift({
    source: 'logs',
    detail: `${facts.service} is told: ${quote(told.line, 260)} (${times(told.count)})`,
    ref: `pod/${told.pod}`,
  });
  if (side.line)
    ctx.casebook.evidence.splice(1, 0, {
      source: 'logs',
      detail: `${alarm.product} says: ${quote(side.line, 260)}${side.limit ? ` (container ${alarm.resource} limit ${side.limit})` : ''}`,
      ref: `pod/${side.pod}`,
    });
  const other = side.other ? ` Its log also shows: "${quote(side.other, 200)}".` : '';
  const change = await unboundingChange(ctx, alarm);
  let changeNote = '';
  if (change) {
    const { commit, path, lines } = change;
    changeNote = ` Commit ${commit.sha.slice(0, 7)} "${(commit.message ?? '').split('\n')[0]}" (${commit.author ?? 'unknown'}, ${commit.date ?? ''}) removed what bounded that data in ${path}: ${lines.map((l) => `\`${showLine(l)}\``).join(', ')}; since then it only grows.`;
    ctx.casebook.suspectCommits.push(suspectOf(commit));
    ctx.casebook.suspectFiles.push({ path });
    ctx.casebook.evidence.push({ source: 'github', detail: changeNote.trim(), ref: commit.sha });
  }
  const verdict: Verdict = {
    status: 'diagnosed',
    summary: `${facts.service} fails because its ${name} is out of ${alarm.resource}: the server ${alarm.what}.`,
    statement: `${facts.service}'s errors are the server's refusals, not its own fault: "${quote(told.line, 220)}". ${alarm.product}${server ? ` ${server.workload}` : ''} ${alarm.what}${side.line ? ` ("${quote(side.line, 180)}")` : ''}${side.limit ? `; its container's ${alarm.resource} limit is ${side.limit}` : ''}.${other}${changeNote}`,
    confidence: side.line || told.count >= 3 ? 'high' : 'medium',
    fix: change
      ? `Restore the bound ${change.commit.sha.slice(0, 7)} removed in ${change.path} (or an equivalent), then clear what piled up. ${alarm.fix}`
      : alarm.fix,
    notFromChange: true,
    ...(server ? { objects: [{ kind: server.kind, name: server.workload }] } : {}),
  };
  return verdict;
};
