import { describe, expect, it } from 'vitest';

import { OfflineEngine } from '../src/llm/offline/engine.js';
import { engineContext, fakeTools, running, said, type FakeCluster } from './helpers/offline-fakes.js';

/**
 * Principle: a capability chosen at build time (a library's TLS backend, a database driver) that a
 * dependency-manifest change took away fails only when the code uses it, in pods that run and are
 * Ready. The manifest line that turned it off and its commit are the cause, not the calling code.
 */
const POD = 'partner-gw-5c6f9d8b47-k2dxm';
const SHA = '8e4f1c29d7a03b56e2c1f90d4a8b7e35c6d2f014';

function cluster(
  log: string,
  change: { path: string; patch: string },
  repo: Record<string, string>,
): FakeCluster {
  return {
    workloads: {
      'partner-gw': {
        workload: { kind: 'Deployment', name: 'partner-gw' },
        pods: [{ name: POD, containers: [running('partner-gw')] }],
      },
    },
    logs: { [POD]: Array.from({ length: 6 }, () => log).join('\n') },
    repo,
    commits: [
      {
        sha: SHA,
        message: 'build: slimmer runtime image',
        date: '2026-12-01T10:00:00Z',
        files: [change, { path: 'src/partners.rs', patch: '@@ -1 +1 @@\n-// a\n+// b\n' }],
      },
      {
        sha: 'c5e2b8a0d7f13694e8c2a1d5f0b7e39c4a6d8f21',
        message: 'partners: retry on 503',
        date: '2026-11-28T10:00:00Z',
        files: [{ path: 'src/partners.rs', patch: '@@ -1 +1 @@\n-let retries = 0;\n+let retries = 2;\n' }],
      },
    ],
  };
}

async function diagnose(c: FakeCluster) {
  const ctx = engineContext(fakeTools(c), { service: 'partner-gw' });
  return { findings: await new OfflineEngine().diagnose(ctx), ctx };
}

const RUST_ERROR =
  '2026-12-01T11:41:31Z ERROR partner_gw::partners: partner call failed error=reqwest::Error { kind: Request, url: "https://api.partner.example/v3/holds", source: hyper_util::client::legacy::Error(Connect, ConnectError("invalid URL, scheme is not http")) }';

describe('a capability the build no longer includes', () => {
  it('traces https calls refused by reqwest to the Cargo.toml line that turned its default features off', async () => {
    const { findings, ctx } = await diagnose(
      cluster(
        RUST_ERROR,
        {
          path: 'Cargo.toml',
          patch: [
            '@@ -9,4 +9,4 @@',
            '-reqwest = { version = "0.12", features = ["json"] }',
            '+reqwest = { version = "0.12", default-features = false, features = ["json", "http2"] }',
            ' serde = "1"',
          ].join('\n'),
        },
        {
          'Cargo.toml':
            'reqwest = { version = "0.12", default-features = false, features = ["json", "http2"] }\n',
        },
      ),
    );
    expect(findings.status).toBe('diagnosed');
    const text = said(findings);
    expect(text).toContain('scheme is not http');
    expect(text).toContain('reqwest');
    expect(text).toContain('Cargo.toml');
    expect(text).toMatch(/TLS/);
    expect(ctx.casebook.suspectFiles[0]?.path).toBe('Cargo.toml');
    expect(ctx.casebook.suspectCommits[0]?.sha).toBe(SHA);
  });

  it('traces a missing database dialect to the driver dropped from requirements.txt', async () => {
    const { findings, ctx } = await diagnose(
      cluster(
        "2026-12-01 11:41:31,100 ERROR app.db sqlalchemy.exc.NoSuchModuleError: Can't load plugin: sqlalchemy.dialects:postgresql.psycopg2",
        {
          path: 'requirements.txt',
          patch: '@@ -1,3 +1,2 @@\n fastapi==0.115.0\n-psycopg2-binary==2.9.9\n sqlalchemy==2.0.36\n',
        },
        { 'requirements.txt': 'fastapi==0.115.0\nsqlalchemy==2.0.36\n' },
      ),
    );
    expect(findings.status).toBe('diagnosed');
    expect(said(findings)).toMatch(/database driver/);
    expect(said(findings)).toContain('requirements.txt');
    expect(ctx.casebook.suspectFiles[0]?.path).toBe('requirements.txt');
    expect(ctx.casebook.suspectCommits[0]?.sha).toBe(SHA);
  });

  it('does not blame a manifest change that took nothing away', async () => {
    const { findings, ctx } = await diagnose(
      cluster(
        RUST_ERROR,
        { path: 'Cargo.toml', patch: '@@ -9,2 +9,2 @@\n-serde = "1.0.200"\n+serde = "1.0.210"\n' },
        { 'Cargo.toml': 'serde = "1.0.210"\n' },
      ),
    );
    expect(said(findings)).not.toMatch(/the build no longer includes/);
    expect(ctx.casebook.suspectFiles.map((f) => f.path)).not.toContain('Cargo.toml');
  });
});
