import { describe, expect, it } from 'vitest';

import { OfflineEngine } from '../src/llm/offline/engine.js';
import { engineContext, fakeTools, running, said, type FakeCluster } from './helpers/offline-fakes.js';

/**
 * Principle: "QueuePool limit … reached, connection timed out" is the process's own pool running
 * dry, not a database that cannot be reached. The traceback's application frame is the file to
 * read, and a commit that removed the code closing sessions is the leak to name.
 */
const POD = 'orders-7b9c8d6f5-k2m4n';

const TRACE = [
  'ERROR:    Exception in ASGI application',
  'Traceback (most recent call last):',
  '  File "/srv/app/orders/handlers.py", line 40, in list_orders',
  '    return store.recent(customer_id)',
  '  File "/srv/app/orders/store.py", line 18, in recent',
  '    return db.execute(RECENT, {"c": customer_id}).all()',
  '  File "/usr/local/lib/python3.12/site-packages/sqlalchemy/pool/impl.py", line 179, in _do_get',
  '    raise exc.TimeoutError(',
  'sqlalchemy.exc.TimeoutError: QueuePool limit of size 5 overflow 10 reached, connection timed out, timeout 30.00 (Background on this error at: https://sqlalche.me/e/20/3o7r)',
].join('\n');

function cluster(patch: string): FakeCluster {
  return {
    workloads: {
      orders: {
        workload: { kind: 'Deployment', name: 'orders' },
        pods: [{ name: POD, containers: [running('orders')] }],
      },
    },
    logs: { [POD]: `INFO:     Application startup complete.\n${TRACE}\n${TRACE}\n${TRACE}\n` },
    repo: {
      'orders/store.py':
        'from .db import Session\n\n' +
        Array.from({ length: 14 }, (_, i) => `# ${i}`).join('\n') +
        '\ndef recent(customer_id):\n    db = Session()\n    return db.execute(RECENT, {"c": customer_id}).all()\n',
    },
    commits: [
      {
        sha: 'f00dfeed11223344556677889900aabbccddeeff',
        message: 'store: simplify session handling',
        date: '2026-12-01T08:00:00Z',
        files: [{ path: 'orders/store.py', patch }],
      },
    ],
  };
}

const LEAK = [
  '@@ -15,5 +15,5 @@',
  ' def recent(customer_id):',
  '-    with Session() as db:',
  '-        return db.execute(RECENT, {"c": customer_id}).all()',
  '+    db = Session()',
  '+    return db.execute(RECENT, {"c": customer_id}).all()',
].join('\n');

const RENAME = [
  '@@ -15,4 +15,4 @@',
  ' def recent(customer_id):',
  '-    db = Session()',
  '+    db = Session()  # shared factory',
  '     return db.execute(RECENT, {"c": customer_id}).all()',
].join('\n');

async function diagnose(c: FakeCluster) {
  const ctx = engineContext(fakeTools(c), { service: 'orders' });
  return { findings: await new OfflineEngine().diagnose(ctx), ctx };
}

describe('an exhausted connection pool', () => {
  it('is a leak when a commit removed the context manager that closed the session', async () => {
    const { findings, ctx } = await diagnose(cluster(LEAK));
    expect(findings.status).toBe('diagnosed');
    const text = said(findings);
    expect(text).toMatch(/connection pool \(size 5, overflow 10\) is exhausted/);
    expect(text).toMatch(/never returned, a connection leak/);
    expect(text).toContain('with Session() as db:');
    expect(text).not.toMatch(/No stack trace points at the code/);
    expect(ctx.casebook.suspectFiles.map((f) => f.path)).toContain('orders/store.py');
    expect(ctx.casebook.suspectCommits.map((c) => c.sha.slice(0, 7))).toContain('f00dfee');
    expect(findings.suggestedFix).toMatch(/Close every session again/);
  });

  it('names both explanations when no change removed the closing', async () => {
    const { findings } = await diagnose(cluster(RENAME));
    expect(findings.status).toBe('diagnosed');
    expect(said(findings)).toMatch(/never closed — a leak\) or the pool is too small/);
  });
});
