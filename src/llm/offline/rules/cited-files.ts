import { DATA_FILE } from './signals.js';

/** The last segment of a path. */
export const baseName = (path: string): string => path.slice(path.lastIndexOf('/') + 1);

/** Configuration files a server loads at start (`haproxy.cfg`, `nginx.conf`, `.env`), beside DATA_FILE's. */
export const CONFIG_FILE = /\.(env|conf|cfg|ini)$/i;

/**
 * Files an error names with a path and an extension (`/etc/pgbouncer/pgbouncer.ini:17`,
 * `config/rules.yaml line 4`), by base name, with the line when given.
 */
export function filesCitedIn(text: string): { name: string; line?: number }[] {
  const cited: { name: string; line?: number }[] = [];
  const pattern =
    /(?:^|[\s(["'`=])((?:[\w.-]*\/)+([\w-][\w.-]*\.[a-z][a-z0-9]{0,9}))(?:(?::| line |, line )(\d{1,6}))?/gi;
  for (const m of text.matchAll(pattern)) {
    const name = m[2] ?? '';
    // Code files are found from stack frames; hosts and URLs are not files.
    if (!DATA_FILE.test(name) && !CONFIG_FILE.test(name)) continue;
    const line = m[3] ? Number(m[3]) : undefined;
    if (!cited.some((c) => c.name === name)) cited.push({ name, ...(line !== undefined ? { line } : {}) });
  }
  return cited;
}

/** The added line at line `line` of the new file in a unified diff, when the patch shows it. */
export function addedLineAt(patch: string, line: number): string | undefined {
  let next = 0;
  for (const text of patch.split('\n')) {
    const hunk = text.match(/^@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@/);
    if (hunk) {
      next = Number(hunk[1]);
      continue;
    }
    if (!next || text.startsWith('-')) continue;
    if (next === line) return text.startsWith('+') && text.slice(1).trim() ? text : undefined;
    next += 1;
  }
  return undefined;
}
