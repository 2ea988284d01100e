import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';

import { readOnlyToolAnnotations, toolError, toolResult } from '../tool-result.js';
import { describeGitHubError, gitHubStatus, repositoryNotVisible } from './api-error.js';
import type { GitHubServerDeps } from './deps.js';
import { aroundLineWindow, fileWindow, maxWindowLines, numberLines } from './file-window.js';

const defaultContext = 15;

/** The structured answer of `get_file_contents` for a file. */
export interface FileContentsOutput {
  path: string;
  ref: string;
  size: number;
  totalLines: number;
  startLine: number;
  endLine: number;
  url: string;
  /** The line the window was centred on, when `aroundLine` was asked. */
  aroundLine?: number;
  /** The window's lines, unnumbered. */
  content: string;
}

/** The structured answer of `get_file_contents` for a directory. */
export interface DirectoryListingOutput {
  path: string;
  ref: string;
  type: 'dir';
  entries: { name: string; path: string; type: string; size: number }[];
}

/** Registers `get_file_contents`: a numbered window of one file (or a directory listing) of the repository. */
export function registerGetFileContentsTool(server: McpServer, deps: GitHubServerDeps): void {
  const repository = `${deps.owner}/${deps.repo}`;
  server.registerTool(
    'get_file_contents',
    {
      title: 'Read a repository file',
      description:
        `A file of ${repository} with line numbers. aroundLine (±${defaultContext} lines) marks the line a ` +
        `stack trace names; or startLine/endLine (at most ${maxWindowLines} lines). A directory lists its ` +
        'entries; when a path is not found, use search_code.',
      inputSchema: {
        path: z.string().min(1).describe('Path inside the repository, e.g. "src/cartservice/Program.cs".'),
        ref: z
          .string()
          .optional()
          .describe('Branch, tag or commit sha; omit for the configured/default branch.'),
        startLine: z.number().int().min(1).optional().describe('First line to show (1-based); default 1.'),
        endLine: z
          .number()
          .int()
          .min(1)
          .optional()
          .describe(
            `Last line to show (inclusive); default the end of the file, capped at ${maxWindowLines} lines.`,
          ),
        aroundLine: z
          .number()
          .int()
          .min(1)
          .optional()
          .describe('Line to centre on, e.g. the line of a stack-trace frame; instead of startLine/endLine.'),
        context: z
          .number()
          .int()
          .min(0)
          .max(150)
          .optional()
          .describe(`Lines to show either side of aroundLine (default ${defaultContext}).`),
      },
      annotations: readOnlyToolAnnotations,
    },
    async (input, extra) => {
      const path = input.path.trim().replace(/^\.?\/+/, '');
      if (input.aroundLine !== undefined && (input.startLine !== undefined || input.endLine !== undefined)) {
        return toolError('Give either aroundLine (with context) or startLine/endLine, not both.');
      }
      const ref = input.ref ?? deps.ref;
      const refLabel = ref ?? 'HEAD';
      try {
        const { data } = await deps.octokit.rest.repos.getContent({
          owner: deps.owner,
          repo: deps.repo,
          path,
          ...(ref ? { ref } : {}),
          request: { signal: extra.signal },
        });
        if (Array.isArray(data)) {
          const entries = data.map(({ name, path: entryPath, type, size }) => ({
            name,
            path: entryPath,
            type,
            size,
          }));
          const lines = entries.map((e) =>
            e.type === 'dir' ? `dir  ${e.path}/` : `${e.type} ${e.path} (${e.size} bytes)`,
          );
          const header = `${path || '/'}@${refLabel} is a directory (${entries.length} entries)`;
          const output: DirectoryListingOutput = { path, ref: refLabel, type: 'dir', entries };
          return toolResult([header, ...lines].join('\n'), output);
        }
        if (data.type !== 'file') {
          const target = 'target' in data && data.target ? ` pointing to ${data.target}` : '';
          return toolError(
            `${path}@${refLabel} is a ${data.type}${target}, not a file; read its target instead.`,
          );
        }
        if (data.size > 0 && (data.encoding !== 'base64' || !data.content)) {
          return toolError(
            `${path}@${refLabel} is too large to read through the contents API (${data.size} bytes); ` +
              'use search_code to find the part you need.',
          );
        }
        const content = Buffer.from(data.content ?? '', 'base64').toString('utf8');
        if (content.includes('\u0000'))
          return toolError(`${path}@${refLabel} is a binary file (${data.size} bytes).`);
        const around =
          input.aroundLine !== undefined
            ? { line: input.aroundLine, context: input.context ?? defaultContext }
            : undefined;
        return fileResult(path, refLabel, data.size, data.html_url ?? '', content, input, around);
      } catch (error) {
        if (gitHubStatus(error) === 404) {
          // GitHub answers 404 alike for a missing file and a repository the token cannot see:
          // only the first is an answer; the second means no file of it can be read.
          if (!(await repositoryVisible(deps)))
            return toolError(`Could not read ${path}: ${repositoryNotVisible(repository)}`);
          return toolError(
            `'${path}' not found in ${repository} at ${refLabel}; try search_code to find the right path.`,
          );
        }
        return toolError(`Could not read ${path} from ${repository}: ${describeGitHubError(error)}`);
      }
    },
  );
}

/** Whether the repository itself answers; a failure other than 404 is taken as yes (the file's 404 stands). */
async function repositoryVisible(deps: GitHubServerDeps): Promise<boolean> {
  try {
    await deps.octokit.rest.repos.get({ owner: deps.owner, repo: deps.repo });
    return true;
  } catch (error) {
    return gitHubStatus(error) !== 404;
  }
}

function fileResult(
  path: string,
  ref: string,
  size: number,
  url: string,
  content: string,
  range: { startLine?: number | undefined; endLine?: number | undefined },
  around: { line: number; context: number } | undefined,
): CallToolResult {
  const window = around
    ? aroundLineWindow(content, around.line, around.context)
    : fileWindow(content, range.startLine, range.endLine);
  if (typeof window === 'string') return toolError(`${path}@${ref}: ${window}.`);
  const header = `${path}@${ref} (${window.totalLines} lines) ${url}`.trimEnd();
  const body =
    window.lines.length > 0 ? numberLines(window.lines, window.startLine, around?.line) : '(empty file)';
  const note = window.truncated
    ? `\n… truncated: showing lines ${window.startLine}-${window.endLine} of ${window.totalLines}; ` +
      `call again with startLine=${window.endLine + 1} to read on.`
    : '';
  const output: FileContentsOutput = {
    path,
    ref,
    size,
    totalLines: window.totalLines,
    startLine: window.startLine,
    endLine: window.endLine,
    url,
    ...(around ? { aroundLine: around.line } : {}),
    content: window.lines.join('\n'),
  };
  return toolResult(`${header}\n${body}${note}`, output);
}
