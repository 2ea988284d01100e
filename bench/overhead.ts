import { existsSync } from 'node:fs';
import path from 'node:path';
import { loadSettings } from '../dist/config/load.js';
import { bundledServerSpecs } from '../dist/mcp/bundled-servers.js';
import { McpHost } from '../dist/mcp/host.js';
import { loadScenario } from '../dist/sandbox/scenario.js';
import { startSandbox } from '../dist/sandbox/sandbox.js';
import { silentLogger } from '../dist/util/log.js';
import { BIN, ROOT, median, run, type Row } from './measure.js';

async function times(n: number, f: () => Promise<number>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(await f());
  return out;
}

/** Start-up, an end-to-end diagnosis, server start-up, and the peak memory of one diagnosis. */
export async function benchOverhead(): Promise<{ rows: Row[] }> {
  const rows: Row[] = [];
  // Interleaved, so that machine noise hits both sides alike.
  const version: number[] = [];
  const bare: number[] = [];
  for (let i = 0; i < 7; i++) {
    bare.push((await run(process.execPath, ['-e', '0'])).ms);
    version.push((await run(process.execPath, ['--', BIN, '--version'])).ms);
  }
  const startup = median(version) / median(bare);
  rows.push({
    figure: 'start-up: `sre-agent --version`',
    ours: `${median(version).toFixed(0)} ms`,
    baseline: `${median(bare).toFixed(0)} ms (node -e 0)`,
    ratio: startup,
    target: '≤ 3×',
    met: startup <= 3,
    note: '',
  });

  const diagnosis = await times(
    3,
    async () =>
      (
        await run(process.execPath, [
          '--',
          BIN,
          'diagnose',
          '--service',
          'cart-service',
          '--sandbox',
          '--output',
          'json',
          '--llm',
          'offline',
        ])
      ).ms,
  );
  rows.push({
    figure: 'end to end: offline sandbox diagnosis of cart-service (CLI, 3 servers spawned)',
    ours: `${median(diagnosis).toFixed(0)} ms`,
    baseline: `${median(bare).toFixed(0)} ms (node -e 0)`,
    ratio: median(diagnosis) / median(bare),
    target: 'reported',
    met: null,
    note: '',
  });

  const memory = await run(
    process.execPath,
    ['--', BIN, 'diagnose', '--service', 'cart-service', '--sandbox', '--output', 'json', '--llm', 'offline'],
    {},
    true,
  );
  rows.push({
    figure: 'peak memory of one diagnosis (the CLI process; servers are separate processes)',
    ours: memory.maxRssMiB ? `${memory.maxRssMiB.toFixed(0)} MiB` : 'n/a',
    baseline: '-',
    ratio: null,
    target: 'reported',
    met: null,
    note: '',
  });

  const scenario = await loadScenario(path.join(ROOT, 'scenarios/cart-service-loafers'));
  const sandbox = await startSandbox(scenario);
  try {
    const settings = await loadSettings(
      { service: 'cart-service', slack: false },
      { ...sandbox.env },
      { namespace: 'default' },
    );
    const bundled = bundledServerSpecs(settings).filter((s) => s.name === 'kubernetes');
    const ours = median(
      await times(5, async () => {
        const started = performance.now();
        const host = await McpHost.start(bundled, { logger: silentLogger });
        const ms = performance.now() - started;
        await host.close();
        return ms;
      }),
    );
    const binary = path.join(
      ROOT,
      'node_modules/kubernetes-mcp-server-linux-amd64/bin/kubernetes-mcp-server-linux-amd64',
    );
    let theirs: number | null = null;
    if (existsSync(binary)) {
      const spec = {
        name: 'kubernetes',
        bundled: false,
        transport: {
          kind: 'stdio' as const,
          command: binary,
          args: [
            '--kubeconfig',
            sandbox.env.KUBECONFIG,
            '--read-only',
            '--stateless',
            '--disable-multi-cluster',
          ],
          env: { HOME: process.env.HOME ?? '/tmp' },
        },
        allow: ['pods_list_in_namespace'],
        hostOnly: [],
      };
      theirs = median(
        await times(5, async () => {
          const started = performance.now();
          const host = await McpHost.start([spec], { logger: silentLogger });
          const ms = performance.now() - started;
          await host.close();
          return ms;
        }),
      );
    }
    rows.push({
      figure: 'Kubernetes MCP server: spawn, initialise, list tools',
      ours: `${ours.toFixed(0)} ms (bundled, Node)`,
      baseline:
        theirs === null
          ? 'kubernetes-mcp-server not installed'
          : `${theirs.toFixed(0)} ms (kubernetes-mcp-server, Go)`,
      ratio: theirs === null ? null : ours / theirs,
      target: 'reported',
      met: null,
      note: '',
    });
  } finally {
    await sandbox.close();
  }
  return { rows };
}
