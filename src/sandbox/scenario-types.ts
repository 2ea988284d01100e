/** A Kubernetes object as it appears in a scenario's cluster.yaml: kept loose on purpose. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    uid?: string;
    creationTimestamp?: string;
    ownerReferences?: {
      kind: string;
      name: string;
      uid?: string;
      apiVersion?: string;
      controller?: boolean;
      blockOwnerDeletion?: boolean;
    }[];
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

export interface ScenarioCommit {
  sha: string;
  message: string;
  author: string;
  /** ISO 8601, already resolved against the scenario's `now` when commits.yaml gave a relative time. */
  date: string;
  files: string[];
  /** Optional unified-diff text per file path, served as `patch` on the single-commit endpoint. */
  patches?: Record<string, string>;
}

export interface ScenarioExpect {
  status: 'diagnosed' | 'healthy' | 'inconclusive';
  /** Every inner list must be matched by at least one of its strings. */
  rootCause: string[][];
  files: string[];
  commits: string[];
  forbid: string[];
}

/** A scenario directory (DESIGN.md 4.6), loaded and validated. */
export interface Scenario {
  /** Directory name. */
  name: string;
  /** Absolute path of the directory. */
  dir: string;
  title: string;
  service: string;
  namespace: string;
  /** owner/repo */
  repository: string;
  /** ISO 8601: the scenario's clock. */
  now: string;
  alert?: string;
  expect: ScenarioExpect;
  objects: KubeObject[];
  /**
   * Pod logs keyed `<pod>`, `<pod>.<container>`, `<pod>.previous`, `<pod>.<container>.previous`,
   * exactly as the files are named under logs/ without `.log`.
   */
  logs: Record<string, string>;
  /** Repository files keyed by repository path (forward slashes), contents as UTF-8 text. */
  repoFiles: Record<string, string>;
  commits: ScenarioCommit[];
  /** The local Slack's user groups (`slack.usergroups` in scenario.yaml); none when absent. */
  slack?: { usergroups: SandboxUsergroup[] };
}

/** A user group of the local Slack: who `usergroups.users.list` says is in it. */
export interface SandboxUsergroup {
  id: string;
  /** The mention handle, without the `@`. */
  handle: string;
  name?: string;
  users: string[];
}
