import { describe, expect, it } from 'vitest';

import { DNS_SERVER_REFUSED, failureOf } from '../src/llm/offline/targets.js';

/**
 * Principle: a lookup the cluster DNS Service refuses (rather than times out) means the Service
 * has no ready pod: the DNS pods are down, whatever name the caller looked up.
 */
describe('lookups refused by the DNS server', () => {
  const refused =
    'dial tcp: lookup billing.shop.svc.cluster.local on 10.96.0.10:53: read udp 10.1.2.3:40000->10.96.0.10:53: read: connection refused';

  it('are a DNS failure, not a refused call to the service looked up', () => {
    expect(failureOf(refused)).toBe('dns-timeout');
    expect(DNS_SERVER_REFUSED.test(refused)).toBe(true);
  });

  it('are told apart from lookups that time out and from a refused call to the service itself', () => {
    const timeout =
      'dial tcp: lookup billing on 10.96.0.10:53: read udp 10.1.2.3:40000->10.96.0.10:53: i/o timeout';
    expect(failureOf(timeout)).toBe('dns-timeout');
    expect(DNS_SERVER_REFUSED.test(timeout)).toBe(false);
    const direct = 'dial tcp 10.100.4.7:8080: connect: connection refused';
    expect(failureOf(direct)).toBe('refused');
    expect(DNS_SERVER_REFUSED.test(direct)).toBe(false);
  });
});
