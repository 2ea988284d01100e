import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';

import type { SlackServerDeps } from './deps.js';
import { registerPostMessageTool } from './post-message.js';

export type { SlackServerDeps } from './deps.js';

/**
 * The bundled Slack MCP server: one tool, `post_message`, pinned to `deps.channel`. Connect `server`
 * to a transport; `cleanup` closes it.
 */
export function createSlackServer(deps: SlackServerDeps): { server: McpServer; cleanup(): Promise<void> } {
  const server = new McpServer(
    { name: 'sre-agent-slack', version: '0.1.0' },
    { instructions: `Posts messages to the Slack channel ${deps.channel} only.` },
  );
  registerPostMessageTool(server, deps);
  return { server, cleanup: () => server.close() };
}
