/** Words of a failed call to another service: refused, unreachable, unresolvable, timed out. */
export const UNREACHABLE =
  /connection refused|ECONNREFUSED|Unavailable|deadline exceeded|DeadlineExceeded|i\/o timeout|timed out|no such host|ENOTFOUND|EAI_AGAIN|connection reset|ECONNRESET|503|upstream connect error|dial tcp|lookup /i;

/** Files that hold data or configuration rather than code. */
export const DATA_FILE = /\.(json|ya?ml|csv|tsv|xml|ini|toml|properties|sql|txt)$/i;
