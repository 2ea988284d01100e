import { formatBytes, parseQuantity } from '../../../util/quantity.js';
import { readObject } from '../cluster-read.js';
import { at, list, str, strings } from '../k8s-object.js';
import { quote } from '../quote.js';
import { correlateChange } from './recent-change.js';
import { times, type Rule } from './verdict.js';

/**
 * The JVM's own heap error. A heap ceiling (-Xmx) the JVM hits is not the kernel's OOM kill: the
 * container exits with an ordinary error code (3 with -XX:+ExitOnOutOfMemoryError) long before
 * its memory limit, so raising the limit changes nothing.
 */
const HEAP_ERROR = /java\.lang\.OutOfMemoryError: Java heap space/;
/** The variables the JVM (and the usual launch scripts) take flags from. */
const FLAG_VARS = /^(JAVA_TOOL_OPTIONS|_JAVA_OPTIONS|JDK_JAVA_OPTIONS|JAVA_OPTS|JVM_OPTS|CATALINA_OPTS)$/;
/** The JVM prints the flag variables it read at start: `Picked up JAVA_TOOL_OPTIONS: -Xmx256m`. */
const PICKED_UP = /Picked up (JAVA_TOOL_OPTIONS|_JAVA_OPTIONS|JDK_JAVA_OPTIONS): (.*)/;
const XMX = /-Xmx(\d+[kKmMgG]?)\b/;
const HEAP_SHARE = /-XX:MaxRAMPercentage=([\d.]+)/;

interface HeapSetting {
  /** `-Xmx256m`, or null when the heap is sized by the JVM's default (a quarter of the limit). */
  flag: string | null;
  bytes?: number;
  /** Where it was set: `JAVA_TOOL_OPTIONS`, `the container command`. */
  source?: string;
}

/** `256m` → bytes, as the JVM reads -Xmx (no suffix is bytes). */
function jvmBytes(size: string): number {
  const n = Number.parseInt(size, 10);
  const unit = size.slice(-1).toLowerCase();
  return n * (unit === 'k' ? 2 ** 10 : unit === 'm' ? 2 ** 20 : unit === 'g' ? 2 ** 30 : 1);
}

function fromFlags(text: string, source: string): HeapSetting | null {
  const xmx = text.match(XMX);
  if (xmx?.[1]) return { flag: `-Xmx${xmx[1]}`, bytes: jvmBytes(xmx[1]), source };
  const share = text.match(HEAP_SHARE);
  if (share) return { flag: `-XX:MaxRAMPercentage=${share[1]}`, source };
  return null;
}

/** The heap ceiling from the pod's spec (env, command, args), else from the JVM's start lines. */
async function heapSetting(
  ctx: Parameters<Rule>[0],
  pod: string,
  container: string,
  namespace: string,
  logText: string,
): Promise<HeapSetting | null> {
  const object = await readObject(ctx, 'Pod', pod, namespace);
  const spec = list(at(object, 'spec', 'containers')).find((c) => str(c.name) === container);
  if (spec) {
    for (const env of list(spec.env)) {
      const name = str(env.name) ?? '';
      const found = FLAG_VARS.test(name) ? fromFlags(str(env.value) ?? '', name) : null;
      if (found) return found;
    }
    const line = [...strings(spec.command), ...strings(spec.args)].join(' ');
    const found = fromFlags(line, 'the container command');
    if (found) return found;
  }
  const picked = logText.match(PICKED_UP);
  return picked?.[2] ? fromFlags(picked[2], picked[1] ?? 'the JVM options') : null;
}

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
  const change = heap?.flag
    ? await correlateChange(ctx, {
        text: `${heap.flag} ${heap.source ?? ''} heap`,
        files: [],
        focus: [heap.flag],
      })
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
      ? `Raise the heap: replace ${heap.flag} in ${heap.source ?? 'the JVM options'}${change ? ` (set by ${change.commit.sha.slice(0, 7)})` : ''} with a larger size${bigger ? ` (e.g. ${bigger})` : ''} or with -XX:MaxRAMPercentage=70.0 so the heap follows the container limit${limit ? ` of ${limit}` : ''}; keep the heap below the limit to leave room for metaspace and threads.`
      : 'Give the JVM a larger heap (-Xmx or -XX:MaxRAMPercentage) that fits what the service loads, within the container memory limit, or reduce what it holds in memory.',
    rollback: true,
    ...(heap?.flag ? { clues: [heap.flag] } : {}),
  };
};
