import type { Octokit } from '@octokit/rest';

/** What the GitHub server needs: a narrow slice of Octokit, and the one repository it reads. */
export interface GitHubServerDeps {
  octokit: {
    rest: {
      repos: Pick<Octokit['rest']['repos'], 'get' | 'getContent' | 'listCommits' | 'getCommit'>;
      search: Pick<Octokit['rest']['search'], 'code'>;
    };
  };
  owner: string;
  repo: string;
  /** Branch, tag or sha to read; the repository's default branch when absent. */
  ref?: string;
}
