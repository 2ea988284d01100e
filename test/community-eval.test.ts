import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { scoreReport } from '../src/eval/score.js';
import { listScenarios, loadScenario } from '../src/sandbox/scenario.js';
import { diagnoseOnce } from '../src/triggers/diagnose-session.js';
import { silentLogger } from '../src/util/log.js';
import { inProcessBundledServers } from './helpers/in-process-servers.js';

const EXAMPLE = path.resolve('examples/kubernetes-mcp-server.json');

interface ServerEntry {
  command: string;
  args: string[];
}

/**
 * The example config with its server started straight from the installed platform binary rather
 * than through `npx -y kubernetes-mcp-server@…` (which costs a second per start): the same server,
 * flags, tools and pins. Starting it through npx, as the example does, is covered by
 * community-kubernetes-mcp-server.test.ts.
 */
async function exampleWithInstalledBinary(): Promise<string> {
  const config = JSON.parse(await readFile(EXAMPLE, 'utf8')) as { mcpServers: Record<string, ServerEntry> };
  const server = config.mcpServers.kubernetes;
  if (!server) throw new Error(`${EXAMPLE} has no kubernetes server`);
  const pinned = server.args.find((a) => a.startsWith('kubernetes-mcp-server@'));
  const version = pinned?.split('@')[1];
  const require = createRequire(import.meta.url);
  const wrapper = require('kubernetes-mcp-server/package.json') as { version: string };
  expect(wrapper.version, 'the installed kubernetes-mcp-server is the one the example pins').toBe(version);
  const platform = `kubernetes-mcp-server-${process.platform}-${process.arch === 'x64' ? 'amd64' : process.arch}`;
  server.command = require.resolve(`${platform}/bin/${platform}`);
  server.args = server.args.filter((a) => a !== '-y' && a !== pinned);
  const file = path.join(await mkdtemp(path.join(tmpdir(), 'community-eval-')), 'config.json');
  await writeFile(file, JSON.stringify(config));
  return file;
}

describe('every public scenario through kubernetes-mcp-server, offline', () => {
  it('passes each one as it does through the bundled Kubernetes server', async () => {
    const config = await exampleWithInstalledBinary();
    const failures: string[] = [];
    const summaries = await listScenarios(path.resolve('scenarios'));
    expect(summaries.length).toBeGreaterThanOrEqual(15);
    for (const summary of summaries) {
      const scenario = await loadScenario(summary.dir);
      const { report } = await diagnoseOnce(
        { service: scenario.service, namespace: scenario.namespace, llm: 'offline', config },
        {
          env: { PATH: process.env.PATH, HOME: process.env.HOME },
          logger: silentLogger,
          scenario,
          // The GitHub and Slack servers are bundled, and not what this test is about.
          bundledTransport: inProcessBundledServers,
        },
      );
      const score = scoreReport(report, scenario.expect);
      if (!score.pass) failures.push(`${scenario.name}: ${JSON.stringify(score.failures)}`);
      if (report.degraded) failures.push(`${scenario.name} degraded: ${report.degradedReasons.join('; ')}`);
    }
    expect(failures).toEqual([]);
  }, 300_000);
});
