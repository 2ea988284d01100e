// Bundles the CLI into dist/bundle/ with esbuild, instead of hundreds of modules: an ES module
// bundle split into lazily loaded parts (commands that load little, `serve slack`'s workers), the
// same CLI as one CommonJS file for the commands that diagnose, one CommonJS file per MCP server,
// and @kubernetes/client-node in a file of its own. Each CommonJS file gets a V8 code cache,
// trained here on a representative run (src/util/code-cache.ts): README, "Performance".
// Every file sits at the same depth as dist/<folder>/*.js, so paths built from import.meta.url
// (prompts/, scenarios/, package.json) resolve the same in both layouts.
import { readFile, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { writeCodeCache } from '../dist/util/code-cache.js';
import { writeYamlCache } from '../dist/sandbox/yaml-cache.js';
import { loadScenario } from '../dist/sandbox/scenario.js';
import { startSandbox } from '../dist/sandbox/sandbox.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// The CommonJS bundles are read whole at every start: without whitespace and with simpler syntax
// they are less than half the size. Names are kept, so that errors and stack traces still read.
const compact = { minifyWhitespace: true, minifySyntax: true };
// The CommonJS bundles run as vm.Script (src/util/code-cache.ts), where `import()` has no module
// loader behind it and throws. esbuild keeps `import()` for what it does not bundle (Node's own
// modules, the external SDKs): those become `require`, which every one of them supports.
const externals = [
  '@anthropic-ai/sdk',
  '@anthropic-ai/bedrock-sdk',
  '@aws-sdk/*',
  '@smithy/*',
  '@aws-crypto/*',
];
const isExternal = (specifier) =>
  specifier.startsWith('node:') ||
  externals.some((e) => (e.endsWith('/*') ? specifier.startsWith(e.slice(0, -1)) : specifier === e));
const requireInsteadOfImport = {
  name: 'require-instead-of-import',
  setup(plugin) {
    plugin.onResolve({ filter: /^(node:|@)/ }, (args) =>
      args.kind === 'dynamic-import' && isExternal(args.path)
        ? { path: args.path, namespace: 'required-module' }
        : undefined,
    );
    plugin.onLoad({ filter: /.*/, namespace: 'required-module' }, (args) => ({
      contents: `module.exports = require(${JSON.stringify(args.path)});`,
      loader: 'js',
    }));
  },
};
const quiet = { stdout() {}, stderr() {}, stderrIsTty: false, stdoutIsTty: false };
const silent = { debug() {}, info() {}, warn() {}, error() {} };
const outdir = path.join(root, 'dist', 'bundle');
await rm(outdir, { recursive: true, force: true });

// @kubernetes/client-node is most of the Kubernetes server's code and of the CLI's, and parsing it
// was most of their start-up. It gets a CommonJS bundle of its own (dist/bundle/kube-client.cjs)
// with a V8 code cache, and every other bundle loads that file where it imports the client. Both
// import it lazily (the server after its tool listing, the CLI for a rollback proposal), so neither
// parses it to start. The bundle exports only the names src/ imports, so that the rest of the
// client (hundreds of API classes) is shaken out.
const kubeClientBundle = path.join(outdir, 'kube-client.cjs');
const kubeClientExports = (await kubeClientNames(path.join(root, 'src'))).join(', ');
await build({
  stdin: {
    contents: `export { ${kubeClientExports} } from '@kubernetes/client-node';`,
    resolveDir: root,
    loader: 'js',
  },
  outfile: kubeClientBundle,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  ...compact,
  target: 'node20',
  legalComments: 'none',
  logLevel: 'warning',
});
const codeCacheModule = path.join(root, 'src', 'util', 'code-cache.ts');
const kubeClientFromItsBundle = {
  name: 'kube-client-from-its-bundle',
  setup(plugin) {
    plugin.onResolve({ filter: /^@kubernetes\/client-node$/ }, () => ({
      path: 'kube-client',
      namespace: 'kube-client-bundle',
    }));
    // require.resolve is relative to the file that holds this code: a bundle in dist/bundle/.
    plugin.onResolve({ filter: /^\.\/kube-client\.cjs$/ }, (args) => ({ path: args.path, external: true }));
    plugin.onLoad({ filter: /.*/, namespace: 'kube-client-bundle' }, () => ({
      // Named exports, so that `await import('@kubernetes/client-node')` reads them from an ESM chunk.
      contents: [
        `import { requireWithCodeCache } from ${JSON.stringify(codeCacheModule)};`,
        `export const { ${kubeClientExports} } = requireWithCodeCache(require.resolve('./kube-client.cjs'));`,
      ].join('\n'),
      loader: 'js',
      resolveDir: root,
    }));
  },
};
await build({
  entryPoints: {
    cli: path.join(root, 'src', 'triggers', 'cli.ts'),
    // `serve slack` forks one per diagnosis; it shares the CLI's chunks.
    'diagnosis-worker': path.join(root, 'src', 'triggers', 'diagnosis-worker.ts'),
  },
  outdir,
  bundle: true,
  splitting: true,
  chunkNames: '[name]-[hash]',
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // CommonJS dependencies call require() for Node built-ins; an ESM bundle has to provide it.
  banner: {
    js: "import { createRequire as __sreAgentCreateRequire } from 'node:module';\nconst require = __sreAgentCreateRequire(import.meta.url);",
  },
  // Loaded only for Bedrock runs, and lazily importing CommonJS modules of their own, which a
  // bundle cannot reproduce: Node loads them from node_modules as it would without the bundle.
  // The Anthropic SDK stays external with it, so that both share one copy of its error classes.
  external: externals,
  plugins: [kubeClientFromItsBundle],
  legalComments: 'none',
  logLevel: 'warning',
});

// The CLI once more as one CommonJS file (dist/bundle/cli.cjs) with a V8 code cache, which the
// launcher prefers: Node 20 compiles ES modules from source on every start (it has no compile cache
// for them), and compiling the CLI's modules was most of what a diagnosis did before it started its
// servers. Lazily imported modules stay lazy: esbuild turns `import()` into a deferred require.
// `import.meta.url` becomes the bundle's own URL: dist/bundle/ is as deep as dist/<folder>/.
const cliBundle = path.join(outdir, 'cli.cjs');
await build({
  entryPoints: [path.join(root, 'src', 'triggers', 'cli.ts')],
  outfile: cliBundle,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  ...compact,
  target: 'node20',
  define: { 'import.meta.url': '__sreAgentBundleUrl' },
  banner: { js: "const __sreAgentBundleUrl = require('node:url').pathToFileURL(__filename).href;" },
  external: externals,
  plugins: [kubeClientFromItsBundle, requireInsteadOfImport],
  legalComments: 'none',
  logLevel: 'warning',
});

// One CommonJS bundle per MCP server (dist/bundle/mcp-<name>.cjs), which the launcher runs for
// `sre-agent mcp <name>` without loading the CLI. Each leaves the other two servers out, so that a
// server parses only its own vendor client, and each gets a V8 code cache (Node 20 has no compile
// cache for modules): see src/util/code-cache.ts. Each cache is trained on the calls a diagnosis
// makes first, against a sandbox (trainServer below), so that answering `tools/list` and the first
// calls runs cached code, not only the bundle's top level.
const servers = ['kubernetes', 'github', 'slack'];
const trainingSandbox = await startSandbox(
  await loadScenario(path.join(root, 'scenarios', 'cart-service-loafers')),
);
for (const name of servers) {
  const others = servers.filter((other) => other !== name);
  const bundle = path.join(outdir, `mcp-${name}.cjs`);
  await build({
    stdin: {
      contents: [
        "export { runMcpServer } from './src/servers/mcp-command.ts';",
        "export { runBundledServer } from './src/servers/run-server.ts';",
      ].join('\n'),
      resolveDir: root,
      sourcefile: `mcp-${name}-entry.ts`,
      loader: 'ts',
    },
    outfile: bundle,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    ...compact,
    target: 'node20',
    legalComments: 'none',
    logLevel: 'warning',
    plugins: [
      kubeClientFromItsBundle,
      requireInsteadOfImport,
      {
        name: 'only-this-server',
        setup(plugin) {
          const filter = new RegExp(`^\\./(${others.join('|')})/start\\.js$`);
          plugin.onResolve({ filter }, (args) => ({ path: args.path, namespace: 'other-server' }));
          plugin.onLoad({ filter: /.*/, namespace: 'other-server' }, () => ({
            contents: `throw new Error('this bundle serves only the ${name} MCP server');`,
            loader: 'js',
          }));
        },
      },
    ],
  });
  await writeCodeCache(bundle, (server) => trainServer(name, server, trainingSandbox.env));
}
// The Kubernetes client's cache, trained on the reads the server and the rollback proposal make.
await writeCodeCache(kubeClientBundle, async (k8s) => {
  const kubeConfig = new k8s.KubeConfig();
  kubeConfig.loadFromFile(trainingSandbox.env.KUBECONFIG);
  kubeConfig.clusters = kubeConfig.clusters.map((c) => ({ ...c, skipTLSVerify: true }));
  const core = kubeConfig.makeApiClient(k8s.CoreV1Api);
  const apps = kubeConfig.makeApiClient(k8s.AppsV1Api);
  const namespace = 'default';
  const pods = await core.listNamespacedPod({ namespace });
  await core.listNamespacedEvent({ namespace });
  const pod = pods.items[0]?.metadata?.name;
  if (pod) await core.readNamespacedPodLog({ name: pod, namespace, tailLines: 100 });
  await apps.readNamespacedDeployment({ name: 'cartservice', namespace });
  await apps.listNamespacedReplicaSet({ namespace });
});
await trainingSandbox.close();

/**
 * A server's training run, in this process over in-memory streams: initialize, list the tools,
 * and make the calls the cart-service diagnosis starts with (the sandbox replays that scenario).
 */
async function trainServer(name, server, sandboxEnv) {
  const calls = {
    kubernetes: [
      ['list_pods', { service: 'cart-service', namespace: 'default' }],
      ['list_events', { namespace: 'default', limit: 100 }],
      ['get_pod_logs', { pod: 'cartservice-5c8f7b9d6d-q4w2z', namespace: 'default', tailLines: 500 }],
      ['get_deployment', { name: 'cartservice', namespace: 'default' }],
    ],
    github: [
      ['search_code', { query: 'filename:RedisCartStore.cs' }],
      [
        'get_file_contents',
        { path: 'src/cartservice/src/cartstore/RedisCartStore.cs', startLine: 56, endLine: 66 },
      ],
      ['list_commits', { limit: 12 }],
      ['get_commit', { sha: 'd3bf18b69ea629283d172405c0fd770955bee38d' }],
    ],
    slack: [['post_message', { channel: sandboxEnv.SLACK_CHANNEL_ID, text: 'code cache training run' }]],
  }[name];
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  const running = server.runBundledServer(name, {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...sandboxEnv },
    ...(name === 'kubernetes'
      ? { namespaces: ['default'], now: () => new Date(sandboxEnv.SRE_AGENT_NOW) }
      : {}),
    stdin,
    stdout,
    logger: silent,
  });
  const waiting = new Map();
  let buffered = '';
  stdout.on('data', (chunk) => {
    buffered += chunk.toString('utf8');
    for (let end = buffered.indexOf('\n'); end >= 0; end = buffered.indexOf('\n')) {
      const message = JSON.parse(buffered.slice(0, end));
      buffered = buffered.slice(end + 1);
      waiting.get(message.id)?.(message);
    }
  });
  let id = 0;
  const send = (message) => stdin.write(JSON.stringify({ jsonrpc: '2.0', ...message }) + '\n');
  const request = (method, params) =>
    new Promise((resolve) => {
      waiting.set(++id, resolve);
      send({ id, method, params });
    });
  const clientInfo = { name: 'sre-agent-build', version: '0' };
  await request('initialize', { protocolVersion: '2025-06-18', capabilities: {}, clientInfo });
  send({ method: 'notifications/initialized' });
  await request('tools/list', {});
  for (const [tool, args] of calls) await request('tools/call', { name: tool, arguments: args });
  stdin.end();
  await running;
}

/** The value names src/ imports from @kubernetes/client-node (statically or with `await import`). */
async function kubeClientNames(dir) {
  const names = new Set();
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.ts')) continue;
    const file = path.join(entry.parentPath ?? entry.path, entry.name);
    const text = await readFile(file, 'utf8');
    if (!text.includes("'@kubernetes/client-node'")) continue;
    const uses = [
      ...text.matchAll(/import\s+(type\s+)?\{([^}]*)\}\s+from\s+'@kubernetes\/client-node'/g),
      ...text.matchAll(/const\s+()\{([^}]*)\}\s*=\s*await\s+import\('@kubernetes\/client-node'\)/g),
    ];
    const mentions = text.split("'@kubernetes/client-node'").length - 1;
    if (uses.length !== mentions) {
      throw new Error(
        `${file}: import @kubernetes/client-node as \`import { … }\` or \`const { … } = await import(…)\``,
      );
    }
    for (const [, typeOnly, list] of uses) {
      if (typeOnly) continue;
      for (const item of list
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)) {
        if (!item.startsWith('type ')) names.add(item.split(/\s+as\s+/)[0]);
      }
    }
  }
  return [...names].sort();
}

// The bundled scenarios' YAML, parsed once here rather than in every sandbox run (dist/yaml-cache/).
await writeYamlCache(path.join(root, 'scenarios'));

// Last, once everything it starts is built: the CLI's code cache, trained on an offline sandbox
// diagnosis (what `diagnose --sandbox` and every replay run), so that the functions a diagnosis
// compiles are cached and not only the CLI's top level. It spawns the server bundles built above.
await writeCodeCache(cliBundle, async (cli) => {
  const argv = [
    'node',
    'sre-agent',
    'diagnose',
    '--service',
    'cart-service',
    '--sandbox',
    '--llm',
    'offline',
  ];
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, SRE_AGENT_LLM: 'offline' };
  const code = await cli.main([...argv, '--output', 'json'], quiet, { env, logger: silent });
  if (code !== 0) throw new Error(`the training diagnosis exited ${code}`);
});

// Then what this dist/ was built from, so that `prepare` can skip an identical rebuild.
const { currentStamp, stampFile } = await import('./build-stamp.mjs');
await writeFile(stampFile, `${await currentStamp()}\n`);
