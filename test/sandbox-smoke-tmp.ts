import { loadScenario } from '../src/sandbox/scenario.js';
import { startSandbox, formatEnvExports } from '../src/sandbox/sandbox.js';
const s = await loadScenario('scenarios/cart-service-loafers');
console.error(s.objects.length, s.objects.map(o => o.kind + '/' + o.metadata.name).join(' '), Object.keys(s.logs), s.commits.map(c => c.sha + ' ' + c.date));
const sb = await startSandbox(s);
process.stdout.write(formatEnvExports(sb.env));
await new Promise(r => setTimeout(r, 60000));
await sb.close();
