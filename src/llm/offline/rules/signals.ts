/** Words of a failed call to another service: refused, unreachable, unresolvable, timed out. */
export const UNREACHABLE =
  /connection refused|connection to \S+ refused|actively refused|Communications link failure|not possible to connect to the redis|ECONNREFUSED|Unavailable|deadline exceeded|DeadlineExceeded|i\/o timeout|timed out|ETIMEDOUT|no such host|ENOTFOUND|EAI_AGAIN|NXDOMAIN|Name or service not known|could not translate host name|Temporary failure in name resolution|UnknownHostException|connection reset|ECONNRESET|EHOSTUNREACH|no route to host|network is unreachable|503|upstream connect error|no healthy upstream|dial tcp|lookup \S+ on |No such host is known|bad address '|could not be established|Failed to establish a new connection|Max retries exceeded/i;

/** Files that hold data or configuration rather than code (`flags.env` and `.env.production` too). */
export const DATA_FILE =
  /\.(json|jsonl|ndjson|ya?ml|csv|tsv|xml|ini|toml|properties|sql|txt|env|conf|cfg|hcl|tfvars)$|(?:^|\/)\.env(?:\.[\w-]+)?$/i;
