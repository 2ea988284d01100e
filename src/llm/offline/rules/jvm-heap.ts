import { formatBytes, parseQuantity } from '../../../util/quantity.js';
import { heapChange, heapSetting } from '../jvm-options.js';
import { quote } from '../quote.js';
import { describeBuildChange } from './image-build.js';
import { correlateChange } from './recent-change.js';
import { times, type Rule } from './verdict.js';

/**
 * The JVM's own heap error. A heap ceiling (-Xmx) the JVM hits is not the kernel's OOM kill: the
 * container exits with an ordinary error code (3 with -XX:+ExitOnOutOfMemoryError) long before
 * its memory limit, so raising the limit changes nothing.
 */
const HEAP_ERROR = /java\.lang\.OutOfMemoryError: Java heap space/;
/** A JVM that exhausts its own heap: the heap setting is the fault, not the container limit. */
export const jvmHeapRule: Rule = async (ctx, facts) => {
  const log = facts.logs.find((l) => HEAP_ERROR.test(l.text));
  if (!log) return null;
  const pod = facts.listing.pods.find((p) => p.name === log.pod);
  const container =
    pod?.containers.find((c) => c.name === log.container) ?? pod?.containers.find((c) => !c.init);
  const name = container?.name ?? log.container ?? facts.service;
  const errorLine =
    log.text.split('\n').find((l) => HEAP_ERROR.test(l)) ?? 'java.lang.OutOfMemoryError: Java heap space';
  const exit = container?.lastTermination?.exitCode ?? container?.exitCode;
  ctx.casebook.evidence.push({
    source: 'logs',
    detail: `${quote(errorLine.trim(), 240)}${exit !== undefined ? ` (container exit code ${exit}, ${container?.lastTermination?.reason ?? 'Error'}, not OOMKilled)` : ''}`,
    ref: `pod/${log.pod}`,
  });
  const heap = await heapSetting(ctx, log.pod, name, facts.namespace, log.text);
  const limit = container?.resources?.limits?.memory;
  const limitBytes = parseQuantity(limit);
  const heapText = heap?.flag
    ? `its maximum heap is ${heap.flag}${heap.bytes ? ` (${formatBytes(heap.bytes)})` : ''}${heap.source ? `, set in ${heap.source}` : ''}`
    : 'its maximum heap is the JVM default (a quarter of the container memory)';
  const roomy = heap?.bytes && limitBytes && limitBytes >= heap.bytes * 2;
  const limitText = limit
    ? roomy
      ? `, far below the container memory limit of ${limit}: the container limit is not what runs out`
      : `; the container memory limit is ${limit}`
    : '';
  if (heap?.flag)
    ctx.casebook.evidence.push({
      source: 'kubernetes',
      detail: `container ${name}: JVM heap ${heap.flag}${heap.source ? ` from ${heap.source}` : ''}; memory limit ${limit ?? 'none'}; ${container?.restartCount ?? 0} restarts`,
      ref: `pod/${log.pod}`,
    });
  // The commit whose added line holds the flag, else the change the flag's words point at.
  const written = heap ? await heapChange(ctx, heap) : null;
  const linked =
    heap && !written
      ? await correlateChange(ctx, {
          text: `${heap.flag} ${heap.source ?? ''} heap`,
          files: heap.file ? [heap.file] : [],
          focus: [heap.flag],
        })
      : null;
  if (heap?.file && !written && !ctx.casebook.suspectFiles.some((f) => f.path === heap.file))
    ctx.casebook.suspectFiles.unshift({ path: heap.file });
  const change = written
    ? { sha: written.commit.sha, note: describeBuildChange(written) }
    : linked
      ? { sha: linked.commit.sha, note: linked.note }
      : null;
  const restarts = container?.restartCount ?? 0;
  // Four times the heap, but never past three quarters of the limit (metaspace, threads, buffers).
  const bigger = heap?.bytes
    ? `-Xmx${Math.round(Math.min(heap.bytes * 4, limitBytes ? limitBytes * 0.75 : heap.bytes * 4) / 2 ** 20)}m`
    : undefined;
  return {
    status: 'diagnosed',
    summary: `${facts.service}'s JVM runs out of Java heap space and exits${restarts ? ` (restarted ${times(restarts)})` : ''}: ${heapText}.`,
    statement: `The JVM in container ${name} throws java.lang.OutOfMemoryError: Java heap space and exits${exit !== undefined ? ` with code ${exit}` : ''} — ${heapText}${limitText}. The heap size is too small for what the service loads.${change ? ` ${change.note}` : ''}`,
    confidence: heap?.flag ? 'high' : 'medium',
    fix: heap?.bytes
      ? `Raise the heap: replace ${heap.flag} in ${heap.source ?? 'the JVM options'}${change ? ` (set by ${change.sha.slice(0, 7)})` : ''} with a larger size${bigger ? ` (e.g. ${bigger})` : ''} or with -XX:MaxRAMPercentage=70.0 so the heap follows the container limit${limit ? ` of ${limit}` : ''}; keep the heap below the limit to leave room for metaspace and threads.`
      : 'Give the JVM a larger heap (-Xmx or -XX:MaxRAMPercentage) that fits what the service loads, within the container memory limit, or reduce what it holds in memory.',
    rollback: true,
    ...(heap?.flag ? { clues: [heap.flag] } : {}),
  };
};
