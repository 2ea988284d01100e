import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';

import type { GitHubServerDeps } from './deps.js';
import { registerGetCommitTool } from './get-commit.js';
import { registerGetFileContentsTool } from './get-file-contents.js';
import { registerListCommitsTool } from './list-commits.js';
import { registerSearchCodeTool } from './search-code.js';

export type { GitHubServerDeps } from './deps.js';

/**
 * The bundled, read-only GitHub MCP server for one repository: `get_file_contents`, `search_code`,
 * `list_commits`, `get_commit`. Connect `server` to a transport; `cleanup` closes it.
 */
export function createGitHubServer(deps: GitHubServerDeps): { server: McpServer; cleanup(): Promise<void> } {
  const server = new McpServer(
    { name: 'sre-agent-github', version: '0.1.0' },
    {
      instructions:
        `Read-only access to the repository ${deps.owner}/${deps.repo}. Find files with search_code, read ` +
        'them with get_file_contents, see recent changes with list_commits and what one changed with get_commit.',
    },
  );
  registerGetFileContentsTool(server, deps);
  registerSearchCodeTool(server, deps);
  registerListCommitsTool(server, deps);
  registerGetCommitTool(server, deps);
  return { server, cleanup: () => server.close() };
}
