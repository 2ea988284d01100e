import type { PodLog } from '../facts.js';
import { quote } from '../quote.js';
import { suspectOf } from '../tool-data.js';
import { recentCommitDetails, showLine } from './recent-change.js';
import { times, type Rule } from './verdict.js';

/**
 * The line each migration tool prints as it starts one migration, and the id that names the
 * migration's file: Django (`Applying app.0042_name...`), Alembic (`Running upgrade a -> b`),
 * Flyway (`Migrating schema "x" to version "7 - add col"`), Rails (`== 20261201093000 AddCol:
 * migrating`), EF Core (`Applying migration '20261201_AddCol'`), Prisma, Knex, golang-migrate.
 */
export const MIGRATION_STARTS: { tool: string; re: RegExp; id: (m: RegExpMatchArray) => string }[] = [
  { tool: 'Django', re: /Applying (\w+)\.(\w+)\.\.\./, id: (m) => m[2] ?? '' },
  { tool: 'Alembic', re: /Running upgrade \w* -> (\w+)/, id: (m) => m[1] ?? '' },
  { tool: 'Flyway', re: /Migrating schema .{0,80}? to version "?([\w.]+)/, id: (m) => `V${m[1] ?? ''}__` },
  { tool: 'Rails', re: /== (\d{14}) \w+: migrating/, id: (m) => m[1] ?? '' },
  { tool: 'EF Core', re: /Applying migration '([^']+)'/, id: (m) => m[1] ?? '' },
  { tool: 'Prisma', re: /Applying migration `([^`]+)`/, id: (m) => m[1] ?? '' },
  { tool: 'golang-migrate', re: /migration failed.{0,40}?(\d{3,})/i, id: (m) => m[1] ?? '' },
];

const DATABASE_WORDS =
  /duplicate|already exists|violat|null value|does not exist|SQLSTATE|\b(?:23|42|40|55)\w{3}\b|ERROR:|syntax error|deadlock|lock timeout|permission denied/i;

interface Failing {
  tool: string;
  id: string;
  line: string;
  log: PodLog;
}

/** The migration a log was applying when it failed: the last one started, with an error after it. */
function failingMigration(logs: readonly PodLog[]): Failing | null {
  for (const log of logs) {
    const errors = log.analysis.signatures.filter((s) => s.kind !== 'warning');
    if (!errors.length) continue;
    const lines = log.text.split('\n');
    for (let i = lines.length - 1; i >= 0; i--) {
      const line = lines[i] ?? '';
      for (const start of MIGRATION_STARTS) {
        const m = line.match(start.re);
        const id = m ? start.id(m) : '';
        if (id) return { tool: start.tool, id, line: line.trim(), log };
      }
    }
  }
  return null;
}

/**
 * The service cannot start because a database migration fails part-way (a NOT NULL column on
 * existing rows, a duplicate column, a lock timeout): the migration, its file and the commit that
 * added it are the fault, not the entry point (`manage.py`) the stack passes through.
 */
export const migrationRule: Rule = async (ctx, facts) => {
  const failing = failingMigration(facts.logs);
  if (!failing) return null;
  // The database's own words (a SQLSTATE, "already exists", "contains null values") say more than
  // the tool's wrapper ("Migration failed"): they come first, the others after them.
  const errors = failing.log.analysis.signatures
    .filter((s) => s.kind !== 'warning')
    .sort(
      (a, b) =>
        Number(DATABASE_WORDS.test(b.sample)) - Number(DATABASE_WORDS.test(a.sample)) || b.count - a.count,
    );
  const error = errors[0];
  if (!error) return null;
  const others = errors
    .slice(1, 3)
    .map((s) => `"${quote(s.message, 140)}"`)
    .join(', ');
  const where = failing.log.container
    ? `container ${failing.log.container} of ${failing.log.pod}`
    : failing.log.pod;
  let file: string | undefined;
  let note = '';
  for (const commit of await recentCommitDetails(ctx)) {
    const added = commit.files.find((f) => f.path.includes(failing.id));
    if (!added) continue;
    file = added.path;
    const lines = added.patch
      .split('\n')
      .filter((l) => /^\+(?!\+\+)\s*\S/.test(l))
      .slice(0, 3);
    note = ` Commit ${commit.sha.slice(0, 7)} "${(commit.message ?? '').split('\n')[0]}" (${commit.author ?? 'unknown'}, ${commit.date ?? ''}) added it in ${added.path}${lines.length ? `: ${lines.map((l) => `\`${showLine(l)}\``).join(', ')}` : ''}.`;
    ctx.casebook.suspectCommits.unshift(suspectOf(commit));
    ctx.casebook.suspectFiles.unshift({ path: added.path });
    ctx.casebook.evidence.push({ source: 'github', detail: note.trim(), ref: commit.sha });
    break;
  }
  ctx.casebook.evidence.unshift({
    source: 'logs',
    detail: `${quote(failing.line, 160)} → ${quote(`${error.type ? `${error.type}: ` : ''}${error.message}`, 240)} (${times(error.count)})`,
    ref: `pod/${failing.log.pod}`,
  });
  const name = `${failing.tool} migration ${failing.id.replace(/__$/, '')}`;
  return {
    status: 'diagnosed',
    summary: `${facts.service} cannot start: database ${name} fails in ${where}: ${quote(`${error.type ? `${error.type}: ` : ''}${error.message}`, 180)}.`,
    statement: `The ${failing.tool} migration run ("${quote(failing.line, 120)}") fails on ${failing.id.replace(/__$/, '')}${file ? ` (${file})` : ''} with "${quote(error.message, 220)}"${others ? ` (also logged: ${others})` : ''}, so the start-up that runs it exits and the new pods never become ready.${note}`,
    confidence: 'high',
    fix: `Fix the migration${file ? ` in ${file}` : ''} so it succeeds on the data that exists (for a new NOT NULL column: add it nullable or with a default, backfill, then add the constraint in a later migration), and roll out again; the previous version keeps serving meanwhile. A migration that failed part-way may need its partial changes undone by hand first.`,
    notFromChange: Boolean(file),
    rollback: true,
  };
};
