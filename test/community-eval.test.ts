import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { scoreReport } from '../src/eval/score.js';
import { listScenarios, loadScenario } from '../src/sandbox/scenario.js';
import { diagnoseOnce } from '../src/triggers/diagnose-session.js';
import { silentLogger } from '../src/util/log.js';

const EXAMPLE = path.resolve('examples/kubernetes-mcp-server.json');

describe('every public scenario through kubernetes-mcp-server, offline', () => {
  it('passes each one as it does through the bundled Kubernetes server', async () => {
    const failures: string[] = [];
    const summaries = await listScenarios(path.resolve('scenarios'));
    expect(summaries.length).toBeGreaterThanOrEqual(15);
    for (const summary of summaries) {
      const scenario = await loadScenario(summary.dir);
      const { report } = await diagnoseOnce(
        { service: scenario.service, namespace: scenario.namespace, llm: 'offline', config: EXAMPLE },
        { env: { PATH: process.env.PATH, HOME: process.env.HOME }, logger: silentLogger, scenario },
      );
      const score = scoreReport(report, scenario.expect);
      if (!score.pass) failures.push(`${scenario.name}: ${JSON.stringify(score.failures)}`);
      if (report.degraded) failures.push(`${scenario.name} degraded: ${report.degradedReasons.join('; ')}`);
    }
    expect(failures).toEqual([]);
  }, 300_000);
});
