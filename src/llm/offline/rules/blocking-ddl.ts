/**
 * Schema changes that lock a table for as long as they run: what a migration does that blocks the
 * application's reads or writes on a large table, in SQL and in the usual ORM migration languages.
 */

export interface BlockingStatement {
  /** The statement as written (comments dropped, cut to size by the caller). */
  text: string;
  /** The table it locks, when the statement names it. */
  table?: string;
  /** What the lock blocks, and why. */
  blocks: string;
  /** How to write it so it does not. */
  instead: string;
}

interface Shape {
  re: RegExp;
  blocks: string;
  instead: string;
}

const WRITES_WAIT = 'every INSERT, UPDATE and DELETE on the table waits until it ends';
const ALL_WAIT = 'every read and write on the table waits until it ends';

/** Statement shapes that hold a blocking lock while they scan, build or rewrite. Order: most specific first. */
const SHAPES: Shape[] = [
  {
    re: /\bCREATE\s+(?:UNIQUE\s+)?INDEX\b(?!\s+CONCURRENTLY)/i,
    blocks: `builds the index under a SHARE lock (no CONCURRENTLY): reads go on, ${WRITES_WAIT}`,
    instead:
      'CREATE INDEX CONCURRENTLY, alone in its migration (it cannot run inside a transaction), with IF NOT EXISTS so a retry is safe',
  },
  {
    re: /\bREINDEX\b(?![^;]*\bCONCURRENTLY\b)/i,
    blocks: `rebuilds the index under a lock that blocks writes: ${WRITES_WAIT}`,
    instead: 'REINDEX … CONCURRENTLY',
  },
  {
    re: /\bALTER\s+TABLE\b[^;]*\bALTER\s+(?:COLUMN\s+)?[\w"]+\s+(?:SET\s+DATA\s+)?TYPE\b/i,
    blocks: `rewrites the whole table under an ACCESS EXCLUSIVE lock: ${ALL_WAIT}`,
    instead: 'a new column filled in batches, then a swap, instead of changing the type in place',
  },
  {
    re: /\bALTER\s+TABLE\b[^;]*\bSET\s+NOT\s+NULL\b/i,
    blocks: `scans every row under an ACCESS EXCLUSIVE lock: ${ALL_WAIT}`,
    instead:
      'a CHECK (… IS NOT NULL) NOT VALID constraint, VALIDATE CONSTRAINT in a later step, then SET NOT NULL',
  },
  {
    re: /\bADD\s+(?:CONSTRAINT\s+[\w"]+\s+)?(?:FOREIGN\s+KEY|CHECK)\b(?![^;]*\bNOT\s+VALID\b)/i,
    blocks: `validates every existing row while holding a lock that blocks writes: ${WRITES_WAIT}`,
    instead: 'ADD CONSTRAINT … NOT VALID, then VALIDATE CONSTRAINT in a separate migration',
  },
  {
    re: /\bVACUUM\s+FULL\b|\bCLUSTER\s+[\w"]|\bLOCK\s+TABLE\b/i,
    blocks: `holds an ACCESS EXCLUSIVE lock for its whole run: ${ALL_WAIT}`,
    instead: 'an online alternative (pg_repack) or a maintenance window',
  },
  {
    re: /\bALGORITHM\s*=\s*COPY\b|\bLOCK\s*=\s*(?:EXCLUSIVE|SHARED)\b/i,
    blocks: `copies the table while holding a lock on it: ${WRITES_WAIT}`,
    instead: 'ALGORITHM=INPLACE, LOCK=NONE (or an online schema change tool such as gh-ost)',
  },
  // ORM migrations: Rails, Alembic, Django (AddIndexConcurrently is the non-blocking class).
  {
    re: /\badd_index\b(?![^\n]*algorithm:\s*:concurrently)/,
    blocks: `builds the index without algorithm: :concurrently, under a lock that blocks writes: ${WRITES_WAIT}`,
    instead: 'add_index … algorithm: :concurrently with disable_ddl_transaction!',
  },
  {
    re: /\bop\.create_index\((?![^)]*postgresql_concurrently\s*=\s*True)/,
    blocks: `builds the index without postgresql_concurrently=True, under a lock that blocks writes: ${WRITES_WAIT}`,
    instead: 'op.create_index(…, postgresql_concurrently=True) in an autocommit block',
  },
  {
    re: /\bmigrations\.AddIndex\(/,
    blocks: `builds the index with a plain CREATE INDEX, under a lock that blocks writes: ${WRITES_WAIT}`,
    instead: 'AddIndexConcurrently in a non-atomic migration',
  },
];

/** The table a statement names: `ON orders (…)`, `ALTER TABLE orders`, `add_index :orders`. */
function tableOf(statement: string): string | undefined {
  const m =
    statement.match(/\bALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?([\w."]+)/i) ??
    statement.match(/\bON\s+(?:ONLY\s+)?([\w."]+)/i) ??
    statement.match(/\b(?:VACUUM\s+FULL|CLUSTER|LOCK\s+TABLE)\s+([\w."]+)/i) ??
    statement.match(/\badd_index\s+:(\w+)/) ??
    statement.match(/\bop\.create_index\(\s*["'][\w]+["']\s*,\s*["'](\w+)["']/) ??
    statement.match(/model_name\s*=\s*["'](\w+)["']/);
  return m?.[1]?.replace(/"/g, '');
}

/** The statements of a migration's text, comments dropped. */
function statements(text: string): string[] {
  const code = text
    .split('\n')
    .filter((l) => !/^\s*(?:--|#|\/\/)/.test(l))
    .join('\n');
  return code
    .split(/;\s*(?:\n|$)|\n(?=\s*(?:add_index|op\.|migrations\.))/)
    .map((s) => s.replace(/\s+/g, ' ').trim())
    .filter(Boolean);
}

/** The first statement of a migration that locks its table for as long as it runs, or null. */
export function blockingStatement(text: string): BlockingStatement | null {
  for (const statement of statements(text))
    for (const shape of SHAPES)
      if (shape.re.test(statement))
        return { text: statement, table: tableOf(statement), blocks: shape.blocks, instead: shape.instead };
  return null;
}
