/**
 * A schema migration that blocks the application while it runs: the migration Job is still at work
 * (or just started) on a statement that holds a table lock for its whole run — an index built
 * without CONCURRENTLY, a column type change that rewrites the table — and the application's
 * writes to that table wait for the lock until their lock or statement timeout cancels them. The
 * pods run and are Ready, the Job looks healthy; the migration's statement is the cause.
 */
import type { EngineContext } from '../../engine.js';
import { readObjects } from '../cluster-read.js';
import { toolFor } from '../capabilities.js';
import { gatherFacts, type ServiceFacts } from '../facts.js';
import { at, list, nameOf, num, str, strings, type KubeObject } from '../k8s-object.js';
import { quote } from '../quote.js';
import { readFile, readSearchPaths, suspectOf } from '../tool-data.js';
import { blockingStatement, type BlockingStatement } from './blocking-ddl.js';
import { MIGRATION_STARTS } from './migration.js';
import { recentCommitDetails, type CommitDetail } from './recent-change.js';
import { findLogged, loggedLineEvidence } from './runtime-logged.js';
import type { Rule } from './verdict.js';

/** What a database answers a statement that waited too long for a lock (PostgreSQL, MySQL, SQL Server). */
const LOCK_WAIT =
  /canceling statement due to (?:lock|statement) timeout|could not obtain lock on (?:relation|row)|LockNotAvailable|Lock wait timeout exceeded|Waiting for table metadata lock|Lock request time ?out period exceeded/i;
/** Words of a Job that migrates a schema: its name, command, args or image. */
const MIGRATION_JOB = /migrat|flyway|liquibase|alembic|dbmate|goose|sqitch|schema/i;
/** A migration started only this long ago still explains errors that began with it. */
const RECENT_MS = 60 * 60_000;
/** Start lines of migration tools the failing-migration rule does not read: golang-migrate, Liquibase, dbmate. */
const MORE_STARTS: { re: RegExp; id: (m: RegExpMatchArray) => string }[] = [
  { re: /Read and execute \d+\/u (\w+)/, id: (m) => m[1] ?? '' },
  { re: /Running Changeset: ([^:\s]+)::/, id: (m) => m[1] ?? '' },
  { re: /Applying: (\S+)/, id: (m) => m[1] ?? '' },
];
/** Where migration files live, and the reverse migrations that are not what runs on deploy. */
const MIGRATION_FILE = /(?:^|\/)(?:migrations?|migrate|alembic|versions|changelogs?|flyway|schema)\//i;
const REVERSE = /\.down\.|(?:^|[_/])down\.sql$|rollback/i;

interface RunningMigration {
  job: KubeObject;
  /** The migration the Job's log shows it started last, and that line. */
  id?: string;
  line?: string;
  pod?: string;
}

function isMigrationJob(job: KubeObject): boolean {
  const containers = list(at(job, 'spec', 'template', 'spec', 'containers'));
  const said = [
    nameOf(job),
    ...containers.flatMap((c) => [str(c.name), str(c.image), ...strings(c.command), ...strings(c.args)]),
  ].join(' ');
  return MIGRATION_JOB.test(said);
}

/** A migration Job still running, or started within the hour. */
function isRunningOrRecent(job: KubeObject, now: Date): boolean {
  if ((num(at(job, 'status', 'active')) ?? 0) > 0) return true;
  const started = Date.parse(str(at(job, 'status', 'startTime')) ?? '');
  return Number.isFinite(started) && now.getTime() - started <= RECENT_MS;
}

/** The last migration a log shows started. */
function lastStarted(text: string): { id: string; line: string } | null {
  const lines = text.split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i] ?? '';
    for (const start of [...MIGRATION_STARTS, ...MORE_STARTS]) {
      const m = line.match(start.re);
      const id = m ? start.id(m).replace(/__$/, '') : '';
      if (id) return { id, line: line.trim() };
    }
  }
  return null;
}

async function runningMigrations(ctx: EngineContext, facts: ServiceFacts): Promise<RunningMigration[]> {
  const jobs = (await readObjects(ctx, 'Job', { namespace: facts.namespace })) ?? [];
  const found: RunningMigration[] = [];
  for (const job of jobs.filter((j) => isMigrationJob(j) && isRunningOrRecent(j, ctx.now)).slice(0, 2)) {
    const runs = await gatherFacts(ctx, nameOf(job), facts.namespace);
    const logs = 'missing' in runs || 'error' in runs ? [] : runs.logs;
    const started = logs.map((l) => ({ pod: l.pod, start: lastStarted(l.text) })).find((s) => s.start);
    found.push({ job, ...(started?.start ? { ...started.start, pod: started.pod } : {}) });
  }
  return found;
}

interface MigrationFile {
  path: string;
  statement: BlockingStatement;
  commit?: CommitDetail;
}

function addedText(patch: string): string {
  return patch
    .split('\n')
    .filter((l) => /^\+(?!\+\+)/.test(l))
    .map((l) => l.slice(1))
    .join('\n');
}

/**
 * The migration's file and its blocking statement: the file the running migration's id names, as a
 * recent commit added it (else as the repository holds it); without an id, the newest recent
 * migration file with a blocking statement.
 */
async function migrationFile(ctx: EngineContext, id: string | undefined): Promise<MigrationFile | null> {
  const commits = await recentCommitDetails(ctx, { days: 30 });
  for (const commit of commits)
    for (const f of commit.files) {
      if (REVERSE.test(f.path) || (id ? !f.path.includes(id) : !MIGRATION_FILE.test(f.path))) continue;
      const statement = blockingStatement(addedText(f.patch) || ((await fileText(ctx, f.path)) ?? ''));
      if (statement) return { path: f.path, statement, commit };
    }
  if (!id) return null;
  const search = toolFor('searchCode', ctx.tools.toolNames());
  const hits = search ? await ctx.tools.call(search, { query: id }) : null;
  for (const path of (hits?.ok ? readSearchPaths(hits.structured) : []).map((h) => h.path)) {
    if (REVERSE.test(path) || !path.includes(id)) continue;
    const statement = blockingStatement((await fileText(ctx, path)) ?? '');
    if (statement) return { path, statement };
  }
  return null;
}

async function fileText(ctx: EngineContext, path: string): Promise<string | null> {
  const tool = toolFor('fileContents', ctx.tools.toolNames());
  const file = tool ? await ctx.tools.call(tool, { path }) : null;
  return file?.ok ? (readFile(file.structured)?.content ?? null) : null;
}

function minutesSince(time: string | undefined, now: Date): number | undefined {
  const t = Date.parse(time ?? '');
  return Number.isFinite(t) ? Math.round((now.getTime() - t) / 60_000) : undefined;
}

/** Application statements cancelled by lock waits while a migration holds a table lock. */
export const migrationLockRule: Rule = async (ctx, facts) => {
  const waited = findLogged(facts, LOCK_WAIT);
  if (!waited) return null;
  for (const running of await runningMigrations(ctx, facts)) {
    const file = await migrationFile(ctx, running.id);
    if (!file) continue;
    const job = nameOf(running.job);
    const active = (num(at(running.job, 'status', 'active')) ?? 0) > 0;
    const started = str(at(running.job, 'status', 'startTime'));
    const minutes = minutesSince(started, ctx.now);
    const { statement } = file;
    const table = statement.table ? `table ${statement.table}` : 'its table';
    const shown = quote(statement.text, 200);
    const migration = running.id ?? file.path;
    ctx.casebook.evidence.unshift(loggedLineEvidence(waited));
    ctx.casebook.evidence.push({
      source: 'kubernetes',
      detail: `Job ${job} ${active ? 'still running' : 'started'}${minutes !== undefined ? ` since ${started} (${minutes} min)` : ''}${running.line ? `; its log last shows "${quote(running.line, 160)}"` : ''}`,
      ref: `job/${job}`,
    });
    ctx.casebook.evidence.push({ source: 'github', detail: `${file.path}: \`${shown}\``, ref: file.path });
    const title = (file.commit?.message ?? '').split('\n')[0]?.trim() ?? '';
    const sha = file.commit?.sha.slice(0, 7);
    if (file.commit) {
      ctx.casebook.suspectCommits.unshift(suspectOf(file.commit));
      ctx.casebook.evidence.push({
        source: 'github',
        detail: `Commit ${sha} "${title}" (${file.commit.author ?? 'unknown'}, ${file.commit.date ?? ''}) added ${file.path}.`,
        ref: file.commit.sha,
      });
    }
    ctx.casebook.suspectFiles.unshift({ path: file.path });
    return {
      status: 'diagnosed',
      summary: `${facts.service}'s database statements time out waiting for a lock: migration ${migration} (Job ${job}, ${active ? 'still running' : 'just started'}) runs \`${quote(statement.text, 120)}\`, which locks ${table} for as long as it runs.`,
      statement: `Migration ${migration} (${file.path}), run by Job ${job}${active ? `, is still running${minutes !== undefined ? ` after ${minutes} min` : ''}` : `, started ${minutes ?? '?'} min ago`}: \`${shown}\` ${statement.blocks}. So ${facts.service}'s statements on ${table} wait for the lock and are cancelled: "${quote(waited.sample, 200)}" (${waited.count} times); the pods themselves are healthy.${file.commit ? ` Commit ${sha} "${title}" (${file.commit.author ?? 'unknown'}) added the migration.` : ''}`,
      confidence: 'high',
      fix: `Stop the blocking statement now: cancel it in the database (pg_cancel_backend on its backend, or KILL QUERY) or delete Job ${job} — the DDL rolls back and the lock is released. Then rewrite ${file.path} to use ${statement.instead}, and run the migration again.`,
      rollback: false,
      notFromChange: true,
    };
  }
  return null;
};
