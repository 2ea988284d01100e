import type { PodLog } from './facts.js';
import { UNREACHABLE } from './rules/signals.js';

/** How a call to another service failed, from the words of the error. */
export type CallFailure =
  'dns-missing' | 'dns-timeout' | 'refused' | 'timeout' | 'reset' | 'unavailable' | 'other';

/** A host the service could not reach, as its logs name it. */
export interface CallTarget {
  /** As written: `postgres`, `paymentservice.payments.svc.cluster.local`, `10.0.0.7`. */
  host: string;
  port?: string;
  failure: CallFailure;
  /** One log line that says so. */
  line: string;
  count: number;
  pod: string;
  /** The init container whose log says so, when it is not the pod's main container. */
  container?: string;
}

const DNS_MISSING =
  /no such host|No such host is known|NXDOMAIN|ENOTFOUND|Name or service not known|could not translate host name|UnknownHostException|nodename nor servname|Failed to resolve '|bad address '/i;
const DNS_TIMEOUT =
  /lookup \S+(?: on \S+)?: (?:(?:read|dial|write) udp \S+: )?(?:read: |write: )?(?:i\/o timeout|server misbehaving|connection refused)|EAI_AGAIN|Temporary failure in name resolution|no servers could be reached/i;

/**
 * A lookup the DNS server itself refused (`lookup x on 10.96.0.10:53: read udp …: connection
 * refused`): for a cluster DNS Service this is what kube-proxy answers when it has no ready
 * endpoint, i.e. the DNS pods are down.
 */
export const DNS_SERVER_REFUSED =
  /lookup \S+ on [\d.]+:53: (?:(?:read|dial|write) udp \S+: )?(?:read: |write: )?connection refused/i;

/** The failure class of an error line; name-resolution first, since those lines also say "dial tcp". */
export function failureOf(line: string): CallFailure {
  if (DNS_TIMEOUT.test(line)) return 'dns-timeout';
  if (DNS_MISSING.test(line)) return 'dns-missing';
  // httpx says `All connection attempts failed` and aiohttp `Connect call failed` for a refused connect.
  if (
    /connection refused|connection to \S+ refused|actively refused|ECONNREFUSED|All connection attempts failed|Connect call failed/i.test(
      line,
    )
  )
    return 'refused';
  if (/connection reset|ECONNRESET|broken pipe/i.test(line)) return 'reset';
  if (
    /i\/o timeout|timed out|ETIMEDOUT|deadline exceeded|DeadlineExceeded|EHOSTUNREACH|no route to host|ConnectTimeout/i.test(
      line,
    )
  )
    return 'timeout';
  if (/Unavailable|\b503\b|upstream connect error|no healthy upstream/i.test(line)) return 'unavailable';
  return 'other';
}

const NAME = String.raw`[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*`;
const IP = String.raw`\d{1,3}(?:\.\d{1,3}){3}`;

/** Patterns that name the host a failed call went to, most specific first. */
const HOST_PATTERNS: RegExp[] = [
  // Netty / Reactor / urllib3: `Failed to resolve 'inventory-api' [A(1)] after 2 queries`
  new RegExp(String.raw`Failed to resolve '(${NAME})'`, 'gi'),
  // Go: `dial tcp: lookup orders-db on 10.96.0.10:53: no such host`
  new RegExp(
    String.raw`lookup (${NAME})(?: on [\d.:\[\]]+:| ?: (?:no such host|i\/o timeout|server misbehaving|Temporary failure|read udp|dial udp))`,
    'gi',
  ),
  // BusyBox nc / wget / ping in wait-for init containers: `nc: bad address 'search'`
  new RegExp(String.raw`bad address '(${NAME})'`, 'gi'),
  // BusyBox / bind nslookup: `** server can't find ledger.finance.svc.cluster.local: NXDOMAIN`
  new RegExp(String.raw`server can't find (${NAME})`, 'gi'),
  // Node: `getaddrinfo ENOTFOUND redis`, `getaddrinfo EAI_AGAIN redis`
  new RegExp(String.raw`getaddrinfo \w+ (${NAME})`, 'gi'),
  // libpq: `could not translate host name "db" to address`, `server at "db" (10.0.0.5), port 5432 failed`
  new RegExp(String.raw`host name "(${NAME})"`, 'gi'),
  new RegExp(
    String.raw`(?:server at|host) "(${NAME})"(?: \(${IP}\))?,?(?: and accepting TCP/IP connections)?(?: on)? port (\d{2,5})`,
    'gi',
  ),
  // MySQL: `Can't connect to MySQL server on 'mysql:3306'` / `on 'mysql' (111)`
  new RegExp(String.raw`server on '(${NAME})(?::(\d{2,5}))?'`, 'gi'),
  // Python urllib3: `HTTPConnectionPool(host='inventory', port=8080): Max retries exceeded`
  new RegExp(String.raw`host='(${NAME}|${IP})', port=(\d{2,5})`, 'gi'),
  // Java: `java.net.UnknownHostException: inventory`
  new RegExp(String.raw`UnknownHostException: (${NAME})`, 'gi'),
  // URLs: `http://inventory:8080/api`, `https://inventory/api`
  new RegExp(String.raw`\b[a-z][a-z0-9+.-]*://(?:[^@/\s]+@)?(${NAME}|${IP})(?::(\d{2,5}))?`, 'gi'),
  // host:port anywhere: `dial tcp 10.0.0.7:7070`, `paymentservice:50051`
  new RegExp(String.raw`(?<![\w.-])(${NAME}|${IP}):(\d{2,5})\b`, 'gi'),
];

const TIMESTAMP_HOUR = /^\d{4}-\d{2}-\d{2}t\d{2}$/;
const NOT_A_SERVICE =
  /^(localhost|127\.0\.0\.1|0\.0\.0\.0|tcp|udp|http|https|dns|grpc|transport|desc|error|code|failed|failure|unknown|unable|cannot|could|name|host|service|address)$/i;

/** Hosts (with port when the line has one) a failed call in this line went to. */
export function hostsIn(line: string): { host: string; port?: string }[] {
  const found: { host: string; port?: string }[] = [];
  const dnsServer = line.match(/lookup \S+ on ([\d.]+):53\b/)?.[1];
  for (const pattern of HOST_PATTERNS) {
    for (const m of line.matchAll(pattern)) {
      const host = (m[1] ?? '').toLowerCase().replace(/\.$/, '');
      const port = m[2];
      if (!host || NOT_A_SERVICE.test(host) || host === dnsServer || port === '53') continue;
      // A timestamp's date and hour (`time=2026-12-02T15:22:29Z` in logfmt) looks like host:port.
      if (TIMESTAMP_HOUR.test(host)) continue;
      // A bare word without a port or a dot is too often prose (`server on 'x'` is not).
      if (/^\d+$/.test(host) || /\.(js|ts|py|go|java|cs|rb|json|ya?ml|log|html?)$/.test(host)) continue;
      const existing = found.find((f) => f.host === host);
      if (existing) existing.port ??= port;
      else found.push({ host, ...(port ? { port } : {}) });
    }
  }
  return found;
}

/** Every host the logs say could not be reached, most often first. */
export function callTargets(logs: readonly PodLog[]): CallTarget[] {
  const found = new Map<string, CallTarget>();
  for (const log of logs) {
    for (const s of log.analysis.signatures) {
      const text = `${s.message} ${s.sample}`;
      // A warning or two (a retried call during a rollout) is noise; errors, or repeated warnings, are not.
      if (!UNREACHABLE.test(text) || (s.kind === 'warning' && s.count < 3)) continue;
      const failure = failureOf(text);
      for (const { host, port } of hostsIn(s.sample.length >= s.message.length ? s.sample : s.message)) {
        const entry = found.get(host) ?? {
          host,
          port,
          failure,
          line: s.sample,
          count: 0,
          pod: log.pod,
          ...(log.container ? { container: log.container } : {}),
        };
        entry.count += s.count;
        entry.port ??= port;
        found.set(host, entry);
      }
    }
  }
  return [...found.values()].sort((a, b) => b.count - a.count);
}

/** Where a host name points inside the cluster: `a.b.svc.cluster.local` → Service a in namespace b. */
export function serviceOfHost(
  host: string,
  namespace: string,
): { service: string; namespace: string; viaService?: string } | null {
  if (new RegExp(`^${IP}$`).test(host)) return null;
  const parts = host.split('.');
  const [first, second, third, fourth] = parts;
  if (!first) return null;
  if (parts.length === 1) return { service: first, namespace };
  if (third === 'svc') return { service: first, namespace: second ?? namespace };
  // `<pod>.<headless service>.<namespace>.svc…`: one pod of a StatefulSet, by its stable name.
  if (fourth === 'svc' && second && third) return { service: first, namespace: third, viaService: second };
  if (
    parts.length === 2 &&
    second &&
    !/^(com|net|org|io|dev|app|cloud|co|uk|de|internal|local|localdomain|lan)$/.test(second)
  )
    return { service: first, namespace: second };
  // Anything else with dots (`api.stripe.com`) is outside the cluster.
  return null;
}
