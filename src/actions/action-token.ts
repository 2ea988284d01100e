import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** What a rollback button's value names, signed so that nobody can change it on the way. */
export interface RollbackClaim {
  kind: 'rollback';
  /** A random id: one action per proposal is remembered by it. */
  id: string;
  namespace: string;
  deployment: string;
  fromRevision: number;
  toRevision: number;
  /** The Deployment's `metadata.resourceVersion` when the proposal was made. */
  resourceVersion: string;
  /** Expiry, epoch milliseconds. */
  expiresAt: number;
}

/** Why a token was refused: a person reads it in the ephemeral reply. */
export type TokenProblem = 'malformed' | 'forged' | 'expired';

const PREFIX = 'sra1';

function sign(key: Buffer, body: string): Buffer {
  return createHmac('sha256', key).update(`${PREFIX}.${body}`).digest();
}

/** A fresh random proposal id (Slack block values allow 2000 characters; this stays far below). */
export function newProposalId(): string {
  return randomBytes(9).toString('base64url');
}

/**
 * `sra1.<base64url JSON>.<base64url HMAC-SHA256>`: opaque to Slack and to the person clicking,
 * checked by the agent alone. Not encrypted: it names nothing the report does not show.
 */
export function signRollbackToken(key: Buffer, claim: RollbackClaim): string {
  const body = Buffer.from(JSON.stringify(claim), 'utf8').toString('base64url');
  return `${PREFIX}.${body}.${sign(key, body).toString('base64url')}`;
}

/** The claim of a token this agent signed and that has not expired, or why not. */
export function verifyRollbackToken(
  key: Buffer,
  token: string,
  now: Date,
): { ok: true; claim: RollbackClaim } | { ok: false; problem: TokenProblem } {
  const parts = token.split('.');
  if (parts.length !== 3 || parts[0] !== PREFIX) return { ok: false, problem: 'malformed' };
  const [, body = '', signature = ''] = parts;
  const expected = sign(key, body);
  const given = Buffer.from(signature, 'base64url');
  // Constant time, and the signature is checked before anything in the body is believed.
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    return { ok: false, problem: 'forged' };
  let claim: RollbackClaim;
  try {
    claim = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as RollbackClaim;
  } catch {
    return { ok: false, problem: 'malformed' };
  }
  if (claim.kind !== 'rollback' || typeof claim.expiresAt !== 'number')
    return { ok: false, problem: 'malformed' };
  if (now.getTime() > claim.expiresAt) return { ok: false, problem: 'expired' };
  return { ok: true, claim };
}
