import type { EngineContext } from '../../engine.js';
import { readObjects } from '../cluster-read.js';
import { at, nameOf, stringMap } from '../k8s-object.js';
import { toolFor } from '../capabilities.js';
import type { PodLog, ServiceFacts } from '../facts.js';
import { quote } from '../quote.js';
import { sharedSuffix } from '../source-lookup.js';
import {
  describedOrigin,
  invalidValue,
  readOrigin,
  springFailures,
  type BoundProperty,
  type PropertyOrigin,
  type SpringFailure,
} from '../spring-failure-report.js';
import { readFile, readSearchPaths } from '../tool-data.js';
import { pickDataFile } from './data-file-pick.js';
import { correlateChange } from './recent-change.js';
import type { Rule, Verdict } from './verdict.js';

/** Where the bad value is written: a repository file, or a key of a ConfigMap mounted as the file. */
interface Located {
  where: string;
  path?: string;
  line?: number;
  text?: string;
  configMap?: string;
}

/**
 * A pod whose container is not up now: Spring Boot exits after printing its failure analysis, so a
 * block in the log of a pod that is running and ready again is history, not the incident.
 */
function stillFailing(facts: ServiceFacts, log: PodLog): boolean {
  const pod = facts.listing.pods.find((p) => p.name === log.pod);
  if (!pod) return false;
  return pod.containers
    .filter((c) => !c.init)
    .some(
      (c) => c.ready === false || c.state === 'waiting' || (c.state === 'terminated' && c.exitCode !== 0),
    );
}

/** The newest failure analysis of a pod that is still failing: current logs before previous ones. */
function newestFailure(facts: ServiceFacts): { failure: SpringFailure; log: PodLog } | null {
  const logs = [...facts.logs].sort((a, b) => Number(a.previous) - Number(b.previous));
  for (const log of logs) {
    const failure = springFailures(log.text).at(-1);
    if (failure && stillFailing(facts, log)) return { failure, log };
  }
  return null;
}

/** The property's line in a file's text: the line at Origin's number, else the line that sets its last segment. */
function lineOf(
  content: string,
  startLine: number,
  origin: PropertyOrigin,
  property?: BoundProperty,
): number | undefined {
  const lines = content.split('\n');
  if (origin.kind === 'file' && origin.line && lines[origin.line - startLine] !== undefined)
    return origin.line;
  const leaf = property?.property
    ?.split('.')
    .at(-1)
    ?.replace(/\[\d+\]$/, '');
  if (!leaf) return undefined;
  const index = lines.findIndex((l) =>
    new RegExp(`(^|[\\s.])${leaf.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*[:=]`).test(l),
  );
  return index >= 0 ? index + startLine : undefined;
}

/** Find the file Origin names in the repository (by base name), else in a ConfigMap key of that name. */
async function locate(
  ctx: EngineContext,
  facts: ServiceFacts,
  origin: PropertyOrigin & { kind: 'file' },
  property?: BoundProperty,
): Promise<Located> {
  const names = ctx.tools.toolNames();
  const search = toolFor('searchCode', names);
  const fileTool = toolFor('fileContents', names);
  const base = origin.path.split('/').at(-1) as string;
  if (search && fileTool) {
    const found = await ctx.tools.call(search, { query: `filename:${base}` });
    const candidates = found.ok
      ? readSearchPaths(found.structured)
          .filter((h) => h.path.split('/').at(-1) === base)
          .sort((a, b) => sharedSuffix(b.path, origin.path) - sharedSuffix(a.path, origin.path))
      : [];
    const picked = await pickDataFile(ctx, candidates, origin.path);
    if (picked) {
      const file = await ctx.tools.call(fileTool, { path: picked.path });
      const content = file.ok ? readFile(file.structured) : null;
      const line = content ? lineOf(content.content, content.startLine, origin, property) : undefined;
      const text =
        content && line ? content.content.split('\n')[line - content.startLine]?.trim() : undefined;
      ctx.casebook.suspectFiles.unshift({
        path: picked.path,
        ...(line ? { line } : {}),
        ...(picked.url ? { url: line ? `${picked.url}#L${line}` : picked.url } : {}),
      });
      return { where: picked.path, path: picked.path, ...(line ? { line } : {}), ...(text ? { text } : {}) };
    }
  }
  // Not in the repository: a file mounted from a ConfigMap whose key is the file's name.
  const maps = (await readObjects(ctx, 'ConfigMap', { namespace: facts.namespace })) ?? [];
  const map = maps.find((m) => base in stringMap(at(m, 'data')));
  if (map) {
    const content = stringMap(at(map, 'data'))[base] as string;
    const line = lineOf(content, 1, origin, property);
    const text = line ? content.split('\n')[line - 1]?.trim() : undefined;
    return {
      where: `ConfigMap ${nameOf(map)} (key ${base})`,
      configMap: nameOf(map),
      ...(line ? { line } : {}),
      ...(text ? { text } : {}),
    };
  }
  return { where: origin.path };
}

function originWords(origin: PropertyOrigin | null): string {
  if (!origin) return '';
  if (origin.kind === 'env') return `the environment variable ${origin.name}`;
  if (origin.kind === 'source') return `${origin.name} in property source ${origin.source}`;
  return `${origin.path}${origin.line ? ` line ${origin.line}` : ''}`;
}

/**
 * Spring Boot refused to start and its failure analysis says why: a property that does not bind
 * (its value, the file and line it came from), a bean that is missing, a port in use, a DataSource
 * with no URL. The value's file leads to the commit that wrote it; the Action is Spring's advice.
 */
export const springStartupRule: Rule = async (ctx, facts) => {
  const hit = newestFailure(facts);
  if (!hit) return null;
  const { failure, log } = hit;
  const property =
    failure.properties.find((p) => p.property || p.origin) ?? invalidValue(failure) ?? undefined;
  const origin = readOrigin(property?.origin) ?? describedOrigin(failure);
  const problem = facts.problems.find((p) => p.pod === log.pod && p.rank <= 4);
  const ref = `pod/${log.pod}${log.previous ? ' (previous container)' : ''}`;
  const detailLines = failure.properties.length
    ? failure.properties
        .slice(0, 2)
        .map((p) =>
          [
            p.property && `Property: ${p.property}`,
            p.value && `Value: ${p.value}`,
            p.origin && `Origin: ${p.origin}`,
            p.reason && `Reason: ${p.reason}`,
          ]
            .filter(Boolean)
            .join('; '),
        )
    : failure.description.slice(1, 3);
  ctx.casebook.evidence.push({
    source: 'logs',
    detail: quote(`APPLICATION FAILED TO START — ${[failure.headline, ...detailLines].join(' | ')}`, 600),
    ref,
  });
  const located = origin?.kind === 'file' ? await locate(ctx, facts, origin, property) : undefined;
  if (located?.text && located.line)
    ctx.casebook.evidence.push({
      source: located.path ? 'github' : 'kubernetes',
      detail: `line ${located.line} of ${located.where}: ${quote(located.text, 200)}`,
      ref: located.path ? `${located.path}:${located.line}` : `configmap/${located.configMap ?? ''}`,
    });
  const value = property?.value?.replace(/^"(.*)"$/, '$1');
  const change = await correlateChange(ctx, {
    text: [
      property?.property,
      value,
      located?.text,
      origin?.kind === 'env' ? origin.name : '',
      failure.headline,
    ]
      .filter(Boolean)
      .join(' '),
    files: located?.path ? [located.path] : [],
    focus: located?.text ? [located.text] : value ? [value] : [],
  });
  const crash = problem ? ` (${problem.reason})` : '';
  const where = located
    ? `${located.where}${located.line ? ` line ${located.line}` : ''}`
    : originWords(origin);
  const bound = property?.property
    ? `property ${property.property}${value !== undefined ? ` = ${property.value}` : ''}${where ? ` (from ${where})` : ''}`
    : undefined;
  const summary = bound
    ? `${facts.service} cannot start${crash}: Spring Boot rejects ${bound}.`
    : `${facts.service} cannot start${crash}: Spring Boot reports "${quote(failure.headline, 160)}".`;
  const statement = `Spring Boot stopped ${facts.service} at start-up with APPLICATION FAILED TO START: "${quote(failure.headline, 240)}"${
    bound
      ? ` The ${bound} ${property?.reason ? `cannot be used: ${quote(property.reason, 240)}` : 'is invalid'}.`
      : ''
  }${located?.text && located.line ? ` Line ${located.line} of ${located.where} is \`${quote(located.text, 120)}\`.` : ''}${
    change ? ` ${change.note}` : ''
  }`;
  // `Failed to bind properties under 'x' to java.math.BigDecimal:` names the type the value must fit.
  const boundType = failure.headline.match(/ to ([\w.$<>, ]+?):?$/)?.[1];
  const target = bound
    ? `Correct ${property?.property} in ${where || 'the configuration'}${located?.text ? ` (\`${quote(located.text, 80)}\`)` : ''} to a value that converts to ${boundType ?? 'the type it binds to'}`
    : `Fix what the failure analysis names`;
  const verdict: Verdict = {
    status: 'diagnosed',
    summary,
    statement,
    confidence: bound || change ? 'high' : 'medium',
    fix: `${target}${change ? ` or revert ${change.commit.sha.slice(0, 7)}` : ''}${
      failure.action ? `; Spring's advice: "${quote(failure.action, 200)}"` : ''
    }. Keep the startup check: refusing a bad value is what it should do.`,
    rollback: true,
    ...(value ? { clues: [value] } : {}),
    ...(located?.configMap ? { objects: [{ kind: 'ConfigMap', name: located.configMap }] } : {}),
    ...(origin?.kind === 'env' && facts.listing.workload ? { objects: [facts.listing.workload] } : {}),
  };
  return verdict;
};
