#!/usr/bin/env -S node --
// Thin launcher: the CLI lives in dist/ (built by `npm ci` through the prepare script).
// The `--` in the shebang stops Node from reading flags meant for us as its own (when run directly).
import { main } from '../dist/triggers/cli.js';

process.exitCode = await main(process.argv);
