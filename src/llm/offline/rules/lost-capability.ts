/**
 * A capability the code needs at runtime that a dependency-manifest change took away: a library's
 * TLS backend, a database driver, a compression codec, a feature flag. The code compiles and
 * starts (the capability is chosen at build time, or loaded by name), and fails only when it is
 * used: reqwest without a TLS feature refuses https URLs ("invalid URL, scheme is not http"), Go's
 * database/sql names an "unknown driver", Rails asks for the adapter's gem. The manifest line that
 * disabled the default features or dropped the dependency or the feature is the cause.
 */
import type { EngineContext } from '../../engine.js';
import { quote } from '../quote.js';
import { findBuildChange, noteBuildChange, type BuildChange } from './image-build.js';
import { DEPENDENCY_MANIFEST, LOCK_FILE } from './library-upgrade.js';
import { recentCommitDetails } from './recent-change.js';
import { findLogged, loggedLineEvidence, type LoggedLine } from './runtime-logged.js';
import { times, type Rule } from './verdict.js';

interface Capability {
  /** What is missing, in words a person reads. */
  what: string;
  /** The runtime's words when code asks for it and it is not there. */
  log: RegExp;
  /** Words of the dependencies, features or extras that provide it. */
  words: RegExp;
  /** What usually provides it, for the fix. */
  providedBy: string;
}

const CAPABILITIES: Capability[] = [
  {
    what: 'TLS (https) support',
    log: /scheme is not http\b|no TLS backend|TLS backend[^\n]{0,30}not (?:available|enabled|compiled)|(?:https|tls|ssl) (?:support )?(?:is )?not (?:supported|enabled|available|compiled)|SSL module is not available|unsupported (?:protocol|URL) scheme:? ["'`]?https|No connection adapters were found for ["']?https/i,
    words: /tls|ssl|https|crypto|boring/i,
    providedBy: 'a TLS backend feature (rustls or native-tls in Rust crates) or an SSL extra',
  },
  {
    what: 'a database driver',
    log: /unknown driver ["'`]?\w|No suitable driver found|Can't load plugin: sqlalchemy\.dialects|but the gem is not loaded|(?:driver|dialect|adapter) ["'`]?[\w.-]*["'`]?[^\n]{0,30}(?:not (?:found|installed|registered|loaded)|is not available)|invariant name '[\w.]+' is either not registered/i,
    words:
      /driver|dialect|adapter|postgres|\bpg\b|\bpq\b|psycopg|mysql|maria|sqlite|mssql|sqlserver|oracle|jdbc|odbc|npgsql|mongo/i,
    providedBy: 'the driver package of the database',
  },
  {
    what: 'a compression codec',
    log: /(?:codec|compression)[^\n]{0,40}(?:not (?:available|supported|installed|enabled)|unsupported)|(?:unknown|unsupported) (?:compression|codec|content[- ]encoding)/i,
    words: /zstd|snappy|lz4|gzip|brotli|zlib|deflate|codec|compress/i,
    providedBy: 'the codec package or feature',
  },
  {
    what: 'a feature the code uses',
    log: /feature [`'"]?[\w-]+[`'"]? (?:is )?not enabled|requires the [`'"]?[\w-]+[`'"]? feature|(?:compiled|built) without [\w -]{2,30} support/i,
    words: /feature/i,
    providedBy: 'the feature the error names',
  },
];

/** A changed line that turns a library's default features off or excludes a part of it. */
const DISABLES = /default[-_]features\s*=\s*false|--no-default-features|<exclusions?>|\bexclude\b/i;

/** The dependency a manifest line declares, in the usual manifests; undefined for other lines. */
export function dependencyName(line: string): string | undefined {
  const l = line.trim();
  const named =
    l.match(/^([A-Za-z0-9_-]+)\s*=\s*[{"']/)?.[1] ?? // Cargo.toml, pyproject (poetry)
    l.match(/^\[(?:[\w-]+\.)?dependencies\.([A-Za-z0-9_-]+)\]/)?.[1] ??
    l.match(/^"(@?[\w./-]+)"\s*:\s*"/)?.[1] ?? // package.json
    l.match(/^gem\s+['"]([\w-]+)['"]/)?.[1] ?? // Gemfile
    l.match(/<artifactId>([\w.-]+)<\/artifactId>/)?.[1] ?? // pom.xml
    l.match(/Include="([\w.-]+)"/)?.[1] ?? // *.csproj
    l.match(/^(?:require\s+)?([\w.-]+\.[a-z]{2,}\/[\w./-]+)\s+v\d/)?.[1] ?? // go.mod
    l.match(/^(?:implementation|api|runtimeOnly|compileOnly)\s*\(?\s*["'][\w.-]+:([\w.-]+)/)?.[1] ?? // Gradle
    l.match(/^["']?([A-Za-z][\w.-]*)(?:\[[^\]]*\])?\s*(?:[=<>~!]=|[<>;]|$|["'],?$)/)?.[1]; // requirements
  return named && !/^(?:version|features|optional|path|git|branch|name|edition)$/i.test(named)
    ? named
    : undefined;
}

/** Feature, extra and option names a line lists: `features = ["json", "tls"]`, `requests[socks]`. */
function listed(line: string): string[] {
  const quoted = [...line.matchAll(/["']([\w.+-]+)["']/g)].map((m) => m[1] ?? '');
  const extras = [...line.matchAll(/\[([\w,\s-]+)\]/g)].flatMap((m) => (m[1] ?? '').split(/[,\s]+/));
  return [...quoted, ...extras].filter((t) => t && !/^[\d^~<>=*]/.test(t));
}

/** `hyper-util` is `hyper_util` in Rust paths and `hyper.util` nowhere: compare both spellings. */
function mentions(text: string, dependency: string): boolean {
  const name = dependency.split('/').at(-1)?.toLowerCase() ?? '';
  if (name.length < 2) return false;
  const t = text.toLowerCase();
  return [name, name.replace(/-/g, '_')].some((n) => new RegExp(`(?:^|[^\\w-])${n}(?:[^\\w-]|$)`).test(t));
}

/**
 * How strongly a manifest's changed lines took the capability away: per dependency, a removal
 * (default features off, the dependency dropped, a feature or extra no longer listed) that either
 * names a library the error names or takes away something named for the capability.
 */
function judgeManifest(capability: Capability, errorText: string) {
  return (file: string, changed: string[]): { lines: string[]; weight: number } | null => {
    if (!DEPENDENCY_MANIFEST.test(file) || LOCK_FILE.test(file)) return null;
    const byDependency = new Map<string, string[]>();
    for (const line of changed) {
      const name = dependencyName(line.slice(1));
      if (name) byDependency.set(name, [...(byDependency.get(name) ?? []), line]);
    }
    let best: { lines: string[]; weight: number } | null = null;
    for (const [name, lines] of byDependency) {
      const removed = lines.filter((l) => l.startsWith('-'));
      const added = lines.filter((l) => l.startsWith('+'));
      const disabled = added.some((l) => DISABLES.test(l)) && !removed.some((l) => DISABLES.test(l));
      const dropped = removed.length > 0 && added.length === 0;
      const kept = new Set(added.flatMap((l) => listed(l.slice(1))));
      const lost = removed.flatMap((l) => listed(l.slice(1))).filter((t) => !kept.has(t) && t !== name);
      if (!disabled && !dropped && !lost.length) continue;
      const named = mentions(errorText, name);
      const capabilityWords = capability.words.test(
        dropped ? `${name} ${removed.join(' ')}` : lost.join(' '),
      );
      if (!named && !capabilityWords) continue;
      const weight = 1 + (named ? 2 : 0) + (capabilityWords ? 1 : 0);
      if (!best || weight > best.weight) best = { lines: [...removed, ...added], weight };
    }
    return best;
  };
}

function missingCapability(facts: Parameters<Rule>[1]): { capability: Capability; line: LoggedLine } | null {
  for (const capability of CAPABILITIES) {
    const line = findLogged(facts, capability.log);
    if (line) return { capability, line };
  }
  return null;
}

/** The recent manifest change that took the capability away, recorded as the prime suspect. */
async function manifestChange(
  ctx: EngineContext,
  capability: Capability,
  line: LoggedLine,
): Promise<BuildChange | null> {
  const commits = await recentCommitDetails(ctx);
  const change = findBuildChange(commits, judgeManifest(capability, line.samples.join('\n')));
  if (!change || change.weight < 2) return null;
  noteBuildChange(ctx, change);
  return change;
}

/** Errors of a missing runtime capability, traced to the manifest change that removed it. */
export const lostCapabilityRule: Rule = async (ctx, facts) => {
  const found = missingCapability(facts);
  if (!found) return null;
  const { capability, line } = found;
  const change = await manifestChange(ctx, capability, line);
  if (!change) return null;
  ctx.casebook.evidence.unshift(loggedLineEvidence(line));
  const library = change.lines.map((l) => dependencyName(l.slice(1))).find(Boolean) ?? 'a dependency';
  const sha = change.commit.sha.slice(0, 7);
  const disabled = change.lines.some((l) => l.startsWith('+') && DISABLES.test(l));
  const how = disabled
    ? `turned off the default features of ${library} in ${change.file}, and with them ${capability.what}`
    : `removed what gave ${library} ${capability.what} from ${change.file}`;
  return {
    status: 'diagnosed',
    summary: `${facts.service} fails at runtime for lack of ${capability.what}: "${quote(line.sample, 160)}" (${times(line.count)}). Commit ${sha} ${how}.`,
    statement: `${facts.service} logs "${quote(line.sample, 300)}" (${times(line.count)}): the code asks for ${capability.what}, which the build no longer includes. The service builds and starts because the capability is chosen at build time (a feature or dependency in the manifest), so it fails only when used. Commit ${sha} ${how}.`,
    confidence: change.weight >= 3 ? 'high' : 'medium',
    fix: `Restore ${capability.what} in ${change.file}: ${disabled ? `enable the feature of ${library} that provides it (its default features did): ${capability.providedBy}` : `add back ${capability.providedBy}`}, rebuild and redeploy — or revert ${sha}.`,
    rollback: true,
  };
};
