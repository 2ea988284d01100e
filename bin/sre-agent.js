#!/usr/bin/env -S node --
// Thin launcher: the CLI is built into dist/ by `npm ci` (the prepare script): the esbuild bundle
// (dist/bundle/, fast to start: the MCP servers are spawned from it) or, without it, tsc's output.
// The `--` in the shebang stops Node 20 from reading a flag of ours as its own.
import { existsSync } from 'node:fs';

const bundle = new URL('../dist/bundle/cli.js', import.meta.url);
const { main } = existsSync(bundle) ? await import(bundle.href) : await import('../dist/triggers/cli.js');

process.exitCode = await main(process.argv);
