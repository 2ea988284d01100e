import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';

import { readOnlyToolAnnotations, toolError, toolResult } from '../tool-result.js';
import { describeGitHubError, gitHubStatus } from './api-error.js';
import type { GitHubServerDeps } from './deps.js';
import { wholeSeconds } from './iso-time.js';

/** Patch lines shown per file: enough for the hunks that matter, not a whole rewrite. */
const maxPatchLines = 60;
/** Files whose patch is shown; further files are listed with their counts only. */
const maxPatchedFiles = 15;
const maxListedFiles = 100;
const maxMessageLines = 30;

/** One file a commit changed. */
export interface CommitFileChange {
  filename: string;
  /** `added`, `modified`, `removed`, `renamed`, … as GitHub reports it. */
  status: string;
  additions: number;
  deletions: number;
  previousFilename?: string;
  /** The start of the unified diff, at most 60 lines; absent for binary or very large files. */
  patch?: string;
  /** Lines of the whole patch, when `patch` was cut. */
  patchLines?: number;
}

/** The structured answer of `get_commit`. */
export interface GetCommitOutput {
  sha: string;
  message: string;
  author: string;
  date: string;
  url: string;
  parents: string[];
  stats: { additions: number; deletions: number; files: number };
  files: CommitFileChange[];
}

/** Registers `get_commit`: one commit's message, author and changed files with patch excerpts. */
export function registerGetCommitTool(server: McpServer, deps: GitHubServerDeps): void {
  const repository = `${deps.owner}/${deps.repo}`;
  server.registerTool(
    'get_commit',
    {
      title: 'Show a commit and its diff',
      description:
        `One commit of ${repository}: message, author, date, and each changed file with the start of its ` +
        `patch (at most ${maxPatchLines} lines a file). To check whether a change explains the error.`,
      inputSchema: {
        sha: z
          .string()
          .trim()
          .regex(/^[0-9a-f]{4,40}$/i, 'a commit sha or its prefix (hexadecimal)')
          .describe('Commit sha, full or a prefix of at least 7 characters, e.g. "d3bf18b".'),
      },
      annotations: readOnlyToolAnnotations,
    },
    async ({ sha }, extra) => {
      try {
        const { data } = await deps.octokit.rest.repos.getCommit({
          owner: deps.owner,
          repo: deps.repo,
          ref: sha,
          request: { signal: extra.signal },
        });
        const files = (data.files ?? []).slice(0, maxListedFiles).map((file, index): CommitFileChange => {
          const patch = index < maxPatchedFiles ? file.patch : undefined;
          const lines = patch?.replace(/\n$/, '').split('\n') ?? [];
          return {
            filename: file.filename,
            status: file.status,
            additions: file.additions,
            deletions: file.deletions,
            ...(file.previous_filename ? { previousFilename: file.previous_filename } : {}),
            ...(patch !== undefined ? { patch: lines.slice(0, maxPatchLines).join('\n') } : {}),
            ...(lines.length > maxPatchLines ? { patchLines: lines.length } : {}),
          };
        });
        const allFiles = data.files ?? [];
        const output: GetCommitOutput = {
          sha: data.sha,
          message: data.commit.message.trim(),
          author: data.commit.author?.name ?? data.author?.login ?? 'unknown',
          date: wholeSeconds(data.commit.author?.date ?? data.commit.committer?.date ?? ''),
          url: data.html_url,
          parents: data.parents.map((parent) => parent.sha),
          stats: {
            additions: data.stats?.additions ?? allFiles.reduce((sum, f) => sum + f.additions, 0),
            deletions: data.stats?.deletions ?? allFiles.reduce((sum, f) => sum + f.deletions, 0),
            files: allFiles.length,
          },
          files,
        };
        return toolResult(render(output, allFiles.length), output);
      } catch (error) {
        const status = gitHubStatus(error);
        if (status === 404 || status === 422) {
          return toolError(
            `No commit '${sha}' in ${repository}; use list_commits to find the sha (a prefix of 7+ characters works).`,
          );
        }
        return toolError(`Could not read commit ${sha} of ${repository}: ${describeGitHubError(error)}`);
      }
    },
  );
}

function render(output: GetCommitOutput, totalFiles: number): string {
  const [subject = '', ...body] = output.message.split('\n');
  const bodyLines = body.join('\n').trim() === '' ? [] : body.join('\n').trim().split('\n');
  const shownBody = bodyLines.slice(0, maxMessageLines).map((line) => `    ${line}`);
  const { stats } = output;
  const lines = [
    `commit ${output.sha} ${output.date} ${output.author}: ${subject}`,
    output.url,
    ...(output.parents.length > 0 ? [`parents: ${output.parents.map((p) => p.slice(0, 7)).join(', ')}`] : []),
    ...shownBody,
    ...(bodyLines.length > maxMessageLines ? ['    … (message cut)'] : []),
    `${stats.files} file(s) changed, +${stats.additions} -${stats.deletions}:`,
  ];
  output.files.forEach((file, index) => {
    const renamed = file.previousFilename ? ` (from ${file.previousFilename})` : '';
    lines.push(`${file.status} ${file.filename}${renamed} +${file.additions} -${file.deletions}`);
    if (file.patch !== undefined) {
      lines.push(...file.patch.split('\n').map((line) => `  ${line}`));
      if (file.patchLines !== undefined) {
        lines.push(
          `  … patch cut: showing ${maxPatchLines} of ${file.patchLines} lines; read the file with ` +
            `get_file_contents ref=${output.sha.slice(0, 12)}`,
        );
      }
    } else if (index < maxPatchedFiles) {
      lines.push('  (no patch: binary, renamed without changes, or too large for GitHub to show)');
    }
  });
  if (totalFiles > output.files.length)
    lines.push(`… ${totalFiles - output.files.length} more file(s) not listed`);
  if (output.files.length > maxPatchedFiles)
    lines.push(`(patches shown for the first ${maxPatchedFiles} files only)`);
  return lines.join('\n');
}
