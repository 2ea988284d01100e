/**
 * A JVM allowed a heap as large as its container's memory limit. The JVM grows its heap up to the
 * ceiling it was given; metaspace, thread stacks, code cache and GC structures come on top of it.
 * With a ceiling at or above the limit, the container's memory passes the limit before the heap is
 * full: the kernel kills the JVM (OOMKilled, exit 137) and no OutOfMemoryError is ever logged.
 * The heap flag is the fault, wherever it is set: the pod's env, the image's Dockerfile or start script.
 */
import { formatBytes, parseQuantity } from '../../../util/quantity.js';
import { heapChange, heapSetting, type HeapSetting } from '../jvm-options.js';
import { quote } from '../quote.js';
import { oomKilledContainer } from './platform.js';
import { describeBuildChange } from './image-build.js';
import { correlateChange } from './recent-change.js';
import { times, type Rule } from './verdict.js';

/** A heap ceiling above this share of the limit leaves too little for the JVM's own memory. */
const MAX_HEAP_SHARE = 0.9;
/** What a JVM needs beyond its heap, at the least (metaspace, threads, code cache, GC). */
const NON_HEAP_FLOOR = 256 * 2 ** 20;

function heapText(heap: HeapSetting, heapBytes: number): string {
  const initial =
    heap.initialBytes && heap.initialBytes >= heapBytes * 0.9
      ? ` (and -Xms of ${formatBytes(heap.initialBytes)})`
      : '';
  return `${heap.flag}${heap.bytes ? ` (${formatBytes(heap.bytes)})` : ` (${formatBytes(heapBytes)} of the limit)`}${initial}`;
}

/** An OOMKilled JVM whose heap ceiling reaches its container's memory limit. */
export const jvmHeapOverLimitRule: Rule = async (ctx, facts) => {
  const oom = oomKilledContainer(facts);
  if (!oom) return null;
  const limit = oom.c.resources?.limits?.memory;
  const limitBytes = parseQuantity(limit);
  if (!limit || !limitBytes) return null;
  // Replicas start with the same options: any of their logs may still hold the JVM's start line.
  const logs = facts.logs.filter((l) => !l.container || l.container === oom.c.name);
  const logText = [...logs.filter((l) => l.pod === oom.pod), ...logs.filter((l) => l.pod !== oom.pod)]
    .map((l) => l.text)
    .join('\n');
  const heap = await heapSetting(ctx, oom.pod, oom.c.name, facts.namespace, logText);
  if (!heap) return null;
  const heapBytes = heap.bytes ?? (heap.percent ? (limitBytes * heap.percent) / 100 : undefined);
  if (!heapBytes || heapBytes < limitBytes * MAX_HEAP_SHARE) return null;

  const restarts = oom.c.restartCount ?? 0;
  ctx.casebook.evidence.push({
    source: 'kubernetes',
    detail: `container ${oom.c.name}: last termination ${oom.c.lastTermination?.reason ?? 'OOMKilled'} (exit code ${oom.c.lastTermination?.exitCode ?? 137}), ${restarts} restarts; memory limit ${limit}; JVM heap ${heap.flag}${heap.source ? ` from ${heap.source}` : ''}`,
    ref: `pod/${oom.pod}`,
  });
  const startLine = (text: string) =>
    text.split('\n').find((l) => /Picked up/.test(l) && l.includes(heap.flag));
  const started = logs.find((l) => startLine(l.text));
  if (started)
    ctx.casebook.evidence.push({
      source: 'logs',
      detail: quote(startLine(started.text)?.trim() ?? '', 240),
      ref: `pod/${started.pod}`,
    });
  if (heap.file && heap.line)
    ctx.casebook.evidence.push({
      source: 'github',
      detail: `${heap.file}: \`${quote(heap.line, 200)}\``,
      ref: heap.file,
    });

  const written = await heapChange(ctx, heap);
  // Flags set long ago meet a limit lowered now: then the limit's change is the one to name.
  const limitChange = written
    ? null
    : await correlateChange(ctx, { text: `memory ${limit}`, files: [], focus: [`memory: ${limit}`] });
  if (heap.file && !ctx.casebook.suspectFiles.some((f) => f.path === heap.file))
    ctx.casebook.suspectFiles.unshift({ path: heap.file });
  const note = written ? describeBuildChange(written) : (limitChange?.note ?? '');
  const sha = (written?.commit.sha ?? limitChange?.commit.sha)?.slice(0, 7);

  const where = heap.source ? `, set in ${heap.source}` : '';
  const above = heapBytes >= limitBytes;
  const relation = above
    ? `at or above the container memory limit of ${limit}`
    : `${Math.round((heapBytes / limitBytes) * 100)}% of the container memory limit of ${limit}`;
  const fitting = `-Xmx${Math.floor((limitBytes * 0.75) / 2 ** 20)}m`;
  const neededLimit = formatBytes(heapBytes + Math.max(heapBytes * 0.25, NON_HEAP_FLOOR));
  return {
    status: 'diagnosed',
    summary: `${facts.service} is OOMKilled (exit code 137, ${times(restarts)}): its JVM heap ${heapText(heap, heapBytes)}${where} is ${relation}, so the container passes its limit before the heap is full.`,
    statement: `Container ${oom.c.name} is OOMKilled (exit code 137): the JVM is allowed a heap of ${heapText(heap, heapBytes)}${where}, ${relation}. Metaspace, thread stacks, code cache and GC structures come on top of the heap, so as the heap fills the container's memory passes ${limit} and the kernel kills the JVM before it reaches its own heap ceiling — no java.lang.OutOfMemoryError is logged, the logs just stop.${note ? ` ${note}` : ''}`,
    confidence: above ? 'high' : 'medium',
    fix: `Size the heap below the container limit: replace ${heap.flag}${heap.initialBytes ? ' (and -Xms)' : ''} in ${heap.source ?? 'the JVM options'}${sha ? ` (set by ${sha})` : ''} with -XX:MaxRAMPercentage=75.0 (or at most ${fitting} for a ${limit} limit), or raise the memory limit to at least ${neededLimit} to hold that heap plus the JVM's own memory.`,
    rollback: true,
    clues: [heap.flag],
  };
};
