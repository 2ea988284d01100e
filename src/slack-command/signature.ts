import { createHmac, timingSafeEqual } from 'node:crypto';

/** Slack refuses to replay requests older than five minutes; so do we. */
export const MAX_SKEW_SECONDS = 300;

export type SignatureCheck = { ok: true } | { ok: false; reason: string };

/** `v0=` + hex HMAC-SHA256 of `v0:{timestamp}:{raw body}` with the app's signing secret. */
export function signSlackRequest(secret: string, timestamp: string, body: Buffer | string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:`).update(body).digest('hex')}`;
}

/**
 * Verify a Slack request (https://api.slack.com/authentication/verifying-requests-from-slack):
 * the timestamp within five minutes of `nowSeconds`, then the signature over the raw body,
 * compared in constant time.
 */
export function verifySlackSignature(input: {
  secret: string;
  timestamp: string | undefined;
  signature: string | undefined;
  body: Buffer;
  nowSeconds: number;
}): SignatureCheck {
  const { timestamp, signature } = input;
  if (!timestamp || !/^\d{1,12}$/.test(timestamp))
    return { ok: false, reason: 'missing or malformed X-Slack-Request-Timestamp' };
  if (Math.abs(input.nowSeconds - Number(timestamp)) > MAX_SKEW_SECONDS) {
    return { ok: false, reason: 'X-Slack-Request-Timestamp is more than five minutes from now (a replay?)' };
  }
  if (!signature || !signature.startsWith('v0='))
    return { ok: false, reason: 'missing or malformed X-Slack-Signature' };
  const expected = Buffer.from(signSlackRequest(input.secret, timestamp, input.body), 'utf8');
  const given = Buffer.from(signature, 'utf8');
  // The expected length is public (v0= and 64 hex digits); only the contents are compared in constant time.
  const same = given.length === expected.length && timingSafeEqual(given, expected);
  return same ? { ok: true } : { ok: false, reason: 'X-Slack-Signature does not match the request' };
}
