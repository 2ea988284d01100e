// Bundles the CLI into dist/bundle/ with esbuild: one file per lazily loaded part instead of
// hundreds of modules. The bundled MCP servers start from it (`sre-agent mcp kubernetes`), and
// loading @kubernetes/client-node as one tree-shaken file is what makes them start fast.
// Every file sits at the same depth as dist/<folder>/*.js, so paths built from import.meta.url
// (prompts/, scenarios/, package.json) resolve the same in both layouts.
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

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
