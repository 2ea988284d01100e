import { describe, expect, it } from 'vitest';

import { OfflineEngine } from '../src/llm/offline/engine.js';
import { dependencyLines, librariesOf } from '../src/llm/offline/rules/library-upgrade.js';
import { parseStackFrame, type StackFrame } from '../src/llm/offline/stack-frames.js';
import { engineContext, fakeTools, running, said, type FakeCluster } from './helpers/offline-fakes.js';

/**
 * Principle: an exception raised inside a library (its frames under the package manager's install
 * path, or its class named after the library) that a recent commit upgraded in a dependency
 * manifest is blamed on that upgrade, quoting the version lines; not on the last commit to the
 * application file the stack passes through, which ran fine against the old version.
 */
const sha = (c: string) => c.repeat(40);
const pod = 'mailer-5c7d9f8b6-q2w4e';

function frames(...lines: string[]): StackFrame[] {
  return lines.map((l) => parseStackFrame(l)).filter((f): f is StackFrame => f !== null);
}

function signature(type: string, lines: string[]) {
  const fs = frames(...lines);
  return { type, frames: fs, appFrame: fs.find((f) => f.app) };
}

describe('librariesOf', () => {
  it('names the library each ecosystem installs the throwing frame under', () => {
    expect(
      librariesOf(
        signature('Error', [
          '    at Query.run (/app/node_modules/@prisma/client/runtime/library.js:12:3)',
          '    at handler (/app/src/orders.js:40:9)',
        ]),
      ),
    ).toEqual(['@prisma/client']);
    expect(
      librariesOf(
        signature('KeyError', [
          '  File "/usr/local/lib/python3.12/site-packages/jwt/api_jwt.py", line 88, in decode',
          '  File "/app/auth.py", line 12, in check',
        ]),
      ),
    ).toEqual(['jwt']);
    expect(
      librariesOf(
        signature('panic', [
          '\t/go/pkg/mod/github.com/jackc/pgx/v5@v5.7.1/conn.go:210 +0x1d',
          '\t/app/store.go:42 +0x1d',
        ]),
      ),
    ).toEqual(['github.com/jackc/pgx/v5']);
    expect(
      librariesOf(
        signature('IllegalStateException', [
          '\tat org.apache.kafka.clients.producer.KafkaProducer.send(KafkaProducer.java:120)',
          '\tat com.shop.Orders.save(Orders.java:42)',
        ]),
      ),
    ).toEqual(['kafka']);
  });

  it('reads a library from an error class that names it, never from a generic one', () => {
    expect(librariesOf({ type: 'MongooseError', frames: [] })).toEqual(['mongoose']);
    expect(librariesOf({ type: 'sqlalchemy.exc.OperationalError', frames: [] })).toEqual(['sqlalchemy']);
    expect(librariesOf({ type: 'TypeError', frames: [] })).toEqual([]);
    expect(librariesOf({ type: 'ValidationError', frames: [] })).toEqual([]);
    expect(librariesOf({ type: 'java.lang.IllegalStateException', frames: [] })).toEqual([]);
  });

  it('reads the module a failed import names, and a package path in the message', () => {
    expect(
      librariesOf({
        type: 'ImportError',
        message:
          "cannot import name 'url_quote' from 'werkzeug.urls' (/usr/local/lib/python3.12/site-packages/werkzeug/urls.py)",
        frames: [],
      }),
    ).toEqual(['werkzeug']);
    expect(
      librariesOf({
        type: 'Error',
        message:
          'require() of ES Module /app/node_modules/node-fetch/src/index.js from /app/src/client.js not supported.',
        frames: [],
      }),
    ).toEqual(['node-fetch']);
  });

  it('ignores frames outside the stack between the throw and the application', () => {
    const s = signature('TypeError', [
      '    at render (/app/src/view.js:10:3)',
      '    at Layer.handle (/app/node_modules/express/lib/router/layer.js:95:5)',
    ]);
    expect(librariesOf(s)).toEqual([]);
  });
});

describe('dependencyLines', () => {
  it('quotes the old and new version lines of the library, in each manifest format', () => {
    expect(
      dependencyLines(
        '@@ -3,4 +3,4 @@\n   "dependencies": {\n-    "mongoose": "6.13.5",\n+    "mongoose": "7.8.3",\n     "pino": "9.5.0"',
        'mongoose',
      ),
    ).toEqual(['-    "mongoose": "6.13.5",', '+    "mongoose": "7.8.3",']);
    // A Python module (psycopg2) ships as a differently named distribution (psycopg2-binary).
    expect(
      dependencyLines(
        '@@ -1,2 +1,2 @@\n-psycopg2-binary==2.9.9\n+psycopg2-binary==2.9.10\n fastapi==0.115.5',
        'psycopg2',
      ),
    ).toEqual(['-psycopg2-binary==2.9.9', '+psycopg2-binary==2.9.10']);
    // pom.xml names the artifact on the line above the version.
    expect(
      dependencyLines(
        '@@ -20,3 +20,3 @@\n     <artifactId>postgresql</artifactId>\n-    <version>42.6.0</version>\n+    <version>42.7.4</version>',
        'postgresql',
      ),
    ).toEqual(['-    <version>42.6.0</version>', '+    <version>42.7.4</version>']);
    expect(
      dependencyLines(
        '@@ -5 +5 @@\n-\tgithub.com/jackc/pgx/v5 v5.6.0\n+\tgithub.com/jackc/pgx/v5 v5.7.1',
        'github.com/jackc/pgx/v5',
      ),
    ).toHaveLength(2);
  });

  it('does not take another package whose name merely contains the library', () => {
    expect(
      dependencyLines(
        '@@ -1,2 +1,2 @@\n-    "@types/mongoose": "5.11.0",\n+    "@types/mongoose": "5.11.1",',
        'mongoose',
      ),
    ).toEqual([]);
    expect(
      dependencyLines('@@ -1 +1 @@\n-    "mongoosex": "1.0.0",\n+    "mongoosex": "1.1.0",', 'mongoose'),
    ).toEqual([]);
  });
});

const TRACE = [
  '/app/node_modules/mongoose/lib/model.js:2127',
  "    throw new MongooseError('Model.find() no longer accepts a callback');",
  '          ^',
  '',
  'MongooseError: Model.find() no longer accepts a callback',
  '    at Function.find (/app/node_modules/mongoose/lib/model.js:2127:11)',
  '    at refresh (/app/src/cache.js:16:12)',
  '    at Timeout._onTimeout (/app/src/cache.js:31:5)',
  '    at listOnTimeout (node:internal/timers:594:17)',
  '',
  'Node.js v20.18.1',
].join('\n');

function cluster(bumped: string): FakeCluster {
  return {
    workloads: {
      mailer: {
        workload: { kind: 'Deployment', name: 'mailer' },
        pods: [
          {
            name: pod,
            ready: '0/1',
            restarts: 6,
            labels: { app: 'mailer' },
            containers: [
              running('mailer', {
                ready: false,
                state: 'waiting',
                reason: 'CrashLoopBackOff',
                restartCount: 6,
                lastTermination: { reason: 'Error', exitCode: 1 },
              }),
            ],
          },
        ],
      },
    },
    logs: { [pod]: 'listening on :3000\n', [`${pod}.previous`]: `listening on :3000\n${TRACE}\n` },
    repo: {
      'src/cache.js': [
        "const Template = require('./model');",
        ...Array.from({ length: 14 }, (_, i) => `// line ${i + 2}`),
        '  Template.find({ active: true }, (err, docs) => {',
      ].join('\n'),
    },
    commits: [
      {
        sha: sha('a'),
        message: 'release 3.2.0',
        date: '2026-12-01T10:00:00Z',
        files: [
          {
            path: 'deploy/deployment.yaml',
            patch: '@@ -1 +1 @@\n-    image: mailer:3.1.4\n+    image: mailer:3.2.0',
          },
        ],
      },
      {
        sha: sha('b'),
        message: `build(deps): bump ${bumped}`,
        date: '2026-11-30T04:00:00Z',
        files: [
          {
            path: 'package.json',
            patch: `@@ -9,4 +9,4 @@\n   "dependencies": {\n-    "${bumped}": "6.13.5",\n+    "${bumped}": "7.8.3",\n     "fastify": "4.28.1"`,
          },
          { path: 'package-lock.json', patch: '' },
        ],
      },
      {
        sha: sha('c'),
        message: 'cache: refresh templates every minute',
        date: '2026-11-25T09:00:00Z',
        files: [
          {
            path: 'src/cache.js',
            patch: '@@ -15,0 +16 @@\n+  Template.find({ active: true }, (err, docs) => {',
          },
        ],
      },
    ],
  };
}

describe('a crash inside a library that a recent commit upgraded', () => {
  it('names the upgrade commit first and quotes its version lines, keeping the failing code as suspect file', async () => {
    const ctx = engineContext(fakeTools(cluster('mongoose')), { service: 'mailer' });
    const f = await new OfflineEngine().diagnose(ctx);
    expect(f.status).toBe('diagnosed');
    expect(ctx.casebook.suspectCommits[0]?.sha).toBe(sha('b'));
    expect(ctx.casebook.suspectCommits.map((c) => c.sha)).not.toContain(sha('c'));
    expect(said(f)).toContain('"mongoose": "7.8.3"');
    expect(said(f)).toContain('from 6.13.5 to 7.8.3');
    expect(ctx.casebook.suspectFiles.map((s) => s.path)).toEqual(['src/cache.js', 'package.json']);
    expect(f.suggestedFix).toContain('pin mongoose back to 6.13.5 in package.json');
  });

  it('blames the last change to the failing code when the bump was to another library', async () => {
    const ctx = engineContext(fakeTools(cluster('pino')), { service: 'mailer' });
    const f = await new OfflineEngine().diagnose(ctx);
    expect(f.status).toBe('diagnosed');
    expect(ctx.casebook.suspectCommits.map((c) => c.sha)).not.toContain(sha('b'));
    expect(said(f)).not.toContain('upgraded');
  });
});

describe('a Python start-up failure after a transitive library moved a major version', () => {
  it('blames the requirements bump of the library the import names', async () => {
    const api = 'api-6d8f7c9b5-k2m4p';
    const trace = [
      'Traceback (most recent call last):',
      '  File "/app/main.py", line 3, in <module>',
      '    from flask import Flask',
      '  File "/usr/local/lib/python3.12/site-packages/flask/__init__.py", line 5, in <module>',
      '    from .app import Flask as Flask',
      '  File "/usr/local/lib/python3.12/site-packages/flask/app.py", line 30, in <module>',
      '    from werkzeug.urls import url_quote',
      "ImportError: cannot import name 'url_quote' from 'werkzeug.urls' (/usr/local/lib/python3.12/site-packages/werkzeug/urls.py)",
    ].join('\n');
    const ctx = engineContext(
      fakeTools({
        workloads: {
          api: {
            workload: { kind: 'Deployment', name: 'api' },
            pods: [
              {
                name: api,
                ready: '0/1',
                restarts: 4,
                containers: [
                  running('api', {
                    ready: false,
                    state: 'waiting',
                    reason: 'CrashLoopBackOff',
                    restartCount: 4,
                    lastTermination: { reason: 'Error', exitCode: 1 },
                  }),
                ],
              },
            ],
          },
        },
        logs: { [api]: trace, [`${api}.previous`]: trace },
        repo: { 'main.py': 'import os\n\nfrom flask import Flask\n' },
        commits: [
          {
            sha: sha('d'),
            message: 'deps: refresh pins',
            date: '2026-11-30T03:00:00Z',
            files: [
              {
                path: 'requirements.txt',
                patch:
                  '@@ -1,3 +1,3 @@\n Flask==2.2.5\n-Werkzeug==2.3.8\n+Werkzeug==3.0.1\n gunicorn==22.0.0',
              },
            ],
          },
          {
            sha: sha('e'),
            message: 'main: app factory',
            date: '2026-11-20T10:00:00Z',
            files: [{ path: 'main.py', patch: '@@ -2,0 +3 @@\n+from flask import Flask' }],
          },
        ],
      }),
      { service: 'api' },
    );
    const f = await new OfflineEngine().diagnose(ctx);
    expect(ctx.casebook.suspectCommits[0]?.sha).toBe(sha('d'));
    expect(said(f)).toContain('+ Werkzeug==3.0.1');
    expect(said(f)).toContain('from 2.3.8 to 3.0.1');
  });
});

describe('a .NET crash inside a package that a framework bump brought in', () => {
  it('blames the project-file bump whose message names the package, quoting the bumped lines', async () => {
    const api = 'claims-7d8e9f6a5-r2t4y';
    const log = [
      'Unhandled exception. Microsoft.Data.SqlClient.SqlException (0x80131904): A connection was successfully established with the server, but then an error occurred during the pre-login handshake. (provider: TCP Provider, error: 35 - An internal exception was caught) ---> System.Security.Authentication.AuthenticationException: The remote certificate was rejected by the provided RemoteCertificateValidationCallback.',
      '   at Microsoft.Data.SqlClient.SqlInternalConnection.OnError(SqlException exception, Boolean breakConnection)',
      '   at Claims.Api.Program.Main(String[] args) in /src/Claims.Api/Program.cs:line 30',
    ].join('\n');
    const ctx = engineContext(
      fakeTools({
        workloads: {
          claims: {
            workload: { kind: 'Deployment', name: 'claims' },
            pods: [
              {
                name: api,
                ready: '0/1',
                restarts: 5,
                containers: [
                  running('claims', {
                    ready: false,
                    state: 'waiting',
                    reason: 'CrashLoopBackOff',
                    restartCount: 5,
                    lastTermination: { reason: 'Error', exitCode: 134 },
                  }),
                ],
              },
            ],
          },
        },
        logs: { [api]: log, [`${api}.previous`]: log },
        commits: [
          {
            sha: sha('f'),
            message:
              'Move to EF Core 8\n\nEF Core 6 is out of support; 8.0 depends on Microsoft.Data.SqlClient 5.1 instead of 2.1.',
            date: '2026-11-30T03:00:00Z',
            files: [
              {
                path: 'src/Claims.Api/Claims.Api.csproj',
                patch:
                  '@@ -8,3 +8,3 @@\n   <ItemGroup>\n-    <PackageReference Include="Microsoft.EntityFrameworkCore.SqlServer" Version="6.0.25" />\n+    <PackageReference Include="Microsoft.EntityFrameworkCore.SqlServer" Version="8.0.11" />',
              },
            ],
          },
          {
            sha: sha('g'),
            message: 'docs: runbook',
            date: '2026-11-30T05:00:00Z',
            files: [{ path: 'docs/runbook.md', patch: '@@ -1 +1 @@\n-old\n+new' }],
          },
        ],
      }),
      { service: 'claims' },
    );
    const f = await new OfflineEngine().diagnose(ctx);
    expect(f.status).toBe('diagnosed');
    expect(ctx.casebook.suspectCommits[0]?.sha).toBe(sha('f'));
    expect(ctx.casebook.suspectFiles.map((s) => s.path)).toContain('src/Claims.Api/Claims.Api.csproj');
    expect(said(f)).toContain('Version="8.0.11"');
    expect(said(f)).toContain('The remote certificate was rejected');
  });
});
