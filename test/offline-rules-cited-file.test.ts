import { describe, expect, it } from 'vitest';

import { addedLineAt, filesCitedIn } from '../src/llm/offline/rules/cited-files.js';
import { failureOf, hostsIn } from '../src/llm/offline/targets.js';
import { UNREACHABLE } from '../src/llm/offline/rules/signals.js';

/**
 * Principle: an error that names a configuration file and a line ties the failure to the commit
 * that changed that line, whatever directory the file is mounted in; a refused connection is one
 * in every runtime's wording.
 */
describe('a file named in an error', () => {
  it('is found by base name, with its line, in the wordings config loaders use', () => {
    expect(filesCitedIn('ERROR syntax error in configuration (/etc/pooler/pooler.ini:17), stopping')).toEqual(
      [{ name: 'pooler.ini', line: 17 }],
    );
    expect(filesCitedIn('yaml: while parsing /config/rules.yaml line 4: mapping values')).toEqual([
      { name: 'rules.yaml', line: 4 },
    ]);
    expect(filesCitedIn('loading /app/flags.env failed')).toEqual([{ name: 'flags.env' }]);
    // HAProxy puts the file and line in brackets.
    expect(
      filesCitedIn("config : parsing [/usr/local/etc/haproxy/haproxy.cfg:15] : unknown keyword 'timout'"),
    ).toEqual([{ name: 'haproxy.cfg', line: 15 }]);
    // Source files come from stack frames, hosts from call targets: neither is a cited data file.
    expect(filesCitedIn('at com.acme.Cart(src/main/Cart.java:12) calling http://api.example.com/x')).toEqual(
      [],
    );
  });

  it('picks the added line at that line of the new file', () => {
    const patch = [
      '@@ -14,3 +14,4 @@ [pgbouncer]',
      ' pool_mode = transaction',
      ' default_pool_size = 20',
      ' max_client_conn = 500',
      '+max_db_connections 80',
    ].join('\n');
    expect(addedLineAt(patch, 17)).toBe('+max_db_connections 80');
    expect(addedLineAt(patch, 16)).toBeUndefined();
  });
});

describe('a refused connection', () => {
  it('is recognised in the JDBC and .NET wordings, with its host', () => {
    const jdbc =
      'org.postgresql.util.PSQLException: Connection to pooler.shop.svc.cluster.local:6432 refused.';
    expect(UNREACHABLE.test(jdbc)).toBe(true);
    expect(failureOf(jdbc)).toBe('refused');
    expect(hostsIn(jdbc)).toEqual([{ host: 'pooler.shop.svc.cluster.local', port: '6432' }]);
    expect(
      failureOf('No connection could be made because the target machine actively refused it. (orders:5432)'),
    ).toBe('refused');
  });
});
