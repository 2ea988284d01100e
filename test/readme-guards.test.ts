import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The README's guard table is the map a security reviewer follows: every file and test it names
// must exist, and every guard in src/guards/ must be on it.
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const README = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

function guardTable(): { guard: string; files: string[]; tests: string[] }[] {
  const section = README.slice(
    README.indexOf('## Guardrails'),
    README.indexOf('\n## ', README.indexOf('## Guardrails') + 3),
  );
  return section
    .split('\n')
    .filter((line) => line.startsWith('| ') && !line.startsWith('| guard') && !line.startsWith('| ---'))
    .map((line) => {
      const [guard = '', , files = '', tests = ''] = line
        .split('|')
        .slice(1)
        .map((cell) => cell.trim());
      const paths = (cell: string) => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1] as string);
      return { guard, files: paths(files), tests: paths(tests) };
    });
}

describe("the README's guard table", () => {
  it('names files and tests that exist', () => {
    const rows = guardTable();
    expect(rows.length).toBeGreaterThanOrEqual(15);
    for (const row of rows) {
      expect(row.files.length, row.guard).toBeGreaterThan(0);
      expect(row.tests.length, row.guard).toBeGreaterThan(0);
      for (const path of [...row.files, ...row.tests])
        expect(existsSync(`${ROOT}${path}`), `${row.guard}: ${path}`).toBe(true);
    }
  });

  it('lists every guard of src/guards/', () => {
    const listed = guardTable().flatMap((row) => row.files);
    const guards = readdirSync(`${ROOT}src/guards`).filter((f) => f.endsWith('.ts'));
    for (const guard of guards) expect(listed, guard).toContain(`src/guards/${guard}`);
  });
});
