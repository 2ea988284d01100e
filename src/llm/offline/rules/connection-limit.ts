import type { EngineContext } from '../../engine.js';
import { readObject, readObjects } from '../cluster-read.js';
import type { ServiceFacts } from '../facts.js';
import { at, list, nameOf, num, str, type KubeObject } from '../k8s-object.js';
import { quote } from '../quote.js';
import { hostsIn, serviceOfHost } from '../targets.js';
import { suspectOf } from '../tool-data.js';
import {
  capacityCommits,
  describeChange,
  envSettings,
  raises,
  type CapacityCommit,
  type SettingChange,
  type SettingValue,
} from './capacity-settings.js';
import { showLine } from './recent-change.js';
import { times, type Rule } from './verdict.js';

/** A server that turns clients away because it already holds as many connections as it allows. */
interface Server {
  product: string;
  /** What the clients are told, as the server and its drivers word it. */
  told: RegExp;
  image: RegExp;
  /** The setting that caps the connections, as its configuration file, flags or env write it. */
  limit: RegExp;
  /** Connections kept back for administrators, which clients cannot use. */
  reserved?: RegExp;
}

const SERVERS: Server[] = [
  {
    // SQLSTATE 53300 too_many_connections: the server's max_connections, or a role's or database's CONNECTION LIMIT.
    product: 'PostgreSQL',
    told: /sorry, too many clients already|remaining connection slots are reserved|too many connections for (?:role|database)|SQLSTATE[ =:[(]*53300|\btoo_many_connections\b/i,
    image: /postgres|postgis|timescale|cnpg|spilo|patroni|pgvector/i,
    limit: /(?<![a-z])max[_-]connections\s*[=:]?\s*["']?(\d+)/i,
    reserved: /\bsuperuser_reserved_connections\s*[=:]?\s*["']?(\d+)/i,
  },
  {
    // ER_CON_COUNT_ERROR (1040) and ER_TOO_MANY_USER_CONNECTIONS (1203/1226).
    product: 'MySQL',
    // "Too many connections" alone is too common a phrase: with the error number or a MySQL word near it.
    told: /ER_CON_COUNT_ERROR|\b1040\b[^\n]{0,60}Too many connections|Too many connections[^\n]{0,60}\b1040\b|(?:mysql|mariadb|SQLSTATE|Data source rejected|08004|HY000)[^\n]{0,200}Too many connections|has (?:more than|exceeded the) 'max_user_connections'/i,
    image: /mysql|mariadb|percona/i,
    limit: /(?<![a-z])max[_-](?:user[_-])?connections\s*[=:]?\s*["']?(\d+)/i,
  },
  {
    product: 'Redis',
    told: /max number of clients reached/i,
    image: /redis|valkey|keydb/i,
    limit: /\bmaxclients\s*[=:]?\s*["']?(\d+)/i,
  },
  {
    product: 'PgBouncer',
    told: /no more connections allowed \(max_client_conn\)/i,
    image: /pgbouncer/i,
    limit: /\bmax_client_conn\s*[=:]?\s*["']?(\d+)/i,
  },
];

interface Refusal {
  server: Server;
  line: string;
  pod: string;
  count: number;
  pods: number;
  firstAt?: string;
}

/** The refusals in the service's logs: the product whose words occur most, its first line, how often. */
function refusals(facts: ServiceFacts): Refusal | null {
  let best: Refusal | null = null;
  for (const server of SERVERS) {
    const lines = facts.logs.flatMap((l) =>
      l.text
        .split('\n')
        .filter((line) => server.told.test(line))
        .map((line) => ({ line: line.trim(), pod: l.pod })),
    );
    // A driver prints the refusal once per layer (psycopg's error, then Django's): count the outer lines once.
    const distinct = new Set(lines.map((x) => `${x.pod} ${x.line}`)).size;
    const first = lines[0];
    if (first && (!best || distinct > best.count))
      best = {
        server,
        line: first.line,
        pod: first.pod,
        count: Math.max(distinct, Math.ceil(lines.length / 2)),
        pods: new Set(lines.map((x) => x.pod)).size,
      };
  }
  return best && best.count >= 2 ? best : null;
}

interface Limit {
  value: number;
  reserved?: number;
  /** Where it was read: `ConfigMap rewards-pg-config (postgresql.conf)`, `args of pod orders-db-0`. */
  from: string;
}

/** The limit as the server's pod spec or a ConfigMap it mounts (or any in the namespace) writes it. */
async function readLimit(ctx: EngineContext, namespace: string, server: Server): Promise<Limit | null> {
  const pods = (await readObjects(ctx, 'Pod', { namespace })) ?? [];
  const serverPods = pods.filter((p) =>
    list(at(p, 'spec', 'containers')).some((c) => server.image.test(str(c.image) ?? '')),
  );
  for (const pod of serverPods) {
    for (const c of list(at(pod, 'spec', 'containers'))) {
      const words = [
        ...((at(c, 'command') as unknown[]) ?? []),
        ...((at(c, 'args') as unknown[]) ?? []),
        ...list(c.env).map((e) => `${str(e.name) ?? ''}=${str(e.value) ?? ''}`),
      ]
        .filter((w): w is string => typeof w === 'string')
        .join(' ');
      const m = server.limit.exec(words);
      if (m) return { value: Number(m[1]), from: `the spec of pod ${nameOf(pod)}` };
    }
  }
  const mounted = new Set(
    serverPods.flatMap((p) =>
      list(at(p, 'spec', 'volumes')).map((v) => str(at(v, 'configMap', 'name')) ?? ''),
    ),
  );
  const maps = ((await readObjects(ctx, 'ConfigMap', { namespace })) ?? []).sort(
    (a, b) => Number(mounted.has(nameOf(b))) - Number(mounted.has(nameOf(a))),
  );
  for (const map of maps)
    for (const [key, value] of Object.entries((at(map, 'data') as Record<string, unknown>) ?? {})) {
      if (typeof value !== 'string') continue;
      // A commented-out default (`#max_connections = 100`) is not the setting.
      const live = value
        .split('\n')
        .filter((l) => !/^\s*[#;]/.test(l))
        .join('\n');
      const m = server.limit.exec(live);
      if (!m) continue;
      const reserved = server.reserved?.exec(live);
      return {
        value: Number(m[1]),
        ...(reserved ? { reserved: Number(reserved[1]) } : {}),
        from: `ConfigMap ${nameOf(map)} (${key})`,
      };
    }
  return null;
}

/** Where the server runs: the host the refused line names, else a workload of its image. */
async function serverName(
  ctx: EngineContext,
  facts: ServiceFacts,
  refusal: Refusal,
): Promise<string | undefined> {
  for (const { host } of hostsIn(refusal.line)) {
    const ref = serviceOfHost(host, facts.namespace);
    if (ref && ref.service !== facts.service) return ref.service;
  }
  const pods = (await readObjects(ctx, 'Pod', { namespace: facts.namespace })) ?? [];
  const pod = pods.find((p) =>
    list(at(p, 'spec', 'containers')).some((c) => refusal.server.image.test(str(c.image) ?? '')),
  );
  const owner = list(at(pod, 'metadata', 'ownerReferences'))[0];
  return str(owner?.name) ?? (pod ? nameOf(pod) : undefined);
}

/** The autoscaler's ceiling for the workload: the pods a peak can bring. */
async function maxReplicas(ctx: EngineContext, facts: ServiceFacts): Promise<number | undefined> {
  const workload = facts.listing.workload;
  if (!workload) return undefined;
  const hpas = (await readObjects(ctx, 'HorizontalPodAutoscaler', { namespace: facts.namespace })) ?? [];
  const hpa: KubeObject | undefined = hpas.find(
    (h) => str(at(h, 'spec', 'scaleTargetRef', 'name')) === workload.name,
  );
  return num(at(hpa, 'spec', 'maxReplicas'));
}

/** Worker processes per pod, counted from the server's start-up lines when no setting says. */
function workersLogged(facts: ServiceFacts): number | undefined {
  const counts = facts.logs.map(
    (l) =>
      new Set(
        [
          ...l.text.matchAll(
            /Booting worker with pid:? (\d+)|Started server process \[(\d+)\]|- Worker \d+ \(PID: (\d+)\)/g,
          ),
        ].map((m) => m[0]),
      ).size,
  );
  const most = Math.max(0, ...counts);
  return most > 1 ? most : undefined;
}

/**
 * The connections the service holds: pods × processes × connections each. A process keeps one
 * connection per thread (or its pool); unknown factors are left out rather than guessed.
 */
function demand(
  pods: number,
  settings: readonly SettingValue[],
  workersSeen?: number,
): { total: number; said: string } | null {
  const of = (kind: SettingValue['kind']) => settings.find((s) => s.kind === kind);
  const workers = of('workers');
  const perProcess = of('pool') ?? of('threads');
  const processes = workers?.value ?? workersSeen;
  if (processes === undefined && !perProcess) return null;
  const parts = [`${pods} pods`];
  let total = pods;
  if (processes !== undefined) {
    parts.push(`${processes} worker processes${workers ? ` (${workers.key}=${workers.value})` : ''}`);
    total *= processes;
  }
  if (perProcess) {
    parts.push(`${perProcess.value} connections each (${perProcess.key}=${perProcess.value})`);
    total *= perProcess.value;
  }
  return { total, said: parts.join(' × ') };
}

/** The newest recent commit that gave the service more connections (or cut the server's limit), with those changes. */
function culprit(
  commits: readonly CapacityCommit[],
  live: readonly SettingValue[],
): { commit: CapacityCommit; changes: SettingChange[] } | null {
  let best: { commit: CapacityCommit; changes: SettingChange[]; score: number } | null = null;
  for (const commit of commits) {
    const changes = commit.files
      .flatMap((f) => f.changes)
      .filter((c) => (c.kind === 'limit' ? !raises(c) && c.from !== undefined : raises(c)));
    // A value the pods run with now is the change that is live.
    const score =
      changes.length + changes.filter((c) => live.some((v) => v.key === c.key && v.value === c.to)).length;
    if (changes.length && (!best || score > best.score)) best = { commit, changes, score };
  }
  return best;
}

/**
 * The database (or cache, or pooler) refuses new connections because it already holds as many as
 * its limit allows (PostgreSQL's "sorry, too many clients already", MySQL's "Too many connections",
 * Redis's maxclients). Every pod, process and pooled or kept-open connection of its clients counts
 * against that limit, so a change that multiplied them — more workers or threads, a larger pool,
 * persistent connections, more replicas — passes it at the next peak. The server is healthy; the
 * sum of its clients is the fault.
 */
export const connectionLimitRule: Rule = async (ctx, facts) => {
  const refusal = refusals(facts);
  if (!refusal) return null;
  const { server } = refusal;
  const isServer = facts.listing.pods.some((p) => p.containers.some((c) => server.image.test(c.image ?? '')));
  const [name, limit] = await Promise.all([
    isServer ? Promise.resolve(facts.service) : serverName(ctx, facts, refusal),
    readLimit(ctx, facts.namespace, server),
  ]);
  const pod =
    !isServer && facts.listing.pods[0]
      ? await readObject(ctx, 'Pod', facts.listing.pods[0].name, facts.namespace)
      : null;
  const live = pod ? envSettings(pod) : [];
  const running = facts.listing.pods.filter((p) => p.phase === 'Running').length;
  const ceiling = isServer ? undefined : await maxReplicas(ctx, facts);
  const found = culprit(
    await capacityCommits(ctx, ['threads', 'workers', 'pool', 'replicas', 'persistent', 'limit']),
    live,
  );
  // Values the culprit wrote in code (a pool size in a source file) count as the pods' own.
  const written = (found?.changes ?? [])
    .filter((c) => c.kind !== 'limit' && c.kind !== 'replicas' && !live.some((v) => v.kind === c.kind))
    .map((c) => ({ key: c.key, kind: c.kind, value: c.to, line: c.lines.at(-1) ?? '' }));
  const now = isServer ? null : demand(running, [...live, ...written], workersLogged(facts));
  const where = `${server.product}${name ? ` (${name})` : ''}`;
  ctx.casebook.evidence.push({
    source: 'logs',
    detail: `${quote(refusal.line, 280)} (${times(refusal.count)} in ${refusal.pods} pod${refusal.pods === 1 ? '' : 's'})`,
    ref: `pod/${refusal.pod}`,
  });
  const usable = limit ? limit.value - (limit.reserved ?? 0) : undefined;
  if (limit)
    ctx.casebook.evidence.push({
      source: 'kubernetes',
      detail: `${server.product} allows ${limit.value} connections${limit.reserved ? ` (${limit.reserved} reserved for superusers, so ${usable} for clients)` : ''}, set in ${limit.from}`,
    });
  let demandText = '';
  if (now) {
    const peak = ceiling && now.total && running ? (now.total / running) * ceiling : undefined;
    demandText = ` ${facts.service} alone can hold ${now.said} = ${now.total} connections${usable !== undefined ? ` against the ${usable} the server allows` : ''}${peak && ceiling !== running ? `, and ${peak} at the autoscaler's maximum of ${ceiling} pods` : ''}.`;
    ctx.casebook.evidence.push({
      source: 'kubernetes',
      detail: `${facts.service}: ${now.said} = ${now.total} connections`,
    });
  }
  let note = '';
  if (found) {
    const { commit } = found.commit;
    const sha = commit.sha.slice(0, 7);
    const files = found.commit.files.map((f) => f.path);
    const lines = found.changes.flatMap((c) => c.lines.filter((l) => l.startsWith('+'))).slice(0, 3);
    note = ` Commit ${sha} "${(commit.message ?? '').split('\n')[0]?.trim() ?? ''}" (${commit.author ?? 'unknown'}, ${commit.date ?? ''}) multiplied the connections: ${found.changes.map(describeChange).join(', ')} in ${files.join(' and ')} (${lines.map((l) => `\`${showLine(l)}\``).join(', ')}).`;
    for (const path of [...files].reverse())
      if (!ctx.casebook.suspectFiles.some((f) => f.path === path))
        ctx.casebook.suspectFiles.unshift({ path });
    ctx.casebook.suspectCommits.push(suspectOf(commit));
    ctx.casebook.evidence.push({ source: 'github', detail: note.trim(), ref: commit.sha });
  }
  const limitText = limit ? `max_connections ${limit.value}` : 'its connection limit';
  const back =
    found?.changes.map((c) => (c.from !== undefined ? `${c.key} back to ${c.from}` : `remove ${c.key}`)) ??
    [];
  return {
    status: 'diagnosed',
    summary: `${where} is out of connections: it refuses new clients ("${quote(refusal.line.replace(/^.*?((?:FATAL|ERROR)\b)/, '$1'), 120)}", ${times(refusal.count)}) because its clients together hold ${limitText}${found ? `, since commit ${found.commit.commit.sha.slice(0, 7)} multiplied them` : ''}.`,
    statement: `${where} has reached ${limitText}${limit ? ` (${limit.from})` : ''} and turns new connections away with "too many clients/connections": "${quote(refusal.line, 220)}". Each pod, worker process and pooled or kept-open connection of its clients counts against the limit, so the connections are exhausted at the server, not leaked or lost on the network.${demandText}${note}`,
    confidence: found || (now && usable !== undefined && now.total >= usable) ? 'high' : 'medium',
    fix: `Bring the clients' connections under the limit: ${back.length ? `set ${back.join(', ')} (or roll back ${found?.commit.commit.sha.slice(0, 7)})` : 'lower the workers, threads or pool per pod'}, or cap the replicas, so that replicas (at the autoscaler's maximum) × processes × connections each stays below ${usable !== undefined ? usable : 'the limit'}. For good, put a connection pooler (PgBouncer, RDS Proxy, ProxySQL) in front of the server or keep per-process pools small; raise ${limit ? 'max_connections' : 'the limit'} only with the server's memory in mind.`,
    rollback: Boolean(found),
    ...(facts.listing.workload ? { objects: [facts.listing.workload] } : {}),
  };
};
