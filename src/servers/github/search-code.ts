import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';

import { readOnlyToolAnnotations, toolError, toolResult } from '../tool-result.js';
import { describeGitHubError } from './api-error.js';
import type { GitHubServerDeps } from './deps.js';

const maxResults = 30;

/** The structured answer of `search_code`. */
export interface SearchCodeOutput {
  total: number;
  items: { path: string; url: string }[];
}

/** Registers `search_code`: GitHub code search, confined to the configured repository. */
export function registerSearchCodeTool(server: McpServer, deps: GitHubServerDeps): void {
  const repository = `${deps.owner}/${deps.repo}`;
  server.registerTool(
    'search_code',
    {
      title: 'Search the repository code',
      description:
        `Searches the code of ${repository} for a class, function, message or file name (filename:X, ` +
        'path:, extension: work) and returns matching paths.',
      inputSchema: {
        query: z
          .string()
          .min(1)
          .describe('Search terms, e.g. "RedisCartStore AddItemAsync" or "GetCart path:src/cartservice".'),
      },
      annotations: readOnlyToolAnnotations,
    },
    async ({ query }, extra) => {
      // The search stays in this repository whatever the query names.
      const terms = query.replace(/(^|\s)(repo|org|user):\S+/gi, ' ').trim();
      if (!terms) return toolError('The query has no search terms once repository qualifiers are removed.');
      try {
        const { data } = await deps.octokit.rest.search.code({
          q: `${terms} repo:${repository}`,
          per_page: maxResults,
          request: { signal: extra.signal },
        });
        const items = data.items.map((item) => ({ path: item.path, url: item.html_url }));
        const summary =
          items.length === 0
            ? `No code in ${repository} matches "${terms}". Terms match whole words: try a class or function ` +
              'name from the stack trace, or fewer terms.'
            : `${data.total_count} file(s) in ${repository} match "${terms}"` +
              (data.total_count > items.length ? ` (showing ${items.length})` : '') +
              ':';
        const output: SearchCodeOutput = { total: data.total_count, items };
        return toolResult([summary, ...items.map((item) => `${item.path} ${item.url}`)].join('\n'), output);
      } catch (error) {
        return toolError(`Code search in ${repository} failed: ${describeGitHubError(error)}`);
      }
    },
  );
}
