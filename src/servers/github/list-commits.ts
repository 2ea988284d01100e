import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';

import { readOnlyToolAnnotations, toolError, toolResult } from '../tool-result.js';
import { describeGitHubError, gitHubStatus, repositoryNotVisible } from './api-error.js';
import type { GitHubServerDeps } from './deps.js';
import { toGitHubTime, wholeSeconds } from './iso-time.js';

const defaultLimit = 10;

/** The structured answer of `list_commits`. */
export interface ListCommitsOutput {
  commits: { sha: string; message: string; author: string; date: string; url: string }[];
}

/** Registers `list_commits`: recent commits of the repository, optionally those touching one path. */
export function registerListCommitsTool(server: McpServer, deps: GitHubServerDeps): void {
  const repository = `${deps.owner}/${deps.repo}`;
  server.registerTool(
    'list_commits',
    {
      title: 'List recent commits',
      description:
        `Recent commits of ${repository}, newest first: sha, message, author, date. Pass a path to see what ` +
        'touched a suspect file, since/until to keep to the window before the incident.',
      inputSchema: {
        path: z.string().optional().describe('Only commits that changed this file or directory.'),
        since: z
          .string()
          .optional()
          .describe(
            'Only commits at or after this moment, ISO 8601: "2026-11-19T08:00:00Z" or "2026-11-19".',
          ),
        until: z
          .string()
          .optional()
          .describe('Only commits at or before this moment, ISO 8601, e.g. the incident start.'),
        limit: z
          .number()
          .int()
          .min(1)
          .max(100)
          .optional()
          .describe(`How many commits at most (default ${defaultLimit}).`),
      },
      annotations: readOnlyToolAnnotations,
    },
    async ({ path: rawPath, since: rawSince, until: rawUntil, limit }, extra) => {
      const path = rawPath?.trim().replace(/^\.?\/+/, '') || undefined;
      const since = rawSince === undefined ? undefined : toGitHubTime(rawSince);
      const until = rawUntil === undefined ? undefined : toGitHubTime(rawUntil);
      for (const [name, raw, parsed] of [
        ['since', rawSince, since],
        ['until', rawUntil, until],
      ] as const) {
        if (raw !== undefined && parsed === undefined) {
          return toolError(
            `${name} '${raw}' is not an ISO 8601 time; use a form like 2026-11-19T08:00:00Z or 2026-11-19.`,
          );
        }
      }
      if (since && until && since > until) {
        return toolError(`since ${since} is after until ${until}; no commit can match.`);
      }
      try {
        const { data } = await deps.octokit.rest.repos.listCommits({
          owner: deps.owner,
          repo: deps.repo,
          ...(deps.ref ? { sha: deps.ref } : {}),
          ...(path ? { path } : {}),
          ...(since ? { since } : {}),
          ...(until ? { until } : {}),
          per_page: limit ?? defaultLimit,
          request: { signal: extra.signal },
        });
        const commits = data.slice(0, limit ?? defaultLimit).map((commit) => ({
          sha: commit.sha,
          message: (commit.commit.message.split('\n')[0] ?? '').trim(),
          author: commit.commit.author?.name ?? commit.author?.login ?? 'unknown',
          date: wholeSeconds(commit.commit.author?.date ?? commit.commit.committer?.date ?? ''),
          url: commit.html_url,
        }));
        const filters = [
          path ? `touching ${path}` : '',
          since ? `since ${since}` : '',
          until ? `until ${until}` : '',
        ]
          .filter(Boolean)
          .join(' ');
        const summary =
          commits.length === 0
            ? `No commits in ${repository}${filters ? ` ${filters}` : ''}.`
            : `${commits.length} commit(s) in ${repository}${filters ? ` ${filters}` : ''}, newest first:`;
        const lines = commits.map((c) => `${c.sha} ${c.date} ${c.author}: ${c.message}`);
        const output: ListCommitsOutput = { commits };
        return toolResult([summary, ...lines].join('\n'), output);
      } catch (error) {
        if (gitHubStatus(error) === 404)
          return toolError(`Could not list commits: ${repositoryNotVisible(repository)}`);
        return toolError(`Could not list commits of ${repository}: ${describeGitHubError(error)}`);
      }
    },
  );
}
