// `npm run package:lambda`: the AWS Lambda artifact. One ESM bundle holds the handler and the CLI
// (the bundled MCP servers are started as `node bin/sre-agent.js mcp <name>`), next to the prompts
// and a minimal package.json, zipped. The bundle sits two levels down (dist/lambda/) because the
// code finds bin/, prompts/ and package.json at `../../` from itself, as it does from dist/<dir>/.
//
//   node deploy/aws/package-lambda.mjs [--out <dir>]     (default build/lambda)
//   → <dir>/package/…  and  <dir>/sre-agent-lambda.zip   (handler: dist/lambda/index.handler)
import { createWriteStream } from 'node:fs';
import { cp, mkdir, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import yazl from 'yazl';

const root = fileURLToPath(new URL('../../', import.meta.url));
const outIndex = process.argv.indexOf('--out');
const outDir = path.resolve(outIndex > 0 ? process.argv[outIndex + 1] : path.join(root, 'build', 'lambda'));
const stage = path.join(outDir, 'package');
const zipFile = path.join(outDir, 'sre-agent-lambda.zip');
// A fixed time for every entry: the same sources give the same zip.
const FIXED_MTIME = new Date('2026-01-01T00:00:00Z');

const pkg = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8'));
await rm(outDir, { recursive: true, force: true });
await mkdir(path.join(stage, 'dist', 'lambda'), { recursive: true });
await mkdir(path.join(stage, 'bin'), { recursive: true });

await build({
  stdin: {
    contents: [
      "export { handler, createHandler } from './src/lambda.ts';",
      "export { main } from './src/triggers/cli.ts';",
    ].join('\n'),
    resolveDir: root,
    sourcefile: 'lambda-entry.ts',
    loader: 'ts',
  },
  outfile: path.join(stage, 'dist', 'lambda', 'index.mjs'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // CommonJS dependencies call require() for Node built-ins; an ESM bundle has to provide it.
  banner: {
    js: "import { createRequire as __sreAgentCreateRequire } from 'node:module';\nconst require = __sreAgentCreateRequire(import.meta.url);",
  },
  legalComments: 'external',
  logLevel: 'warning',
});

await writeFile(
  path.join(stage, 'bin', 'sre-agent.js'),
  "// The bundle's CLI, for the MCP servers the handler starts as child processes.\n" +
    "import { main } from '../dist/lambda/index.mjs';\n\nprocess.exitCode = await main(process.argv);\n",
);
await writeFile(
  path.join(stage, 'package.json'),
  JSON.stringify(
    { name: `${pkg.name}-lambda`, version: pkg.version, private: true, type: 'module' },
    null,
    2,
  ) + '\n',
);
await cp(path.join(root, 'prompts'), path.join(stage, 'prompts'), { recursive: true });

async function filesUnder(dir) {
  const out = [];
  for (const entry of (await readdir(dir, { withFileTypes: true })).sort((a, b) =>
    a.name.localeCompare(b.name),
  )) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await filesUnder(full)));
    else out.push(full);
  }
  return out;
}

const zip = new yazl.ZipFile();
for (const file of await filesUnder(stage)) {
  zip.addFile(file, path.relative(stage, file).split(path.sep).join('/'), {
    mtime: FIXED_MTIME,
    mode: 0o100644,
  });
}
zip.end();
await new Promise((resolve, reject) => {
  zip.outputStream.pipe(createWriteStream(zipFile)).on('close', resolve).on('error', reject);
});
const bytes = (await stat(zipFile)).size;
process.stderr.write(
  `package:lambda: ${path.relative(process.cwd(), zipFile) || zipFile} (${(bytes / 1e6).toFixed(1)} MB), handler dist/lambda/index.handler\n`,
);
