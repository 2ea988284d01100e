import type { EngineContext } from '../../engine.js';
import { toolFor } from '../capabilities.js';
import type { PodLog, ServiceFacts } from '../facts.js';
import { analyzeLog } from '../log-analysis.js';
import { readLog, readPodListing } from '../tool-data.js';
import { findBadData } from './bad-data.js';
import type { Verdict } from './verdict.js';

const MAX_NEIGHBOURS = 6;
const normal = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, '');

/**
 * A service that looks healthy can still be the fault: it serves bad data and its callers fail.
 * Read the logs of the workloads around it, and accept only failures that lead back to it — a
 * data file under its own source directory.
 */
export async function sweepCallers(ctx: EngineContext, facts: ServiceFacts): Promise<Verdict | null> {
  const names = ctx.tools.toolNames();
  const deploymentsTool = toolFor('deployments', names);
  const podsTool = toolFor('listPods', names);
  const logTool = toolFor('podLogs', names);
  if (!deploymentsTool || !podsTool || !logTool) return null;
  const ours = [facts.service, facts.listing.workload?.name ?? ''].map(normal).filter(Boolean);
  const listed = await ctx.tools.call(deploymentsTool, { namespace: ctx.settings.namespace });
  const deployments =
    ((listed.ok ? listed.structured?.deployments : undefined) as { name: string }[] | undefined) ?? [];
  const neighbours = deployments
    .map((d) => d.name)
    .filter((n) => !ours.includes(normal(n)))
    .slice(0, MAX_NEIGHBOURS);
  const logs = (
    await Promise.all(
      neighbours.map(async (name): Promise<PodLog | null> => {
        const pods = await ctx.tools.call(podsTool, { service: name, namespace: ctx.settings.namespace });
        const pod = readPodListing(pods.structured).pods.find((p) => p.phase === 'Running');
        if (!pod) return null;
        const log = await ctx.tools.call(logTool, {
          pod: pod.name,
          namespace: ctx.settings.namespace,
          tailLines: 300,
        });
        if (!log.ok) return null;
        const text = readLog(log.structured, log.text);
        return { pod: pod.name, previous: false, text, analysis: analyzeLog(text) };
      }),
    )
  ).filter((l): l is PodLog => l !== null && l.analysis.signatures.some((s) => s.kind !== 'warning'));
  if (!logs.length) return null;
  const verdict = await findBadData(ctx, { ...facts, logs }, (path) =>
    ours.some((o) => normal(path).includes(o)),
  );
  if (!verdict) return null;
  return {
    ...verdict,
    summary: `${facts.service} looks healthy itself, but the data it serves breaks its callers: ${verdict.summary}`,
    statement: `${facts.service}'s pods are healthy, but its callers fail (${logs.map((l) => l.pod).join(', ')}). ${verdict.statement}`,
  };
}
