import { describe, expect, it } from 'vitest';
import { faultReasons, toolFault } from '../src/agent/tool-faults.js';

const failed = (text: string) => ({ ok: false, text, error: text.split('\n')[0], durationMs: 1 });

describe('which failed reads are faults', () => {
  it.each([
    [
      'kubernetes__get_pod_logs',
      { pod: 'cart-1', container: 'server' },
      'Could not read logs of pod/cart-1 container=server: Kubernetes API answered 500: etcd timeout.',
      'logs of pod cart-1 container server',
    ],
    [
      'kubernetes__list_pods',
      { service: 'cart' },
      'Tool call failed: timed out or was cancelled: Request timed out',
      'the pods of cart',
    ],
    [
      'github__get_file_contents',
      { path: 'src/a.go' },
      'Could not read src/a.go: GitHub API answered 404 for the repository acme/shop: it does not exist, or the token cannot see it',
      'file src/a.go of the repository',
    ],
    [
      'github__list_commits',
      {},
      'Could not list commits of acme/shop: GitHub rate limit exceeded (403); it resets at 2026-12-01T00:00:00.000Z',
      'commits of the repository',
    ],
    [
      'kubernetes__list_events',
      { namespace: 'shop' },
      "Refused: server 'kubernetes' stopped during the run (fatal error)",
      'events of namespace shop',
    ],
    [
      'kubernetes__get_resources@resources',
      { kind: 'ConfigMap', namespace: 'shop' },
      'Kubernetes API unreachable: connect ECONNREFUSED',
      'ConfigMap objects in namespace shop',
    ],
  ])('%s failing with a broken API is a gap: %s', (name, args, text, what) => {
    expect(toolFault(name, args, failed(text))).toEqual({
      server: name.split('__')[0],
      what,
      why: text.split('\n')[0],
    });
  });

  it.each([
    ["pod 'cart-9' not found in namespace 'default'. Pods there: cart-1"],
    ["'src/b.go' not found in acme/shop at main; try search_code to find the right path."],
    ['Could not read pod/x: Kubernetes API answered 404: pods "x" not found'],
    ["Refused: namespace 'prod' is outside the allowed namespaces (default)"],
    ["Refused: 'slack__slack_post_message' is withheld: its name says it writes ('post')"],
  ])('an answer or a guard is not a fault: %s', (text) => {
    expect(toolFault('kubernetes__get_pod_logs', { pod: 'x' }, failed(text))).toBeNull();
  });

  it('summarises faults as one degraded reason per failure, naming what it kept from being read', () => {
    const why = 'Kubernetes API answered 500: etcd timeout';
    expect(
      faultReasons([
        { server: 'kubernetes', what: 'logs of pod a', why },
        { server: 'kubernetes', what: 'logs of pod b', why },
        { server: 'github', what: 'commits of the repository', why: 'GitHub rate limit exceeded (403)' },
      ]),
    ).toEqual([
      `could not read logs of pod a; logs of pod b: ${why}`,
      'could not read commits of the repository: GitHub rate limit exceeded (403)',
    ]);
  });
});
