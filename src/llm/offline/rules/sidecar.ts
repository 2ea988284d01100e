import type { EngineContext } from '../../engine.js';
import { toolFor } from '../capabilities.js';
import { readObject } from '../cluster-read.js';
import type { ServiceFacts } from '../facts.js';
import { significantError } from '../health.js';
import { at, list, str, strings, type KubeObject } from '../k8s-object.js';
import { analyzeLog, type LogSignature } from '../log-analysis.js';
import { quote } from '../quote.js';
import { readLog } from '../tool-data.js';
import { times, type Rule } from './verdict.js';

/** `127.0.0.1:5432`, `localhost:6379`, `[::1]:8500`, libpq's `"127.0.0.1", port 5432`. */
const LOOPBACK = /(?:127\.0\.0\.1|localhost|\[::1\]|::1)(?:"?,?\s*port\s+|:)(\d{2,5})\b/i;

/** The loopback port an error of the app's log names, with the signature that names it. */
export function loopbackTarget(
  signatures: readonly LogSignature[],
): { port: number; s: LogSignature } | null {
  for (const s of signatures) {
    if (s.kind === 'warning' && s.count < 3) continue;
    const m = `${s.message} ${s.sample}`.match(LOOPBACK);
    if (m) return { port: Number(m[1]), s };
  }
  return null;
}

/** Whether a container of the pod spec serves a port: declares it, or its args/env say so. */
export function servesPort(container: KubeObject, port: number): boolean {
  if (list(container.ports).some((p) => p.containerPort === port)) return true;
  const words = [...strings(container.command), ...strings(container.args)];
  const flag = new RegExp(String.raw`(?:^|[=:\s])${port}$|^--?[\w-]*port[= ]${port}$|:${port}\b`);
  if (words.some((w) => flag.test(w))) return true;
  return list(container.env).some(
    (e) =>
      /port|listen|addr/i.test(str(e.name) ?? '') && new RegExp(`(^|:)${port}$`).test(str(e.value) ?? ''),
  );
}

/** Containers that run beside the app for the pod's life: regular ones and native sidecars. */
function podContainers(pod: KubeObject): KubeObject[] {
  const native = list(at(pod, 'spec', 'initContainers')).filter((c) => c.restartPolicy === 'Always');
  return [...list(at(pod, 'spec', 'containers')), ...native];
}

/** Configuration words of a container (args, env values) that its own error quotes. */
function quotedConfig(container: KubeObject, text: string): string[] {
  const values = [
    ...strings(container.args),
    ...strings(container.command),
    ...list(container.env).map((e) => str(e.value) ?? ''),
  ]
    .map((w) => w.replace(/^--?[\w-]+=/, ''))
    .filter((w) => w.length >= 6 && !/^\$\(/.test(w));
  return [...new Set(values.filter((v) => text.includes(v)))];
}

async function containerLog(
  ctx: EngineContext,
  namespace: string,
  pod: string,
  container: string,
  previous: boolean,
): Promise<string | null> {
  const tool = toolFor('podLogs', ctx.tools.toolNames());
  if (!tool) return null;
  const outcome = await ctx.tools.call(tool, { pod, namespace, container, tailLines: 300, previous });
  return outcome.ok ? readLog(outcome.structured, outcome.text) : null;
}

/**
 * The app fails to reach a loopback port that a sidecar in the same pod serves (a database or
 * cache proxy, a mesh agent): the sidecar's own log says why, usually its configuration. The
 * verdict names the sidecar and the configuration value its error quotes, not the app.
 */
export const sidecarRule: Rule = async (ctx, facts) => {
  for (const log of facts.logs) {
    const target = loopbackTarget(
      log.analysis.signatures.filter((s) => s.kind !== 'warning' || significantError(s, log)),
    );
    if (!target) continue;
    const pod = await readObject(ctx, 'Pod', log.pod, facts.namespace);
    if (!pod || podContainers(pod).length < 2) continue;
    const app = log.container ?? facts.problems.find((p) => p.pod === log.pod && p.container)?.container;
    const sidecar = podContainers(pod).find((c) => str(c.name) !== app && servesPort(c, target.port));
    const name = str(sidecar?.name);
    if (!sidecar || !name) continue;
    // A sidecar that crashes has its last words in the previous instance's log.
    let error: LogSignature | undefined;
    for (const previous of [false, true]) {
      const text = await containerLog(ctx, facts.namespace, log.pod, name, previous);
      error = text === null ? undefined : analyzeLog(text).signatures.find((s) => s.kind !== 'warning');
      if (error) break;
    }
    if (!error) continue;
    return sidecarVerdict(ctx, facts, {
      pod: log.pod,
      app,
      port: target.port,
      appError: target.s,
      sidecar,
      name,
      error,
    });
  }
  return null;
};

function sidecarVerdict(
  ctx: EngineContext,
  facts: ServiceFacts,
  found: {
    pod: string;
    app: string | undefined;
    port: number;
    appError: LogSignature;
    sidecar: KubeObject;
    name: string;
    error: LogSignature;
  },
) {
  const { pod, app, port, appError, sidecar, name, error } = found;
  const image = str(sidecar.image) ?? '';
  const said = quote(`${error.type ? `${error.type}: ` : ''}${error.message}`, 260);
  const config = quotedConfig(sidecar, `${error.message} ${error.sample}`);
  const appName = app ? `container ${app}` : 'the application container';
  ctx.casebook.evidence.unshift(
    {
      source: 'logs',
      detail: `sidecar ${name} (${image}) in pod ${pod}: ${said} (${times(error.count)})`,
      ref: `pod/${pod}`,
    },
    {
      source: 'logs',
      detail: `${appName} cannot use 127.0.0.1:${port}, which ${name} serves: ${quote(appError.message, 200)}`,
      ref: `pod/${pod}`,
    },
  );
  const args = strings(sidecar.args);
  const configText = config.length
    ? ` Its error quotes its own configuration: ${config.map((c) => `\`${c}\``).join(', ')}.`
    : args.length
      ? ` Its arguments: ${quote(args.join(' '), 200)}.`
      : '';
  return {
    status: 'diagnosed' as const,
    summary: `${facts.service} fails because its sidecar ${name} cannot do its job: ${quote(error.message, 160)}. The app only sees 127.0.0.1:${port} failing.`,
    statement: `${appName} fails on 127.0.0.1:${port} ("${quote(appError.message, 160)}"), the port the sidecar container ${name} (${image}) serves in the same pod. The sidecar is running but fails: "${said}".${configText} The fault is the sidecar's configuration, not the application.`,
    confidence: 'high' as const,
    fix: `Correct the configuration of sidecar ${name}${config.length ? ` (${config.join(', ')})` : ''} to what its error asks for, and roll it out; the application needs no change.`,
    clues: config,
    rollback: true,
  };
}
