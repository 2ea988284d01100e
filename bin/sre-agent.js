#!/usr/bin/env -S node --
// Thin launcher: the CLI lives in dist/ (built by `npm ci` through the prepare script).
// The `--` in the shebang stops Node 20 from reading our `--env-file` flag as its own.
import { main } from '../dist/triggers/cli.js';

process.exitCode = await main(process.argv);
