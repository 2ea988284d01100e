import { describe, expect, it } from 'vitest';

import { analyzeLog } from '../src/llm/offline/log-analysis.js';
import type { PodLog } from '../src/llm/offline/facts.js';
import { serverErrors } from '../src/llm/offline/server-errors.js';

/** Principle: a service whose recent requests end in 5xx is not healthy, whatever else its logs say. */
function log(lines: string[], pod = 'web-1'): PodLog {
  const text = lines.join('\n');
  return { pod, previous: false, text, analysis: analyzeLog(text) };
}
const ok = (i: number) =>
  `127.0.0.1 - - [01/Dec/2026:10:00:${String(i % 60).padStart(2, '0')} +0000] "GET /a HTTP/1.1" 200 512`;

describe('serverErrors', () => {
  it('counts 5xx answers among the recent requests in each request-log shape', () => {
    for (const failed of [
      'time=2026-12-01T10:00:00Z level=info msg=request path=/pay status=502 dur=3ms',
      '{"level":"info","msg":"request completed","res":{"statusCode":500},"responseTime":4}',
      '10.0.0.1 - - [01/Dec/2026:10:01:00 +0000] "POST /pay HTTP/1.1" 503 19',
      'I, [2026-12-01T10:01:00 #1]  INFO -- : Completed 500 Internal Server Error in 12ms',
    ]) {
      const found = serverErrors([
        log([...Array.from({ length: 10 }, (_, i) => ok(i)), ...Array(6).fill(failed)]),
      ]);
      expect(found?.count, failed).toBe(6);
    }
  });

  it('ignores failures the service has since got past, and a few among many successes', () => {
    const failed = 'status=500 path=/x';
    expect(
      serverErrors([log([...Array(20).fill(failed), ...Array.from({ length: 60 }, (_, i) => ok(i))])]),
    ).toBeNull();
    expect(
      serverErrors([log([...Array.from({ length: 45 }, (_, i) => ok(i)), ...Array(4).fill(failed)])]),
    ).toBeNull();
  });
});
