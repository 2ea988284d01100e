import { describe, expect, it } from 'vitest';

import { OfflineEngine } from '../src/llm/offline/engine.js';
import { podProblems } from '../src/llm/offline/pod-findings.js';
import type { ServiceFacts } from '../src/llm/offline/facts.js';
import { findBaseImageChange, nativeCrashes } from '../src/llm/offline/rules/native-crash.js';
import { engineContext, fakeTools, running, said, type FakeCluster } from './helpers/offline-fakes.js';

/**
 * Principle: a container killed by a signal its own native code raised (exit code 128 + SIGSEGV,
 * SIGILL, SIGBUS, SIGFPE; SIGABRT with a crash line) has no language-level error to follow: the
 * change behind it lies beneath the code — the upgrade of the library whose native code crashed,
 * else the base image (a Dockerfile `FROM` line) or the system packages the image installs.
 */
const sha = (c: string) => c.repeat(40);
const pod = 'ingest-6f8b9c5d47-q4lzn';

const FAULTHANDLER = [
  '{"level": "info", "msg": "opening database pool"}',
  'Fatal Python error: Segmentation fault',
  '',
  'Current thread 0x00007f9a0d6a1b80 (most recent call first):',
  '  File "/usr/local/lib/python3.12/site-packages/psycopg2/__init__.py", line 122 in connect',
  '  File "/app/ingest/db.py", line 31 in open_pool',
  '  File "/app/ingest/main.py", line 38 in lifespan',
].join('\n');

function crashing(
  exitCode: number,
  logs: Record<string, string>,
  commits: FakeCluster['commits'],
): FakeCluster {
  return {
    workloads: {
      ingest: {
        workload: { kind: 'Deployment', name: 'ingest' },
        pods: [
          {
            name: pod,
            ready: '0/1',
            restarts: 8,
            labels: { app: 'ingest' },
            containers: [
              running('ingest', {
                ready: false,
                state: 'waiting',
                reason: 'CrashLoopBackOff',
                restartCount: 8,
                lastTermination: { reason: 'Error', exitCode },
              }),
            ],
          },
        ],
      },
    },
    logs,
    commits,
  };
}

const release = {
  sha: sha('a'),
  message: 'release 4.12.0',
  date: '2026-12-01T09:00:00Z',
  files: [{ path: 'ingest/main.py', patch: '@@ -1 +1 @@\n-VERSION = "4.11.3"\n+VERSION = "4.12.0"' }],
};
const baseImage = {
  sha: sha('b'),
  message: 'build: newer base image',
  date: '2026-11-30T16:00:00Z',
  files: [
    {
      path: 'Dockerfile',
      patch:
        '@@ -1,4 +1,4 @@\n # syntax=docker/dockerfile:1.7\n-FROM python:3.12-slim-bookworm AS base\n+FROM python:3.12-slim-trixie AS base\n ENV PYTHONUNBUFFERED=1',
    },
  ],
};

describe('findBaseImageChange', () => {
  it("reads the last stage's base image, old and new, past build flags", () => {
    const change = findBaseImageChange([
      {
        sha: sha('1'),
        files: [
          {
            path: 'build/Dockerfile.prod',
            patch: [
              '@@ -1,6 +1,6 @@',
              '-FROM golang:1.22 AS build',
              '+FROM golang:1.23 AS build',
              ' RUN go build ./...',
              '-FROM --platform=$TARGETPLATFORM gcr.io/distroless/base-debian11',
              '+FROM --platform=$TARGETPLATFORM gcr.io/distroless/base-debian12',
            ].join('\n'),
          },
        ],
      },
    ]);
    expect(change?.what).toBe('base image');
    expect(change?.from).toBe('gcr.io/distroless/base-debian11');
    expect(change?.to).toBe('gcr.io/distroless/base-debian12');
  });

  it('falls back to changed system packages, and ignores a Dockerfile change that leaves both alone', () => {
    expect(
      findBaseImageChange([
        {
          sha: sha('2'),
          files: [{ path: 'Dockerfile', patch: '@@ -3 +3 @@\n-EXPOSE 8080\n+EXPOSE 8081' }],
        },
      ]),
    ).toBeNull();
    expect(
      findBaseImageChange([
        {
          sha: sha('3'),
          files: [
            {
              path: 'Dockerfile',
              patch: '@@ -3 +3 @@\n-RUN apt-get install -y libvips42\n+RUN apt-get install -y libvips-dev',
            },
          ],
        },
      ])?.what,
    ).toBe('system packages');
  });
});

describe('a native crash after the image beneath the code changed', () => {
  it('names the segfault, the Dockerfile and the commit that changed the base image', async () => {
    const ctx = engineContext(
      fakeTools(
        crashing(139, { [pod]: FAULTHANDLER, [`${pod}.previous`]: FAULTHANDLER }, [release, baseImage]),
      ),
      { service: 'ingest' },
    );
    const f = await new OfflineEngine().diagnose(ctx);
    expect(f.status).toBe('diagnosed');
    expect(said(f)).toContain('segmentation fault (SIGSEGV)');
    expect(said(f)).toContain('inside psycopg2');
    expect(said(f)).toMatch(/base image.*python:3\.12-slim-bookworm.*python:3\.12-slim-trixie/);
    expect(ctx.casebook.suspectCommits[0]?.sha).toBe(sha('b'));
    expect(ctx.casebook.suspectFiles[0]?.path).toBe('Dockerfile');
    expect(f.suggestedFix).toContain('Pin the base image back to python:3.12-slim-bookworm');
  });

  it('prefers the upgrade of the library whose native code crashed over the base image', async () => {
    const bump = {
      sha: sha('c'),
      message: 'deps: psycopg2-binary 2.9.10',
      date: '2026-11-29T03:00:00Z',
      files: [
        { path: 'requirements.txt', patch: '@@ -1 +1 @@\n-psycopg2-binary==2.9.9\n+psycopg2-binary==2.9.10' },
      ],
    };
    const ctx = engineContext(
      fakeTools(crashing(139, { [pod]: FAULTHANDLER, [`${pod}.previous`]: FAULTHANDLER }, [release, bump])),
      { service: 'ingest' },
    );
    const f = await new OfflineEngine().diagnose(ctx);
    expect(ctx.casebook.suspectCommits[0]?.sha).toBe(sha('c'));
    expect(said(f)).toContain('psycopg2-binary==2.9.10');
  });

  it('reads a bare exit code 139 as a segmentation fault when no log can be read', async () => {
    const ctx = engineContext(fakeTools(crashing(139, {}, [])), { service: 'ingest' });
    const f = await new OfflineEngine().diagnose(ctx);
    expect(f.status).toBe('diagnosed');
    expect(said(f)).toContain('exit code 139, segmentation fault (SIGSEGV)');
  });

  it('shows exit code 139 in a pod overview as a segmentation fault', () => {
    const [restart] = podProblems({
      name: pod,
      labels: {},
      conditions: [],
      containers: [{ name: 'ingest', restartCount: 3, lastTermination: { reason: 'Error', exitCode: 139 } }],
    });
    expect(restart?.detail).toContain('exit code 139: segmentation fault (SIGSEGV)');
  });

  it('leaves a segfault hours ago in a container that has run ready since to other rules', () => {
    const container = (ready: boolean, finishedAt: string) => ({
      name: 'ingest',
      ready,
      state: 'running',
      restartCount: 1,
      lastTermination: { reason: 'Error', exitCode: 139, finishedAt },
    });
    const facts = (c: ReturnType<typeof container>) =>
      ({
        listing: { workload: null, pods: [{ name: pod, labels: {}, conditions: [], containers: [c] }] },
        logs: [],
      }) as unknown as ServiceFacts;
    const now = new Date('2026-12-01T12:00:00Z');
    expect(nativeCrashes(facts(container(true, '2026-11-30T08:00:00Z')), now)).toEqual([]);
    expect(nativeCrashes(facts(container(true, '2026-12-01T11:50:00Z')), now)).toHaveLength(1);
    expect(nativeCrashes(facts(container(false, '2026-11-30T08:00:00Z')), now)).toHaveLength(1);
  });

  it("does not take a Go nil-pointer panic or Node's heap-limit abort for a native crash", async () => {
    const goPanic = [
      'panic: runtime error: invalid memory address or nil pointer dereference',
      '[signal SIGSEGV: segmentation violation code=0x1 addr=0x58 pc=0xb7e2d4]',
      '',
      'goroutine 1 [running]:',
      'main.quote(...)',
      '\t/app/main.go:109 +0x1d',
    ].join('\n');
    const go = engineContext(
      fakeTools(crashing(2, { [pod]: goPanic, [`${pod}.previous`]: goPanic }, [release, baseImage])),
      { service: 'ingest' },
    );
    const g = await new OfflineEngine().diagnose(go);
    expect(said(g)).not.toContain('native code');
    expect(go.casebook.suspectCommits.map((c) => c.sha)).not.toContain(sha('b'));

    const heap =
      'FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory\n 1: 0xb090e0 node::Abort() [node]\n';
    const node = engineContext(
      fakeTools(crashing(134, { [pod]: heap, [`${pod}.previous`]: heap }, [release, baseImage])),
      { service: 'ingest' },
    );
    const n = await new OfflineEngine().diagnose(node);
    expect(said(n)).not.toContain('native code');
  });
});
