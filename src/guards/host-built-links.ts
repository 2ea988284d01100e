/**
 * Guard: the links in a report are built by the host (DESIGN.md 5.4).
 *
 * Threat: the model (or text planted in a log it read) supplies `suspectFiles[].url` pointing
 * anywhere — a phishing page behind a harmless label such as `src/cart/RedisCartStore.cs:87`.
 * People click the links of an incident report.
 *
 * Whatever URL a submission carries is dropped; the host builds each file's link from the
 * configured repository, the file's path and its line. Without a configured repository there is
 * no link, only the path. The Slack renderer also links only a URL that points at the file it
 * labels (`linksToFile`), so a report built any other way cannot carry a foreign link either.
 */
import type { SuspectFile } from '../report/schema.js';

/** Where a repository's files are browsed: the GitHub web origin and `owner/repo`. */
export interface RepositoryLinks {
  webBase: string;
  repository: string;
}

/**
 * The web origin of a GitHub API: `https://github.com` for github.com (and for local stand-ins,
 * whose answers name github.com), the host itself for GitHub Enterprise (`https://ghe/api/v3`).
 */
export function githubWebBase(apiUrl: string | undefined): string {
  if (!apiUrl) return 'https://github.com';
  try {
    const url = new URL(apiUrl);
    if (url.protocol === 'https:' && /\/api\/v3\/?$/.test(url.pathname)) return url.origin;
  } catch {
    // Not a URL: the default is the safe answer.
  }
  return 'https://github.com';
}

/** The settings a report's links come from, or null when there is no repository to link into. */
export function repositoryLinks(
  repository: string | null | undefined,
  apiUrl: string | undefined,
): RepositoryLinks | null {
  if (!repository || !/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(repository)) return null;
  return { webBase: githubWebBase(apiUrl), repository };
}

function encodedPath(path: string): string {
  return path
    .replace(/^\/+/, '')
    .split('/')
    .map((segment) => encodeURIComponent(segment))
    .join('/');
}

/** `https://github.com/acme/shop/blob/HEAD/src/cart.cs#L87`: the default branch's file at its line. */
export function fileLink(links: RepositoryLinks, path: string, line?: number): string {
  const anchor = line !== undefined && Number.isInteger(line) && line > 0 ? `#L${line}` : '';
  return `${links.webBase}/${links.repository}/blob/HEAD/${encodedPath(path)}${anchor}`;
}

/** The suspect files with every submitted URL dropped and the host's own link put in its place. */
export function withHostBuiltLinks(
  files: readonly SuspectFile[],
  links: RepositoryLinks | null,
): SuspectFile[] {
  return files.map(({ path, line }) => ({
    path,
    ...(line !== undefined ? { line } : {}),
    ...(links && !/^[a-z][a-z0-9+.-]*:/i.test(path) ? { url: fileLink(links, path, line) } : {}),
  }));
}

/**
 * Whether `url` is a web link to the file it labels: https (or http for a local stand-in), a
 * `/blob/<ref>/` path that ends with the file's path, and at most a line anchor.
 */
export function linksToFile(url: string, file: Pick<SuspectFile, 'path'>): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return false;
  if (parsed.username || parsed.password || parsed.search) return false;
  if (parsed.hash !== '' && !/^#L\d+(?:-L\d+)?$/.test(parsed.hash)) return false;
  return /\/blob\/[^/]+\//.test(parsed.pathname) && parsed.pathname.endsWith(`/${encodedPath(file.path)}`);
}
