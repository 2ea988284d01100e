#!/usr/bin/env -S node --
// Thin launcher: the CLI is built into dist/ by `npm ci` (the prepare script): the esbuild bundle
// (dist/bundle/cli.cjs, compiled with its V8 code cache: fast to start) or, without it, tsc's output.
// `sre-agent mcp <server> [--namespaces <list>]`, spawned for every diagnosis, starts from that
// server's own bundle, compiled with its V8 code cache, without loading the rest of the CLI.
// The `--` in the shebang stops Node 20 from reading a flag of ours as its own.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const [command, server, ...rest] = process.argv.slice(2);
const serverBundle =
  command === 'mcp' &&
  ['kubernetes', 'github', 'slack'].includes(server) &&
  (rest.length === 0 || (rest.length === 2 && rest[0] === '--namespaces'))
    ? fileURLToPath(new URL(`../dist/bundle/mcp-${server}.cjs`, import.meta.url))
    : undefined;

const cliBundle = fileURLToPath(new URL('../dist/bundle/cli.cjs', import.meta.url));
if (serverBundle && existsSync(serverBundle)) {
  const { requireWithCodeCache } = await import('../dist/util/code-cache.js');
  process.exitCode = await requireWithCodeCache(serverBundle).runMcpServer(server, rest[1]);
} else if (existsSync(cliBundle)) {
  const { requireWithCodeCache } = await import('../dist/util/code-cache.js');
  process.exitCode = await requireWithCodeCache(cliBundle).main(process.argv);
} else {
  const { main } = await import('../dist/triggers/cli.js');
  process.exitCode = await main(process.argv);
}
