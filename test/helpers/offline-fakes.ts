/**
 * A hand-built cluster for the offline engine's rule tests: the engine sees only `ctx.tools`, so a
 * fake ToolInvoker answering the bundled tools' structured shapes from a few objects is enough.
 * Each test states the Kubernetes objects, events and logs of its failure class and nothing else.
 */
import type { Settings } from '../../src/config/load.js';
import { emptyCasebook, type Casebook, type EngineContext, type ToolInvoker } from '../../src/llm/engine.js';
import type { ToolOutcome } from '../../src/mcp/normalize-result.js';
import { emptyUsage } from '../../src/report/schema.js';

type Obj = Record<string, unknown>;

export interface FakePod {
  name: string;
  phase?: string;
  ready?: string;
  restarts?: number;
  labels?: Record<string, string>;
  ownerKind?: string;
  ownerName?: string;
  startTime?: string;
  reason?: string;
  message?: string;
  node?: string;
  /** As list_pods reports a pod being deleted. */
  terminating?: { since: string; gracePeriodSeconds?: number; finalizers: string[] };
  containers: Obj[];
  conditions?: Obj[];
}

export interface FakeCluster {
  namespace?: string;
  /** `list_pods` by the service name asked; a missing name answers "none matched". */
  workloads?: Record<string, { workload: { kind: string; name: string } | null; pods: FakePod[] }>;
  /** The names `list_pods` offers when the asked name matches nothing. */
  closestServices?: string[];
  events?: Obj[];
  /** Logs by `<pod>`, `<pod>.<container>`, `<pod>.previous`; a missing key answers an API error. */
  logs?: Record<string, string>;
  /** Raw API objects for `get_resources` (kind, metadata.name, metadata.namespace…). */
  objects?: Obj[];
  /** `get_service` answers by exact name. */
  services?: Record<string, Obj>;
  /** `get_deployment` answers by name. */
  deployments?: Record<string, Obj>;
  /** `check_access` answer. */
  access?: (args: Obj) => Obj;
  /** Repository: files by path, commits newest first with files and patches. */
  repo?: Record<string, string>;
  commits?: {
    sha: string;
    message: string;
    author?: string;
    date: string;
    files: { path: string; patch?: string }[];
  }[];
  /** `list_nodes` answers (name, ready, conditions…); without it the tool is not offered. */
  nodes?: Obj[];
  /** Tools to leave out (a server that is not connected). */
  without?: string[];
  /** Tools that fail with this message. */
  failing?: Record<string, string>;
}

/**
 * `PersistentVolumeClaim` and `persistentvolumeclaims` name the same kind (the engine asks by Kind),
 * and so does a group-qualified plural (`certificates.cert-manager.io`).
 */
function kindMatches(asked: string, kind: string): boolean {
  const a = asked.toLowerCase().split('.')[0] ?? '';
  const k = kind.toLowerCase();
  return a === k || a === `${k}s` || a === `${k}es`;
}

function ok(structured: Obj, text = JSON.stringify(structured)): ToolOutcome {
  return { ok: true, text, structured, durationMs: 0 };
}

function fail(error: string): ToolOutcome {
  return { ok: false, text: error, error, durationMs: 0 };
}

function labelsMatch(selector: string | undefined, labels: Record<string, string>): boolean {
  if (!selector) return true;
  return selector.split(',').every((pair) => {
    const [k, v] = pair.split('=');
    return k !== undefined && labels[k] === v;
  });
}

/** The fake invoker, and a record of every call it answered. */
export function fakeTools(cluster: FakeCluster): ToolInvoker & { calls: { tool: string; args: Obj }[] } {
  const namespace = cluster.namespace ?? 'shop';
  const calls: { tool: string; args: Obj }[] = [];
  const tools: Record<string, (args: Obj) => ToolOutcome> = {
    list_pods: (args) => {
      const found = cluster.workloads?.[String(args.service)];
      if (!found)
        return ok({
          namespace,
          service: args.service,
          workload: null,
          matchedBy: 'none',
          pods: [],
          closestServices: cluster.closestServices ?? [],
        });
      return ok({
        namespace,
        service: args.service,
        workload: found.workload,
        matchedBy: found.workload ? `${found.workload.kind} ${found.workload.name}` : 'pod name',
        pods: found.pods.map((p) => ({
          phase: 'Running',
          ready: '1/1',
          restarts: 0,
          labels: {},
          conditions: [],
          ...p,
        })),
      });
    },
    list_nodes: () => ok({ nodes: cluster.nodes ?? [] }),
    list_events: () =>
      ok({ namespace, events: cluster.events ?? [], matched: (cluster.events ?? []).length }),
    get_pod_logs: (args) => {
      const key = `${String(args.pod)}${args.container ? `.${String(args.container)}` : ''}${args.previous ? '.previous' : ''}`;
      const log = cluster.logs?.[key];
      if (log === undefined)
        return fail(
          args.previous
            ? `Could not read logs of pod/${String(args.pod)}: previous terminated container not found. There is no previous instance`
            : `Could not read logs of pod/${String(args.pod)}: the API answered 500`,
        );
      return ok({ pod: args.pod, container: args.container ?? 'app', previous: Boolean(args.previous), log });
    },
    get_resources: (args) => {
      const items = (cluster.objects ?? []).filter((o) => {
        const meta = (o.metadata ?? {}) as Obj;
        if (!kindMatches(String(args.kind), String(o.kind))) return false;
        if (args.name !== undefined && meta.name !== args.name) return false;
        if (args.namespace !== undefined && meta.namespace !== undefined && meta.namespace !== args.namespace)
          return false;
        return labelsMatch(
          args.labelSelector as string | undefined,
          (meta.labels ?? {}) as Record<string, string>,
        );
      });
      if (args.name !== undefined && items.length === 0)
        return fail(
          `${String(args.kind).toLowerCase()} "${String(args.name)}" not found in namespace ${namespace}`,
        );
      return ok({ kind: args.kind, apiVersion: 'v1', namespaced: true, namespace, items });
    },
    check_access: (args) =>
      ok(cluster.access ? cluster.access(args) : { allowed: true, user: 'system:serviceaccount:x', ...args }),
    get_service: (args) => {
      const service = cluster.services?.[String(args.name)];
      return service
        ? ok(service)
        : fail(`No Service matches '${String(args.name)}' in namespace ${namespace}.`);
    },
    list_services: (args) =>
      ok({
        namespace: args.namespace ?? namespace,
        // A Service that states its namespace is listed only there.
        services: Object.values(cluster.services ?? {})
          .filter((s) => !s.namespace || !args.namespace || s.namespace === args.namespace)
          .map((s) => ({
            name: s.name,
            clusterIP: s.clusterIP,
            ports: [],
            selector: s.selector ?? null,
          })),
      }),
    get_deployment: (args) => {
      const d = cluster.deployments?.[String(args.name)];
      return d ? ok(d) : fail(`Deployment '${String(args.name)}' not found`);
    },
    list_deployments: () =>
      ok({ namespace, deployments: Object.keys(cluster.deployments ?? {}).map((name) => ({ name })) }),
    search_code: (args) => {
      const query = String(args.query);
      const fileName = query.startsWith('filename:') ? query.slice('filename:'.length) : undefined;
      const items = Object.entries(cluster.repo ?? {})
        .filter(([path, content]) =>
          fileName ? path.split('/').at(-1) === fileName : content.includes(query) || path.includes(query),
        )
        .map(([path]) => ({ path, url: `https://github.example/o/r/blob/main/${path}` }));
      return ok({ items, total_count: items.length });
    },
    get_file_contents: (args) => {
      const content = cluster.repo?.[String(args.path)];
      if (content === undefined) return fail(`${String(args.path)} not found`);
      const lines = content.split('\n');
      const start = typeof args.startLine === 'number' ? args.startLine : 1;
      const end = typeof args.endLine === 'number' ? args.endLine : lines.length;
      return ok({
        path: args.path,
        url: `https://github.example/o/r/blob/main/${String(args.path)}`,
        startLine: start,
        content: lines.slice(start - 1, end).join('\n'),
      });
    },
    list_commits: (args) => {
      const commits = (cluster.commits ?? []).filter(
        (c) =>
          (!args.path || c.files.some((f) => f.path === args.path)) &&
          (!args.since || c.date >= String(args.since)),
      );
      return ok({
        // As the bundled list_commits answers: each message's subject line only.
        commits: commits.map((c) => ({
          sha: c.sha,
          message: c.message.split('\n')[0] ?? '',
          author: c.author ?? 'Dev',
          date: c.date,
        })),
      });
    },
    get_commit: (args) => {
      const c = (cluster.commits ?? []).find((x) => x.sha === args.sha);
      return c
        ? ok({ sha: c.sha, message: c.message, author: c.author ?? 'Dev', date: c.date, files: c.files })
        : fail('no such commit');
    },
  };
  const server = (tool: string) =>
    ['search_code', 'get_file_contents', 'list_commits', 'get_commit'].includes(tool)
      ? 'github'
      : 'kubernetes';
  const offered = Object.keys(tools).filter(
    (t) => !(cluster.without ?? []).includes(t) && (t !== 'list_nodes' || cluster.nodes),
  );
  return {
    calls,
    toolNames: () => offered.map((t) => `${server(t)}__${t}`),
    definitions: () => [],
    call: async (name, args) => {
      // A capability route (`github__get_commit@getCommit`) reaches the tool before the `@`.
      const qualified = name.split('@')[0] ?? name;
      const tool = qualified.split('__')[1] ?? qualified;
      calls.push({ tool, args });
      const failure = cluster.failing?.[tool];
      if (failure) return fail(failure);
      const handler = tools[tool];
      return handler && offered.includes(tool) ? handler(args) : fail(`unknown tool ${name}`);
    },
  };
}

/** An engine context around the fake tools, for service `service` in the cluster's namespace. */
export function engineContext(
  tools: ToolInvoker,
  options: { service: string; namespace?: string; namespaces?: string[]; now?: string; text?: string },
): EngineContext & { casebook: Casebook } {
  const namespace = options.namespace ?? 'shop';
  const settings = { namespace, namespaces: options.namespaces ?? [namespace] } as unknown as Settings;
  const logger = {
    info() {},
    warn() {},
    error() {},
    debug() {},
    child() {
      return logger;
    },
  };
  return {
    incident: {
      service: options.service,
      namespace,
      source: 'cli',
      ...(options.text ? { text: options.text } : {}),
      dedupeKey: 'test',
    },
    settings,
    tools,
    casebook: emptyCasebook(),
    now: new Date(options.now ?? '2026-12-01T12:00:00Z'),
    signal: new AbortController().signal,
    deadlineAt: Date.now() + 60_000,
    logger: logger as unknown as EngineContext['logger'],
    usage: emptyUsage(),
    submit: async () => ({ ok: false, error: 'not in tests' }),
    degrade: () => {},
    emit: () => {},
  };
}

/** A running, ready container. */
export function running(name = 'app', extra: Obj = {}): Obj {
  return {
    name,
    image: `registry.example/${name}:1.0`,
    ready: true,
    restartCount: 0,
    state: 'running',
    ...extra,
  };
}

/** The statement and summary together, as the eval scores them. */
export function said(f: { summary: string; rootCause: { statement: string } }): string {
  return `${f.rootCause.statement}\n${f.summary}`;
}
