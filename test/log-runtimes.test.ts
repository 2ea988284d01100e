import { describe, expect, it } from 'vitest';

import { analyzeLog } from '../src/llm/offline/log-analysis.js';
import { failureOf, hostsIn } from '../src/llm/offline/targets.js';

/**
 * Principle: crash output is read in every runtime's own shape, and a name-resolution failure
 * yields the host that did not resolve, never a word of the sentence around it.
 */
describe('crash output of other runtimes', () => {
  it('reads a Rust panic (message on the next line) with its source location', () => {
    const [s] = analyzeLog(
      "thread 'main' panicked at src/config.rs:14:37:\ncalled `Result::unwrap()` on an `Err` value: ParseIntError { kind: InvalidDigit }\nnote: run with `RUST_BACKTRACE=1` environment variable to display a backtrace\n",
    ).signatures;
    expect(s).toMatchObject({ kind: 'exception', type: 'ParseIntError' });
    expect(s?.message).toContain('InvalidDigit');
    expect(s?.appFrame).toMatchObject({ file: 'src/config.rs', line: 14, app: true });
  });

  it('reads the older one-line Rust panic', () => {
    const [s] = analyzeLog("thread 'main' panicked at 'RATE must be a number', src/main.rs:9:5\n").signatures;
    expect(s).toMatchObject({ kind: 'exception', type: 'panic', message: 'RATE must be a number' });
    expect(s?.appFrame?.file).toBe('src/main.rs');
  });
});

describe('hosts in name-resolution failures', () => {
  it.each([
    [
      "io.netty.resolver.dns.DnsResolveContext$SearchDomainUnknownHostException: Failed to resolve 'inventory-api' [A(1)] after 2 queries",
      'inventory-api',
    ],
    [
      "reactor.netty.http.client.PrematureCloseException Failed to resolve 'orders-db.shop.svc.cluster.local'",
      'orders-db.shop.svc.cluster.local',
    ],
    ['dial tcp: lookup payments on 10.96.0.10:53: no such host', 'payments'],
    ['getaddrinfo ENOTFOUND redis-master', 'redis-master'],
    ['java.net.UnknownHostException: ledger-db: Name or service not known', 'ledger-db'],
  ])('%s → %s', (line, host) => {
    expect(hostsIn(line).map((h) => h.host)).toEqual([host]);
    expect(failureOf(line)).toBe('dns-missing');
  });

  it('takes no word of the sentence for a host', () => {
    expect(hostsIn('java.net.UnknownHostException: failed to resolve the name')).toEqual([]);
  });
});
