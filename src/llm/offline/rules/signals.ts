/** Words of a failed call to another service: refused, unreachable, unresolvable, timed out. */
export const UNREACHABLE =
  /connection refused|connection to \S+ refused|actively refused|Communications link failure|not possible to connect to the redis|ECONNREFUSED|Unavailable|deadline exceeded|DeadlineExceeded|i\/o timeout|timed out|ETIMEDOUT|no such host|ENOTFOUND|EAI_AGAIN|NXDOMAIN|Name or service not known|could not translate host name|Temporary failure in name resolution|UnknownHostException|connection reset|ECONNRESET|EHOSTUNREACH|no route to host|network is unreachable|503|upstream connect error|no healthy upstream|dial tcp|lookup \S+ on |No such host is known|bad address '|could not be established|Failed to establish a new connection|Max retries exceeded|All connection attempts failed|Connect call failed|Cannot connect to host|ConnectTimeout|socket hang up/i;

/**
 * A client-side connection pool with nothing left to lend: the wait for a free connection timed
 * out in the process itself, so the words "timed out" do not mean the database was unreachable.
 * SQLAlchemy, HikariCP, Apache DBCP/c3p0 and .NET's SqlClient each say it their own way.
 */
export const POOL_EXHAUSTED =
  /QueuePool limit of size \d+ overflow -?\d+ reached|Connection is not available, request timed out after \d+ ?ms|Cannot get a connection, pool error Timeout waiting for idle object|pool (?:is )?exhausted|max pool size was reached|Timeout expired\.\s+The timeout period elapsed prior to obtaining a connection from the pool/i;

/** Files that hold data or configuration rather than code (`flags.env` and `.env.production` too). */
export const DATA_FILE =
  /\.(json|jsonl|ndjson|ya?ml|csv|tsv|xml|ini|toml|properties|sql|txt|env|conf|cfg|hcl|tfvars)$|(?:^|\/)\.env(?:\.[\w-]+)?$/i;

/**
 * An API answering "slow down": HTTP 429 Too Many Requests (RFC 6585) with its Retry-After, and
 * the words SDKs and providers use for it (throttling, quota exceeded, gRPC RESOURCE_EXHAUSTED,
 * S3's SlowDown). A bare 429 counts only as a status, not as any number in an id.
 */
export const RATE_LIMITED =
  /(?:status|code|http|answered|returned|responded|got|response|error)\W{0,4}(?:code\W{0,3})?429\b|\b429 (?:Too Many|Client Error)|Too ?Many ?Requests|rate[- _]?limit(?:ed|ing)?\b|RateLimit|throttl(?:ed|ing)|quota (?:exceeded|exhausted)|exceeded (?:the |your )?(?:rate|quota|request limit)|RESOURCE_EXHAUSTED|Retry-After|\bSlowDown\b/i;

/**
 * Envoy's RBAC filter refusing a request (its 403 body, its response flag): an Istio sidecar
 * whose AuthorizationPolicies do not admit the caller.
 */
export const ENVOY_RBAC_DENIED = /RBAC: access denied|rbac_access_denied/i;
