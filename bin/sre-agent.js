#!/usr/bin/env -S node --
// Thin launcher: the CLI is built into dist/ by `npm ci` (the prepare script): the esbuild bundles
// (dist/bundle/, fast to start) or, without them, tsc's output.
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

// Commands that run diagnoses load most of the CLI: they start from its CommonJS bundle, compiled
// with its V8 code cache. The others (--version, sandbox start, …) load only their own part of the
// CLI from the ES module bundle, which is less to read than the whole CLI and its cache.
const diagnoses = ['diagnose', 'eval', 'run-event'].includes(command);
const cliBundle = fileURLToPath(new URL('../dist/bundle/cli.cjs', import.meta.url));
const esmBundle = new URL('../dist/bundle/cli.js', import.meta.url);
if (serverBundle && existsSync(serverBundle)) {
  const { requireWithCodeCache } = await import('../dist/util/code-cache.js');
  process.exitCode = await requireWithCodeCache(serverBundle).runMcpServer(server, rest[1]);
} else if (diagnoses && existsSync(cliBundle)) {
  const { requireWithCodeCache } = await import('../dist/util/code-cache.js');
  process.exitCode = await requireWithCodeCache(cliBundle).main(process.argv);
} else {
  const { main } = existsSync(esmBundle)
    ? await import(esmBundle.href)
    : await import('../dist/triggers/cli.js');
  process.exitCode = await main(process.argv);
}
