import { parseLogLine } from '../../../util/log-lines.js';
import type { EventInfo, PodContainer } from '../tool-data.js';
import type { ServiceFacts } from '../facts.js';
import { formatBytes, parseQuantity } from '../../../util/quantity.js';
import type { EngineContext } from '../../engine.js';
import { toolFor } from '../capabilities.js';
import { at, list, str } from '../k8s-object.js';
import { quote } from '../quote.js';
import { correlateChange, previousValue } from './recent-change.js';
import { tentativeChange } from './tentative-change.js';
import { gradualGrowth, leakCommit } from './memory-growth.js';
import { times, type Rule, type Verdict } from './verdict.js';
import { suspectOf } from '../tool-data.js';

const NODE_TROUBLE =
  /^(NodeNotReady|NodeHasInsufficientMemory|EvictionThresholdMet|SystemOOM|NodeHasDiskPressure|NodeHasInsufficientPID|Rebooted|NodeHasPIDPressure)$/;

/** Calls that delete scratch files or directories, in the usual languages and shells. */
const CLEANUP_CALLS = [
  'os.RemoveAll(',
  'os.Remove(',
  'shutil.rmtree(',
  'os.remove(',
  'os.unlink(',
  '.cleanup()',
  'fs.rmSync(',
  'fs.rm(',
  'fs.promises.rm(',
  'unlinkSync(',
  'Files.delete',
  'deleteOnExit(',
  'FileUtils.deleteDirectory(',
  'Directory.Delete(',
  'File.Delete(',
  'rm -rf',
  'std::fs::remove_dir_all(',
];

/** The recent commit that removed a line deleting scratch files, if one did. */
async function droppedCleanup(ctx: EngineContext) {
  return tentativeChange(
    ctx,
    { text: 'temporary files cleanup', files: [], focus: CLEANUP_CALLS },
    (change) => change.lines.some((l) => l.startsWith('-') && CLEANUP_CALLS.some((c) => l.includes(c))),
  );
}

/** Node trouble that reaches the service: NotReady or pressure, evictions, system OOM kills. */
export const nodeRule: Rule = async (ctx, facts) => {
  const evicted = facts.listing.pods.filter(
    (p) => p.reason === 'Evicted' || /low on resource/i.test(p.message ?? ''),
  );
  const nodeEvents = facts.events.filter(
    (e) => (e.object?.startsWith('Node/') ?? false) && NODE_TROUBLE.test(e.reason ?? ''),
  );
  const evictions = facts.related.filter(
    (e) => e.reason === 'Evicted' || /low on resource/i.test(e.message ?? ''),
  );
  if (!evicted.length && !evictions.length && !nodeEvents.length) return null;
  // Pods being deleted are already replaced (or being): the nodes that matter are the live pods'.
  const live = facts.listing.pods.filter((p) => !p.terminating);
  const ourNodes = new Set((live.length ? live : facts.listing.pods).map((p) => p.node).filter(Boolean));
  const relevantNodeEvents = nodeEvents.filter(
    (e) => !ourNodes.size || [...ourNodes].some((n) => e.object === `Node/${n}`),
  );
  if (!evicted.length && !evictions.length && !relevantNodeEvents.length) return null;
  if (!evicted.length && !evictions.length && (await nodeEpisodeOver(ctx, relevantNodeEvents, facts)))
    return null;
  const storage = [...evictions.map((e) => e.message ?? ''), ...evicted.map((p) => p.message ?? '')].find(
    (m) => /ephemeral[- ]storage|ephemeral local storage/i.test(m),
  );
  if (storage && !relevantNodeEvents.some((e) => /NotReady|OOM|Memory/i.test(e.reason ?? ''))) {
    // The pod's own disk use (logs, scratch files in the container or an emptyDir) got it evicted.
    // The kubelet's words when a pod passes its own limit (container, pod total or emptyDir), as
    // opposed to "The node was low on resource: ephemeral-storage" under node disk pressure.
    const own =
      /exceeds (?:the total limit|its request|the limit)|exceeded its local ephemeral storage limit|Usage of EmptyDir volume/i.test(
        storage,
      );
    // Scratch files that are no longer deleted fill the writable layer: the change that dropped the cleanup.
    const cleanup = own ? await droppedCleanup(ctx) : null;
    ctx.casebook.evidence.unshift({
      source: 'kubernetes',
      detail: `Evicted: ${quote(storage, 300)}`,
      ref: evicted[0] ? `pod/${evicted[0].name}` : evictions[0]?.object,
    });
    return {
      status: 'diagnosed',
      summary: `${facts.service}'s pods are evicted for their ephemeral storage use: "${quote(storage, 160)}".`,
      statement: `The kubelet evicts ${facts.service}'s pods for ephemeral storage: "${quote(storage, 240)}". ${own ? 'The pod writes more to its container filesystem, logs or emptyDir than its ephemeral-storage limit allows — not node disk pressure.' : 'The node ran low on disk and these pods use the most of it beyond their request.'}${cleanup ? ` Temporary files are no longer cleaned up: ${cleanup.note}` : ''}`,
      confidence: 'high',
      fix: cleanup
        ? `Delete each job's temporary files (work directory) again when it finishes — restore the removed cleanup in ${cleanup.culpritFile ?? cleanup.files[0] ?? 'the code'} or revert ${cleanup.commit.sha.slice(0, 7)}; keep the ephemeral-storage limit as the guard it is.`
        : `Find what the pod writes locally (logs to files, caches, temp files, an emptyDir) and bound it; set ephemeral-storage requests and limits that match, or move growing data to a PersistentVolumeClaim.`,
      ...(cleanup ? { rollback: true } : {}),
    };
  }
  for (const e of [...relevantNodeEvents.slice(0, 4), ...evictions.slice(0, 2)]) {
    ctx.casebook.evidence.push({
      source: 'kubernetes',
      detail: `${e.reason}: ${e.message ?? ''}${e.count && e.count > 1 ? ` (×${e.count})` : ''}`,
      ref: e.object,
    });
  }
  const node =
    relevantNodeEvents[0]?.object?.replace('Node/', '') ?? evicted[0]?.node ?? [...ourNodes][0] ?? 'its node';
  const memory =
    [...relevantNodeEvents, ...evictions].some((e) => /memory|OOM/i.test(`${e.reason} ${e.message}`)) ||
    evicted.some((p) => /memory/i.test(p.message ?? ''));
  const kind = memory
    ? 'memory pressure'
    : relevantNodeEvents.some((e) => /Disk/i.test(e.reason ?? ''))
      ? 'disk pressure'
      : relevantNodeEvents.some((e) => /PID/i.test(e.reason ?? ''))
        ? 'PID pressure'
        : 'a node failure (NotReady)';
  const culprit = memory ? await memoryCulprit(ctx, node) : null;
  const victims = evicted.length
    ? `${evicted.length} pod(s) of ${facts.service} were evicted ("${evicted[0]?.message ?? 'Evicted'}")`
    : `pods of ${facts.service} run on it`;
  return {
    status: 'diagnosed',
    summary: `${facts.service} is down because node ${node} suffers ${kind}; ${victims}.`,
    statement: `Node ${node} suffers ${kind}: ${
      [...new Set(relevantNodeEvents.map((e) => e.reason).filter(Boolean))].slice(0, 4).join(', ') ||
      'evictions'
    }; ${victims}.${culprit ? ` ${culprit}` : ''}`,
    confidence: 'medium',
    fix: memory
      ? `Find the workload whose memory requests are far below its real use (or whose limits exceed the node) on ${node}, set realistic requests and limits, and cordon/drain or replace the node if it stays NotReady.`
      : `Check node ${node} (kubectl describe node ${node}); cordon and drain it and let the pods reschedule.`,
  };
};

/**
 * A node that was NotReady or rebooted and is Ready again, with the service's pods running on it
 * since: the episode is over. Pods still failing now fail for a reason of their own (their logs
 * say which, e.g. data the crash left damaged); the reboot is at most the trigger.
 */
async function nodeEpisodeOver(
  ctx: EngineContext,
  events: EventInfo[],
  facts: Parameters<Rule>[1],
): Promise<boolean> {
  if (!events.length || events.some((e) => !/^(NodeNotReady|Rebooted)$/.test(e.reason ?? ''))) return false;
  if (!facts.listing.pods.length || facts.listing.pods.some((p) => p.phase !== 'Running')) return false;
  const tool = toolFor('nodes', ctx.tools.toolNames());
  if (!tool) return false;
  const outcome = await ctx.tools.call(tool, {});
  const nodes = list(outcome.ok ? at(outcome.structured, 'nodes') : undefined);
  const names = new Set(events.map((e) => e.object?.replace('Node/', '')));
  const current = nodes.filter((n) => names.has(str(n.name)));
  return current.length === names.size && current.every((n) => n.ready === true);
}

/**
 * The first container the kernel killed for its memory: OOMKilled, or exit 137 without another
 * cause (exit 137 is any SIGKILL: a failed liveness probe ends the same way, and says so in its events).
 */
export function oomKilledContainer(facts: ServiceFacts): { pod: string; c: PodContainer } | undefined {
  const livenessKills = facts.related.some(
    (e) => e.reason === 'Unhealthy' && /liveness/i.test(e.message ?? ''),
  );
  return facts.listing.pods.flatMap((p) =>
    p.containers
      .filter(
        (c) =>
          c.lastTermination?.reason === 'OOMKilled' ||
          c.reason === 'OOMKilled' ||
          (c.lastTermination?.exitCode === 137 && !livenessKills && c.lastTermination.reason !== 'Error'),
      )
      .map((c) => ({ pod: p.name, c })),
  )[0];
}

/** Containers killed for exceeding their memory limit. */
export const oomRule: Rule = async (ctx, facts) => {
  const oom = oomKilledContainer(facts);
  if (!oom) return null;
  const limit = oom.c.resources?.limits?.memory;
  const request = oom.c.resources?.requests?.memory;
  const limitText = limit ? `its memory limit of ${limit}` : 'its memory limit';
  ctx.casebook.evidence.push({
    source: 'kubernetes',
    detail: `container ${oom.c.name}: last termination ${oom.c.lastTermination?.reason ?? 'OOMKilled'} (exit code ${oom.c.lastTermination?.exitCode ?? 137}), ${oom.c.restartCount ?? 0} restarts; memory request ${request ?? 'none'}, limit ${limit ?? 'none'}`,
    ref: `pod/${oom.pod}`,
  });
  const change = limit
    ? await correlateChange(ctx, {
        text: `memory ${limit} ${request ?? ''}`,
        files: [],
        focus: [`memory: ${limit}`],
      })
    : null;
  // A limit a change lowered is restored from where it was, not doubled from where it fell.
  const previous = limit && change ? previousValue(change, limit, /\bmemory\b/) : undefined;
  const lowered =
    previous && (parseQuantity(previous) ?? 0) > (parseQuantity(limit) ?? 0) ? previous : undefined;
  const bigger = parseQuantity(limit);
  if (!lowered) {
    const leak = await leakVerdict(ctx, facts, oom, limitText);
    if (leak) return leak;
  }
  return {
    status: 'diagnosed',
    summary: `${facts.service} is OOMKilled: container ${oom.c.name} exceeds ${limitText} and restarts (${times(oom.c.restartCount ?? 0)}).`,
    statement: `Container ${oom.c.name} is OOMKilled (exit code 137) — it uses more memory than ${limitText}${request ? ` (request ${request})` : ''}, so the kernel kills it and the pod restarts in a loop.${lowered ? ` The limit was ${lowered} before the change below.` : ''}${change ? ` ${change.note}` : ''}`,
    confidence: 'high',
    fix: lowered
      ? `Restore the memory limit of container ${oom.c.name} to ${lowered} (it was lowered to ${limit}${change ? ` by ${change.commit.sha.slice(0, 7)}` : ''}), and its request with it; lower it again only after measuring the service's real peak use.`
      : `Raise the memory limit${bigger ? ` (e.g. to ${formatBytes(bigger * 2)})` : ''} to what the service really uses, or fix the memory growth in the code.`,
    rollback: true,
    // The code that printed the last line before the kill was running when memory ran out.
    ...(lowered ? {} : { clues: lastLogged(facts, oom.pod) }),
  };
};

/**
 * The stem of the last line a killed container logged (`loading events into one frame` of
 * `… INFO churn.extract: loading events into one frame (columns=…)`): the words the code that
 * printed it holds, without the logger, the times and the values.
 */
function lastLogged(facts: Parameters<Rule>[1], pod: string): string[] {
  const log = facts.logs.find((l) => l.pod === pod && l.previous) ?? facts.logs.find((l) => l.pod === pod);
  const last = log?.text.trimEnd().split('\n').at(-1);
  if (!last) return [];
  const text = parseLogLine(last).text.replace(/^[\w.-]+:\s+/, '');
  const stem = text.match(/^[A-Za-z][A-Za-z' -]{14,80}?(?=\s*[(:=[{0-9]|$)/)?.[0]?.trim();
  return stem && stem.split(/\s+/).length >= 3 ? [stem] : [];
}

/** The workload a pod belongs to, from its generated name: `fluent-bit-x7k2m` → `fluent-bit`. */
export function workloadOf(pod: string): string {
  return pod.replace(/-[a-z0-9]{8,10}-[a-z0-9]{5}$/, '').replace(/-[a-z0-9]{5}$/, '');
}

interface NodePod {
  name: string;
  memoryRequest?: string;
  memoryLimit?: string;
  unlimitedMemory?: boolean;
}

/**
 * On a node short of memory, the pod whose memory limit is out of proportion: above what the
 * node can give, or unbounded, or many times its request — the misconfiguration that let it grow.
 */
async function memoryCulprit(ctx: EngineContext, node: string): Promise<string | null> {
  const tool = toolFor('nodes', ctx.tools.toolNames());
  if (!tool) return null;
  const outcome = await ctx.tools.call(tool, {});
  const nodes = (outcome.ok ? (outcome.structured?.nodes as unknown[] | undefined) : undefined) ?? [];
  const entry = nodes.find((n) => (n as { name?: string }).name === node) as
    { pods?: NodePod[]; allocatable?: Record<string, string> } | undefined;
  if (!entry?.pods?.length) return null;
  const allocatable = parseQuantity(entry.allocatable?.memory) ?? Number.POSITIVE_INFINITY;
  const score = (p: NodePod): number => {
    const limit = parseQuantity(p.memoryLimit);
    const request = parseQuantity(p.memoryRequest) ?? 0;
    if (p.unlimitedMemory) return 2;
    if (limit === undefined) return 0;
    if (limit > allocatable) return 3 + limit / allocatable;
    return request > 0 && limit / request >= 10 ? 1 + limit / request / 100 : 0;
  };
  const top = entry.pods.filter((p) => score(p) > 0).sort((a, b) => score(b) - score(a))[0];
  if (!top) return null;
  const limitText = top.unlimitedMemory ? 'no memory limit' : `a memory limit of ${top.memoryLimit}`;
  ctx.casebook.evidence.push({
    source: 'kubernetes',
    detail: `on ${node}, ${top.name} has ${limitText} (request ${top.memoryRequest ?? 'none'}) against ${formatBytes(allocatable)} allocatable`,
    ref: `pod/${top.name}`,
  });
  return `The misconfigured workload is ${workloadOf(top.name)}: it has ${limitText} (request ${top.memoryRequest ?? 'none'}) on a node with ${formatBytes(allocatable)} allocatable, so it can take the node's memory before any limit stops it.`;
}

function isOomKill(c: PodContainer): boolean {
  return c.lastTermination?.reason === 'OOMKilled' || c.reason === 'OOMKilled';
}

/**
 * OOM kills after hours of running, or logged memory that climbs: the process keeps what it should
 * let go, so a bigger limit only spaces the kills out. The commit that added the keeping is the cause.
 */
async function leakVerdict(
  ctx: EngineContext,
  facts: ServiceFacts,
  oom: { pod: string; c: PodContainer },
  limitText: string,
): Promise<Verdict | null> {
  const killedPods = facts.listing.pods.filter((p) => p.containers.some(isOomKill));
  const killed = killedPods.flatMap((p) => p.containers.filter(isOomKill));
  const growth = gradualGrowth(
    killed,
    facts.logs.filter((l) => killedPods.some((p) => p.name === l.pod)),
  );
  if (!growth) return null;
  const restarts = killed.reduce((n, c) => n + (c.restartCount ?? 0), 0);
  const ran = growth.hoursBeforeKill;
  const pace = ran.length
    ? `each container ran ${formatHours(ran[0] as number)}${ran.length > 1 && (ran.at(-1) as number) - (ran[0] as number) > 0.5 ? `–${formatHours(ran.at(-1) as number)}` : ''} before the kill`
    : '';
  const logged = growth.logged
    ? `its logged ${growth.logged.key} climbs from ${growth.logged.from} to ${growth.logged.to}`
    : '';
  const how = [pace, logged].filter(Boolean).join(', and ');
  ctx.casebook.evidence.push({
    source: growth.logged ? 'logs' : 'kubernetes',
    detail: `Memory grows until the kill: ${how} (${restarts} OOM restart(s) across ${killedPods.length} pod(s)).`,
    ref: `pod/${oom.pod}`,
  });
  const since = killedPods
    .map((p) => p.startTime ?? '')
    .filter(Boolean)
    .sort()[0];
  const suspect = await leakCommit(ctx, since);
  const growthText = `memory grows steadily until it reaches ${limitText} (${how}): a leak, not a spike`;
  if (!suspect) {
    return {
      status: 'diagnosed',
      summary: `${facts.service} leaks memory: container ${oom.c.name} is OOMKilled again and again (${restarts} restarts) as its ${growthText}.`,
      statement: `Container ${oom.c.name} is OOMKilled (exit code 137) after running for a long time: its ${growthText}. No recent commit was found that adds the growth.`,
      confidence: 'medium',
      fix: `Find what the process keeps (a heap snapshot or memory profile of a pod that has run a few hours) and bound it; raising the memory limit only spaces the kills out.`,
      rollback: true,
    };
  }
  const { commit, path, lines } = suspect;
  const sha = commit.sha.slice(0, 7);
  const title = (commit.message ?? '').split('\n')[0]?.trim() ?? '';
  ctx.casebook.suspectFiles.unshift({ path });
  ctx.casebook.suspectCommits.push(suspectOf(commit));
  const quoted = lines.map((l) => `\`${quote(l, 120)}\``).join(', ');
  ctx.casebook.evidence.push({
    source: 'github',
    detail: `Commit ${sha} "${title}" (${commit.author ?? 'unknown'}, ${commit.date ?? ''}) added to ${path}, with no eviction or size bound: ${quoted}.`,
    ref: commit.sha,
  });
  return {
    status: 'diagnosed',
    summary: `${facts.service} leaks memory since commit ${sha}: container ${oom.c.name} is OOMKilled again and again (${restarts} restarts) as its memory grows to ${limitText}; ${path} keeps data without a bound.`,
    statement: `Container ${oom.c.name} is OOMKilled (exit code 137) after running for hours: its ${growthText}. Commit ${sha} "${title}" (${commit.author ?? 'unknown'}) added ${path}, which keeps data for the life of the process with no eviction or size bound (${quoted}).`,
    confidence: 'medium',
    fix: `Bound what ${path} keeps (an LRU or TTL cache with a maximum size, or no cache) or revert ${sha}; raising the memory limit only spaces the kills out.`,
    rollback: true,
  };
}

function formatHours(h: number): string {
  return h >= 1 ? `${h.toFixed(1)} h` : `${Math.round(h * 60)} min`;
}
