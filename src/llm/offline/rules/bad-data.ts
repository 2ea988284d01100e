import { toolFor } from '../capabilities.js';
import { quote } from '../quote.js';
import { sharedSuffix } from '../source-lookup.js';
import { readFile, readSearchPaths, suspectOf } from '../tool-data.js';
import type { PodLog } from '../facts.js';
import type { LogSignature } from '../log-analysis.js';
import { brokenDataFile } from './broken-file.js';
import { pickDataFile } from './data-file-pick.js';
import { correlateChange } from './recent-change.js';
import { DATA_FILE, UNREACHABLE } from './signals.js';
import { times, type Rule } from './verdict.js';

const SUSPICIOUS = /:\s*-\d|=\s*-\d|"-\d|\bnull\b|:\s*""|NaN|Infinity/;

/** Identifiers in an error (ids that mix letters and digits) worth looking up in the repository. */
function ids(text: string): string[] {
  return [
    ...new Set(
      [...text.matchAll(/\b(?=[A-Za-z0-9]*\d)(?=[A-Za-z0-9]*[A-Z])[A-Za-z0-9]{6,24}\b/g)].map((m) => m[0]),
    ),
  ].slice(0, 3);
}

/**
 * Bad data in a repository file: an error names a record (a product id, a currency, a key); the
 * record lives in a data file of the repository, and its line there shows the bad value.
 */
export const badDataRule: Rule = (ctx, facts) => findBadData(ctx, facts, () => true);

/** The bad-data search, keeping only data files `accept` agrees to (the sweep of callers wants the service's own). */
export async function findBadData(
  ctx: Parameters<Rule>[0],
  facts: Parameters<Rule>[1],
  accept: (path: string) => boolean,
): ReturnType<Rule> {
  const names = ctx.tools.toolNames();
  const search = toolFor('searchCode', names);
  const fileTool = toolFor('fileContents', names);
  if (!search || !fileTool) return null;
  const errors = facts.logs
    // An id in a connection error names the request, not the fault.
    .flatMap((l) =>
      l.analysis.signatures
        .filter((s) => s.kind !== 'warning' && !UNREACHABLE.test(`${s.message} ${s.sample}`))
        .map((s) => ({ s, pod: l.pod })),
    )
    .sort((a, b) => b.s.count - a.s.count)
    .slice(0, 3);
  for (const { s, pod } of errors) {
    for (const id of ids(`${s.message} ${s.sample}`)) {
      const found = await ctx.tools.call(search, { query: id });
      const hits = found.ok
        ? readSearchPaths(found.structured).filter((h) => DATA_FILE.test(h.path) && accept(h.path))
        : [];
      for (const hit of hits.slice(0, 2)) {
        const file = await ctx.tools.call(fileTool, { path: hit.path });
        const content = file.ok ? readFile(file.structured) : null;
        if (!content) continue;
        const lines = content.content.split('\n');
        const at = lines.findIndex((l) => l.includes(id));
        if (at < 0) continue;
        const window = lines.slice(at, at + 12);
        const badOffset = window.findIndex((l, i) => i > 0 && SUSPICIOUS.test(l));
        const badLine = badOffset >= 0 ? at + badOffset : at;
        const lineNumber = content.startLine + badLine;
        const shown = (lines[badLine] ?? '').trim();
        ctx.casebook.evidence.push({
          source: 'logs',
          detail: `${quote(s.sample, 240)} (${times(s.count)})`,
          ref: `pod/${pod}`,
        });
        ctx.casebook.evidence.push({
          source: 'github',
          detail: `${id} is defined in ${hit.path}; line ${lineNumber}: ${shown}`,
          ref: `${hit.path}:${lineNumber}`,
        });
        ctx.casebook.suspectFiles.push({
          path: hit.path,
          line: lineNumber,
          url: hit.url ? `${hit.url}#L${lineNumber}` : undefined,
        });
        const change = await correlateChange(ctx, {
          text: `${s.message} ${id} ${shown}`,
          files: [hit.path],
          focus: [shown],
        });
        return {
          status: 'diagnosed',
          summary: `${facts.service} fails on ${id}: its record in ${hit.path} holds bad data (\`${quote(shown, 80)}\`), ${times(s.count)} in recent logs.`,
          statement: `The error "${quote(s.message, 200)}" names ${id}, whose entry in the data file ${hit.path} has ${badOffset >= 0 ? 'an invalid value' : 'the value'} at line ${lineNumber}: \`${shown}\`.${change ? ` ${change.note}` : ''}`,
          confidence: badOffset >= 0 ? 'high' : 'medium',
          fix: `Correct the entry for ${id} in ${hit.path} (line ${lineNumber})${change ? ` or revert ${change.commit.sha.slice(0, 7)}` : ''}, and validate the data file in CI.`,
        };
      }
    }
  }
  return null;
}

/** A parser refusing a data file: JSON, YAML, CSV or number formats, in the words of common runtimes. */
const PARSE_ERROR =
  /JsonException|JSONDecodeError|json: cannot unmarshal|invalid character .{1,40} looking for|Unexpected token .{1,30} JSON|could not be converted to|YAMLException|ScannerError|ParserError|yaml: (?:line \d+|unmarshal)|mapping values are not allowed|Expecting (?:value|property name|',' delimiter)|JsonParseException|MismatchedInputException|InvalidFormatException|Unexpected end of JSON|SyntaxError: .{0,60}JSON|Psych::SyntaxError|did not find expected (?:key|node|'-' indicator)|could not find expected ':'|found character that cannot start any token|while (?:parsing|scanning) a (?:block|flow|simple|quoted)|error converting YAML to JSON|found unexpected end of stream|toml: line \d+/i;
const DATA_PATH = /((?:[\w.-]*\/)*[\w.-]+\.(?:json|ya?ml|csv|tsv|toml|xml|properties|ini))\b/;

/** The line of the data file the parser names: `LineNumber: 62` (zero-based, .NET), `line 63 column 16`. */
function parserLine(message: string): number | undefined {
  const dotnet = message.match(/LineNumber: (\d+)/);
  if (dotnet) return Number(dotnet[1]) + 1;
  const other = message.match(/\bline[: ]+(\d+)(?:,? column| col)/i) ?? message.match(/\bat line (\d+)/i);
  return other ? Number(other[1]) : undefined;
}

/**
 * A service that cannot load a data file it ships (rates, catalog, config): the parser's error
 * names the value, the logs name the file, the repository holds it and its recent change. The
 * loader's refusal is the safety check doing its job: the fix is the data.
 */
export const dataParseRule: Rule = async (ctx, facts) => {
  const names = ctx.tools.toolNames();
  const search = toolFor('searchCode', names);
  const fileTool = toolFor('fileContents', names);
  const hit = facts.logs
    .flatMap((l) =>
      l.analysis.signatures
        .filter((s) => s.kind !== 'warning' && PARSE_ERROR.test(`${s.type ?? ''} ${s.message}`))
        .map((s) => ({ s, log: l })),
    )
    .sort((a, b) => b.s.count - a.s.count)[0];
  if (!hit || !search || !fileTool) return null;
  const { s, log } = hit;
  const at = log.text.indexOf(s.sample.slice(0, 60));
  const before = (at >= 0 ? log.text.slice(0, at) : log.text).split('\n').reverse();
  const mentioned =
    `${s.message} ${s.sample}`.match(DATA_PATH)?.[1] ??
    before.map((l) => l.match(DATA_PATH)?.[1]).find(Boolean);
  if (!mentioned) return brokenFileVerdict(ctx, facts, s, log);
  const fileName = mentioned.split('/').at(-1) as string;
  const found = await ctx.tools.call(search, { query: `filename:${fileName}` });
  const candidates = found.ok
    ? readSearchPaths(found.structured)
        .filter((h) => h.path.split('/').at(-1) === fileName)
        .sort((a, b) => sharedSuffix(b.path, mentioned) - sharedSuffix(a.path, mentioned))
    : [];
  const repoFile = await pickDataFile(ctx, candidates, mentioned);
  if (!repoFile) return brokenFileVerdict(ctx, facts, s, log);
  const file = await ctx.tools.call(fileTool, { path: repoFile.path });
  const content = file.ok ? readFile(file.structured) : null;
  const lineNumber = parserLine(s.message) ?? repoFile.fault?.line;
  const lineText =
    content && lineNumber
      ? (content.content.split('\n')[lineNumber - content.startLine] ?? '').trim()
      : undefined;
  const crash = facts.problems.find(
    (p) => p.pod === log.pod && /CrashLoopBackOff|Restarted|Error/.test(p.reason),
  );
  ctx.casebook.evidence.push({
    source: 'logs',
    detail: `${quote(`${s.type ? `${s.type}: ` : ''}${s.message}`, 300)} (${times(s.count)}) — while loading ${mentioned}`,
    ref: `pod/${log.pod}${log.previous ? ' (previous container)' : ''}`,
  });
  if (lineText)
    ctx.casebook.evidence.push({
      source: 'github',
      detail: `line ${lineNumber} of ${repoFile.path}: ${quote(lineText, 200)}`,
      ref: `${repoFile.path}:${lineNumber}`,
    });
  ctx.casebook.suspectFiles.push({
    path: repoFile.path,
    ...(lineNumber ? { line: lineNumber } : {}),
    ...(repoFile.url ? { url: lineNumber ? `${repoFile.url}#L${lineNumber}` : repoFile.url } : {}),
  });
  const change = await correlateChange(ctx, {
    text: `${s.message} ${lineText ?? ''}`,
    files: [repoFile.path],
    focus: lineText ? [lineText] : [],
  });
  return {
    status: 'diagnosed',
    summary: `${facts.service} ${crash ? `crashes at start-up (${crash.reason})` : 'fails'}: it cannot load its data file ${repoFile.path}${lineText ? `, whose line ${lineNumber} holds \`${quote(lineText, 60)}\`` : ''}.`,
    statement: `${facts.service} refuses the data in ${repoFile.path}: "${quote(s.message, 220)}"${lineText ? `; line ${lineNumber} of the file is \`${quote(lineText, 120)}\`` : ''}.${change ? ` ${change.note}` : ''}`,
    confidence: lineText ? 'high' : 'medium',
    fix: `Correct ${repoFile.path}${lineNumber ? ` at line ${lineNumber}` : ''}${lineText ? ` (\`${quote(lineText, 80)}\` is not a value the loader accepts)` : ''}${change ? ` or revert ${change.commit.sha.slice(0, 7)}` : ''}, and keep the loader's check: refusing a bad table is what it should do. Validate the file in CI.`,
    rollback: true,
  };
};

/**
 * A parse error at start that names no file the repository holds: the recent commit whose data
 * file no longer parses is the change that broke it (indentation, quoting, a stray character).
 */
async function brokenFileVerdict(
  ctx: Parameters<Rule>[0],
  facts: Parameters<Rule>[1],
  s: LogSignature,
  log: PodLog,
): ReturnType<Rule> {
  const broken = await brokenDataFile(ctx);
  if (!broken) return null;
  const { path, fault, commit } = broken;
  const sha = commit.sha.slice(0, 7);
  ctx.casebook.evidence.push({
    source: 'logs',
    detail: `${quote(`${s.type ? `${s.type}: ` : ''}${s.message}`, 300)} (${times(s.count)})`,
    ref: `pod/${log.pod}${log.previous ? ' (previous container)' : ''}`,
  });
  ctx.casebook.evidence.push({
    source: 'github',
    detail: `${path} no longer parses: ${quote(fault.message, 160)} (line ${fault.line}${broken.text ? `: \`${quote(broken.text, 100)}\`` : ''})`,
    ref: `${path}:${fault.line}`,
  });
  ctx.casebook.evidence.push({
    source: 'github',
    detail: `Commit ${sha} "${quote((commit.message ?? '').split('\n')[0] ?? '', 100)}" (${commit.author ?? 'unknown'}, ${commit.date ?? ''}) changed ${path}: ${broken.added.map((l) => `\`${l}\``).join(', ')}`,
    ref: commit.sha,
  });
  ctx.casebook.suspectFiles.unshift({
    path,
    line: fault.line,
    ...(broken.url ? { url: `${broken.url}#L${fault.line}` } : {}),
  });
  ctx.casebook.suspectCommits.push(suspectOf(commit));
  return {
    status: 'diagnosed',
    summary: `${facts.service} fails at start-up on a file that no longer parses: ${path}, changed by ${sha}.`,
    statement: `${facts.service} cannot parse its configuration ("${quote(s.message, 200)}"): ${path} is invalid since commit ${sha} "${quote((commit.message ?? '').split('\n')[0] ?? '', 80)}" — ${quote(fault.message, 120)} at line ${fault.line}${broken.text ? ` (\`${quote(broken.text, 80)}\`)` : ''}.`,
    confidence: 'high',
    fix: `Fix the syntax of ${path} at line ${fault.line} (indentation or quoting) or revert ${sha}, and validate the file in CI.`,
    rollback: true,
  };
}
