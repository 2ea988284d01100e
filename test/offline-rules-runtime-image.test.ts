import { describe, expect, it } from 'vitest';

import { OfflineEngine } from '../src/llm/offline/engine.js';
import { javaOfImage, javaRelease } from '../src/llm/offline/rules/runtime-image.js';
import { engineContext, fakeTools, running, said, type FakeCluster } from './helpers/offline-fakes.js';

/**
 * Principle: an error the image's runtime environment raises (an untrusted certificate authority,
 * class files newer than the JVM, a glibc symbol the image lacks) is not the code's fault; the
 * change to blame is the one to the image build (its FROM lines, its CA bundle) or to the build's
 * target, even when a newer commit touched the code.
 */
const unrelated = {
  sha: 'aaaa1111aaaa1111aaaa1111aaaa1111aaaa1111',
  message: 'billing: round totals half-even',
  date: '2026-12-01T10:00:00Z',
  files: [
    {
      path: 'app/totals.py',
      patch: '@@ -3,1 +3,1 @@\n-    return round(x, 2)\n+    return Decimal(x).quantize(CENT)',
    },
  ],
};

function crashing(name: string, exitCode = 1) {
  return {
    name,
    image: `registry.example/${name}:2.0`,
    ready: false,
    restartCount: 6,
    state: 'waiting',
    reason: 'CrashLoopBackOff',
    message: `back-off 2m40s restarting failed container=${name}`,
    lastTermination: { reason: 'Error', exitCode, finishedAt: '2026-12-01T11:58:00Z' },
  };
}

describe('outbound TLS without the CA bundle', () => {
  const pod = 'invoicer-6b7c8d9e0f-q2w3e';
  const line = (host: string) =>
    `2026-12-01T11:5${host.length % 10}:00Z ERROR sync failed: HTTPSConnectionPool(host='${host}', port=443): Max retries exceeded (Caused by SSLError(SSLCertVerificationError(1, '[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: unable to get local issuer certificate (_ssl.c:1006)')))`;
  const base: FakeCluster = {
    workloads: {
      invoicer: {
        workload: { kind: 'Deployment', name: 'invoicer' },
        pods: [{ name: pod, containers: [running('invoicer')] }],
      },
    },
    logs: { [pod]: `${line('api.taxes.example')}\n${line('ledger.partner.example')}\n`.repeat(4) },
  };
  const imageCommit = {
    sha: 'bbbb2222bbbb2222bbbb2222bbbb2222bbbb2222',
    message: 'image: trim apt packages',
    date: '2026-11-30T09:00:00Z',
    files: [
      {
        path: 'docker/Dockerfile',
        patch:
          '@@ -1,6 +1,5 @@\n FROM debian:bookworm-slim\n RUN apt-get update \\\n-    && apt-get install -y --no-install-recommends python3 ca-certificates \\\n+    && apt-get install -y --no-install-recommends python3 \\\n     && rm -rf /var/lib/apt/lists/*',
      },
    ],
  };

  it('blames the image change that dropped ca-certificates, not the newer code commit', async () => {
    const cluster: FakeCluster = {
      ...base,
      commits: [unrelated, imageCommit],
      repo: {
        'docker/Dockerfile':
          'FROM debian:bookworm-slim\nRUN apt-get install -y python3\nCMD ["python3","-m","invoicer"]\n',
      },
    };
    const ctx = engineContext(fakeTools(cluster), { service: 'invoicer' });
    const findings = await new OfflineEngine().diagnose(ctx);
    expect(findings.status).toBe('diagnosed');
    expect(said(findings)).toMatch(/CA bundle|root certificates/);
    expect(said(findings)).toContain('Calls to 2 different hosts fail alike');
    expect(ctx.casebook.suspectCommits[0]?.sha).toBe(imageCommit.sha);
    expect(ctx.casebook.suspectFiles[0]?.path).toBe('docker/Dockerfile');
    expect(ctx.casebook.evidence[0]?.detail).toContain('CERTIFICATE_VERIFY_FAILED');
    expect(findings.suggestedFix).toMatch(/ca-certificates/);
    expect(findings.suggestedFix).not.toMatch(/verify=False|disable verification/i);
  });

  it('without an image change, says the server may use a CA the pods do not trust and blames no build', async () => {
    const ctx = engineContext(fakeTools({ ...base, commits: [unrelated] }), { service: 'invoicer' });
    const findings = await new OfflineEngine().diagnose(ctx);
    expect(findings.status).toBe('diagnosed');
    expect(said(findings)).toMatch(/private CA/);
    expect(ctx.casebook.suspectCommits.map((c) => c.sha)).not.toContain(imageCommit.sha);
  });

  it('leaves an expired certificate to the expiry rule', async () => {
    const expired = `2026-12-01T11:58:00Z ERROR fetch failed: x509: certificate has expired or is not yet valid: current time 2026-12-01T11:58:00Z is after 2026-11-30T00:00:00Z\n`;
    const ctx = engineContext(
      fakeTools({ ...base, logs: { [pod]: expired.repeat(5) }, commits: [imageCommit] }),
      {
        service: 'invoicer',
      },
    );
    const findings = await new OfflineEngine().diagnose(ctx);
    expect(said(findings)).not.toMatch(/CA bundle/);
    expect(said(findings)).toMatch(/expired/);
  });
});

describe('class files newer than the runtime image JVM', () => {
  const pod = 'ledger-7d8e9f0a1b-z9x8c';
  const log =
    'Error: LinkageError occurred while loading main class io.acme.ledger.Main\n\tjava.lang.UnsupportedClassVersionError: io/acme/ledger/Main has been compiled by a more recent version of the Java Runtime (class file version 67.0), this version of the Java Runtime only recognizes class file versions up to 55.0\n';
  const targetBump = {
    sha: 'cccc3333cccc3333cccc3333cccc3333cccc3333',
    message: 'build: move to Java 23',
    date: '2026-11-29T08:00:00Z',
    files: [
      {
        path: 'pom.xml',
        patch:
          '@@ -12,3 +12,3 @@\n   <properties>\n-    <maven.compiler.release>11</maven.compiler.release>\n+    <maven.compiler.release>23</maven.compiler.release>\n   </properties>',
      },
    ],
  };
  const cluster: FakeCluster = {
    workloads: {
      ledger: {
        workload: { kind: 'Deployment', name: 'ledger' },
        pods: [{ name: pod, phase: 'Running', ready: '0/1', restarts: 6, containers: [crashing('ledger')] }],
      },
    },
    logs: { [pod]: log, [`${pod}.previous`]: log },
    commits: [unrelated, targetBump],
    repo: {
      Dockerfile:
        'FROM maven:3-eclipse-temurin-23 AS build\nRUN mvn package\nFROM openjdk:11-jre-slim\nCOPY --from=build /src/target/app.jar /app.jar\n',
    },
  };

  it('maps class file versions to Java releases and blames the commit that raised the build target', async () => {
    const ctx = engineContext(fakeTools(cluster), { service: 'ledger' });
    const findings = await new OfflineEngine().diagnose(ctx);
    expect(findings.status).toBe('diagnosed');
    expect(said(findings)).toContain('Java 23');
    expect(said(findings)).toContain('Java 11');
    expect(ctx.casebook.suspectCommits[0]?.sha).toBe(targetBump.sha);
    expect(ctx.casebook.suspectFiles[0]?.path).toBe('pom.xml');
    expect(ctx.casebook.evidence[0]?.source).toBe('logs');
  });

  it('reads Java releases from class versions and image tags', () => {
    expect(javaRelease(52)).toBe(8);
    expect(javaRelease(65)).toBe(21);
    expect(javaOfImage('eclipse-temurin:17-jre-alpine')).toBe(17);
    expect(javaOfImage('gradle:8.11-jdk21')).toBe(21);
    expect(javaOfImage('gcr.io/distroless/java21-debian12')).toBe(21);
    expect(javaOfImage('amazoncorretto:11')).toBe(11);
    expect(javaOfImage('node:20-alpine')).toBeUndefined();
  });
});

describe('a binary linked against a newer glibc than the runtime image has', () => {
  const pod = 'router-5f6a7b8c9d-k1l2m';
  const log =
    "/usr/local/bin/router: /lib/x86_64-linux-gnu/libc.so.6: version `GLIBC_2.34' not found (required by /usr/local/bin/router)\n";
  const builderBump = {
    sha: 'dddd4444dddd4444dddd4444dddd4444dddd4444',
    message: 'ci: newer toolchain',
    date: '2026-11-30T12:00:00Z',
    files: [
      {
        path: 'Dockerfile',
        patch:
          '@@ -1,3 +1,3 @@\n-FROM rust:1.70-bullseye AS builder\n+FROM rust:1.82-bookworm AS builder\n WORKDIR /src\n RUN cargo build --release',
      },
    ],
  };
  const cluster: FakeCluster = {
    workloads: {
      router: {
        workload: { kind: 'Deployment', name: 'router' },
        pods: [{ name: pod, phase: 'Running', ready: '0/1', restarts: 6, containers: [crashing('router')] }],
      },
    },
    logs: { [pod]: log, [`${pod}.previous`]: log },
    commits: [unrelated, builderBump],
    repo: {
      Dockerfile:
        'FROM rust:1.82-bookworm AS builder\nWORKDIR /src\nRUN cargo build --release\nFROM debian:bullseye-slim\nCOPY --from=builder /src/target/release/router /usr/local/bin/router\n',
    },
  };

  it('blames the build-stage base image change', async () => {
    const ctx = engineContext(fakeTools(cluster), { service: 'router' });
    const findings = await new OfflineEngine().diagnose(ctx);
    expect(findings.status).toBe('diagnosed');
    expect(said(findings)).toContain('GLIBC_2.34');
    expect(said(findings)).toContain('rust:1.82-bookworm');
    expect(ctx.casebook.suspectCommits[0]?.sha).toBe(builderBump.sha);
    expect(ctx.casebook.suspectFiles[0]?.path).toBe('Dockerfile');
  });
});

describe('a glibc-linked binary moved onto an image without glibc', () => {
  const pod = 'indexer-4e5f6a7b8c-h7j8k';
  const log = 'exec /usr/local/bin/indexer: no such file or directory\n';
  const cluster = (commits: FakeCluster['commits']): FakeCluster => ({
    workloads: {
      indexer: {
        workload: { kind: 'Deployment', name: 'indexer' },
        pods: [{ name: pod, phase: 'Running', ready: '0/1', restarts: 6, containers: [crashing('indexer')] }],
      },
    },
    logs: { [pod]: log, [`${pod}.previous`]: log },
    commits,
  });
  const slimmer = {
    sha: '2222888822228888222288882222888822228888',
    message: 'smaller runtime image',
    date: '2026-11-30T14:00:00Z',
    files: [
      {
        path: 'build/indexer.Dockerfile',
        patch:
          '@@ -6,3 +6,3 @@\n RUN go build -o /out/indexer ./cmd/indexer\n-FROM debian:bookworm-slim\n+FROM alpine:3.20\n COPY --from=build /out/indexer /usr/local/bin/indexer',
      },
    ],
  };

  it('blames the move to the glibc-less image, not a missing file', async () => {
    const ctx = engineContext(fakeTools(cluster([unrelated, slimmer])), { service: 'indexer' });
    const findings = await new OfflineEngine().diagnose(ctx);
    expect(findings.status).toBe('diagnosed');
    expect(said(findings)).toMatch(/glibc/);
    expect(ctx.casebook.suspectCommits[0]?.sha).toBe(slimmer.sha);
    expect(ctx.casebook.suspectFiles[0]?.path).toBe('build/indexer.Dockerfile');
  });

  it('without such a move, leaves the missing executable to the command rule', async () => {
    const ctx = engineContext(fakeTools(cluster([unrelated])), { service: 'indexer' });
    const findings = await new OfflineEngine().diagnose(ctx);
    expect(said(findings)).not.toMatch(/glibc/);
    expect(said(findings)).toMatch(/does not exist in the image/);
  });
});

describe('a .NET app targeting a framework the runtime image lacks', () => {
  const pod = 'billing-api-8a9b0c1d2e-n3m4b';
  const log = [
    'You must install or update .NET to run this application.',
    '',
    'App: /app/Billing.Api.dll',
    'Architecture: x64',
    "Framework: 'Microsoft.AspNetCore.App', version '8.0.0' (x64)",
    '.NET location: /usr/share/dotnet/',
    '',
    'The following frameworks were found:',
    '  6.0.25 at [/usr/share/dotnet/shared/Microsoft.AspNetCore.App]',
    '',
  ].join('\n');
  const retarget = {
    sha: '3333999933339999333399993333999933339999',
    message: 'Billing.Api: target .NET 8',
    date: '2026-11-30T08:00:00Z',
    files: [
      {
        path: 'src/Billing.Api/Billing.Api.csproj',
        patch:
          '@@ -2,3 +2,3 @@\n   <PropertyGroup>\n-    <TargetFramework>net6.0</TargetFramework>\n+    <TargetFramework>net8.0</TargetFramework>\n   </PropertyGroup>',
      },
    ],
  };
  const cluster: FakeCluster = {
    workloads: {
      'billing-api': {
        workload: { kind: 'Deployment', name: 'billing-api' },
        pods: [
          {
            name: pod,
            phase: 'Running',
            ready: '0/1',
            restarts: 6,
            containers: [crashing('billing-api', 150)],
          },
        ],
      },
    },
    logs: { [pod]: log, [`${pod}.previous`]: log },
    commits: [unrelated, retarget],
  };

  it('names both versions and the commit that raised the target framework', async () => {
    const ctx = engineContext(fakeTools(cluster), { service: 'billing-api' });
    const findings = await new OfflineEngine().diagnose(ctx);
    expect(findings.status).toBe('diagnosed');
    expect(said(findings)).toContain('.NET 8');
    expect(said(findings)).toContain('6.x');
    expect(ctx.casebook.suspectCommits[0]?.sha).toBe(retarget.sha);
    expect(ctx.casebook.suspectFiles[0]?.path).toBe('src/Billing.Api/Billing.Api.csproj');
  });
});
