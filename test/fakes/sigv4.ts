/**
 * AWS Signature Version 4 verification, written from the published algorithm
 * (docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html): canonical
 * request → string to sign → HMAC chain of date, region, service → signature. The Bedrock stand-in
 * uses it to refuse requests that are unsigned, signed for another service or region, or signed
 * with other credentials, as Bedrock does (403 with `x-amzn-ErrorType`).
 */
import { createHash, createHmac } from 'node:crypto';

const sha256hex = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data).digest();

/** RFC 3986 encoding, as SigV4 wants it (every character but unreserved ones). */
const encode = (s: string) =>
  encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

export interface SignedRequest {
  method: string;
  /** The raw path and query as received. */
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
}

/** Null when the signature is valid for these credentials, service and region; else why not. */
export function sigV4Problem(
  req: SignedRequest,
  creds: Credentials,
  service: string,
  region: string,
): string | null {
  const auth = String(req.headers.authorization ?? '');
  const m = auth.match(
    /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/,
  );
  if (!m) return 'Missing Authentication Token';
  const [, keyId, date, signedRegion, signedService, signedHeaders, signature] = m as unknown as string[];
  if (keyId !== creds.accessKeyId) return 'The security token included in the request is invalid.';
  if (signedService !== service || signedRegion !== region)
    return `Credential should be scoped to a valid region and service (${region}/${service})`;
  const amzDate = String(req.headers['x-amz-date'] ?? '');
  if (!amzDate.startsWith(date as string))
    return 'Date in Credential scope does not match the x-amz-date header';
  const [rawPath = '/', rawQuery = ''] = req.url.split('?');
  // Non-S3 services encode each path segment once more on top of what was sent.
  const canonicalPath = rawPath.split('/').map(encode).join('/');
  const canonicalQuery = rawQuery
    .split('&')
    .filter(Boolean)
    .map((pair) => pair.split('=').map((p) => encode(decodeURIComponent(p))))
    .sort(([a = '', x = ''], [b = '', y = '']) => (a === b ? x.localeCompare(y) : a.localeCompare(b)))
    .map(([k, v = '']) => `${k}=${v}`)
    .join('&');
  const names = (signedHeaders as string).split(';');
  const canonicalHeaders = names
    .map((name) => {
      const value = req.headers[name];
      return `${name}:${(Array.isArray(value) ? value.join(',') : (value ?? '')).trim().replace(/\s+/g, ' ')}\n`;
    })
    .join('');
  const payloadHash = String(req.headers['x-amz-content-sha256'] ?? sha256hex(req.body));
  if (payloadHash !== sha256hex(req.body) && payloadHash !== 'UNSIGNED-PAYLOAD')
    return 'The request body does not match its signed hash';
  const canonicalRequest = [
    req.method,
    canonicalPath,
    canonicalQuery,
    canonicalHeaders,
    signedHeaders,
    payloadHash,
  ].join('\n');
  const scope = `${date}/${region}/${service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256hex(canonicalRequest)].join('\n');
  const key = hmac(
    hmac(hmac(hmac(`AWS4${creds.secretAccessKey}`, date as string), region), service),
    'aws4_request',
  );
  const expected = createHmac('sha256', key).update(stringToSign).digest('hex');
  return expected === signature
    ? null
    : 'The request signature we calculated does not match the signature you provided.';
}
