// Bundles the CLI into dist/bundle/ with esbuild: one file per lazily loaded part instead of
// hundreds of modules. The bundled MCP servers start from it (`sre-agent mcp kubernetes`), and
// loading @kubernetes/client-node as one tree-shaken file is what makes them start fast.
// Every file sits at the same depth as dist/<folder>/*.js, so paths built from import.meta.url
// (prompts/, scenarios/, package.json) resolve the same in both layouts.
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { writeCodeCache } from '../dist/util/code-cache.js';
import { writeYamlCache } from '../dist/sandbox/yaml-cache.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outdir = path.join(root, 'dist', 'bundle');
await rm(outdir, { recursive: true, force: true });
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
  external: ['@anthropic-ai/sdk', '@anthropic-ai/bedrock-sdk', '@aws-sdk/*', '@smithy/*', '@aws-crypto/*'],
  legalComments: 'none',
  logLevel: 'warning',
});

// One CommonJS bundle per MCP server (dist/bundle/mcp-<name>.cjs), which the launcher runs for
// `sre-agent mcp <name>` without loading the CLI. Each leaves the other two servers out, so that a
// server parses only its own vendor client, and each gets a V8 code cache (Node 20 has no compile
// cache for modules): see src/util/code-cache.ts.
const servers = ['kubernetes', 'github', 'slack'];
for (const name of servers) {
  const others = servers.filter((other) => other !== name);
  const bundle = path.join(outdir, `mcp-${name}.cjs`);
  await build({
    stdin: {
      contents: "export { runMcpServer } from './src/servers/mcp-command.ts';",
      resolveDir: root,
      sourcefile: `mcp-${name}-entry.ts`,
      loader: 'ts',
    },
    outfile: bundle,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    legalComments: 'none',
    logLevel: 'warning',
    plugins: [
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
  writeCodeCache(bundle);
}

// The bundled scenarios' YAML, parsed once here rather than in every sandbox run (dist/yaml-cache/).
await writeYamlCache(path.join(root, 'scenarios'));

// Last: what this dist/ was built from, so that `prepare` can skip an identical rebuild.
const { currentStamp, stampFile } = await import('./build-stamp.mjs');
await writeFile(stampFile, `${await currentStamp()}\n`);
