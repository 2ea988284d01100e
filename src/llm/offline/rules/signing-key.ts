import { quote } from '../quote.js';
import { loggedEvidence, loggedMatches } from './logged.js';
import { times, type Rule } from './verdict.js';

/**
 * Token validators saying the token's key id matches none of the keys they hold: .NET's IDX10503 /
 * IDX10501, jose/jwks-rsa, PyJWT, Spring Security and Go's libraries, in their own words.
 */
const NO_MATCHING_KEY =
  /IDX1050[13]|kid\b.{0,80}\b(?:did not match|does not match|not found|no matching)|unable to find (?:a )?(?:signing )?key|no (?:applicable|matching) (?:signing )?key|signing key not found|key not found for kid|JWKSNoMatchingKey|No key found in (?:the )?JWKS?|Unable to find a signing key that matches/i;

/** What a change that made the service trust a fixed key writes. */
const KEY_CLUES = [
  'IssuerSigningKey',
  'SigningKey',
  'signingKey',
  'signing_key',
  'PUBLIC KEY',
  'public_key',
  'publicKey',
  'jwks',
  'JWKS',
  'Authority',
  'MetadataAddress',
  'issuer-uri',
  'jwk-set-uri',
  'KeyId',
  'kid',
];

/**
 * Tokens rejected because their signing key is unknown to the service: the identity provider signs
 * with a key (by its `kid`) that the service does not hold. It happens when the provider rotates its
 * keys while the service trusts a key pinned in its config or image instead of fetching the
 * provider's published key set (JWKS, from the OIDC discovery document), or caches an old set.
 */
export const signingKeyRule: Rule = async (ctx, facts) => {
  const { total, top: first } = loggedMatches(facts, NO_MATCHING_KEY);
  // Two rejections at least: one alone could be a forged or stale token.
  if (!first || total < 2) return null;
  ctx.casebook.evidence.push(loggedEvidence(first));
  const kid = `${first.s.message} ${first.s.sample}`.match(/kid(?: is)?\W{1,6}([\w-]{6,100})/i)?.[1];
  return {
    status: 'diagnosed',
    summary: `${facts.service} rejects valid tokens: their signing key${kid ? ` (kid ${kid})` : ''} is not among the keys it trusts (${times(total)}), so authenticated requests fail with 401.`,
    statement: `Token validation fails because no trusted key matches the token's key id${kid ? ` ${kid}` : ''}: "${quote(first.s.sample, 220)}". The identity provider signs with a key the service does not hold — typically after the provider rotated its signing keys while the service validates against a pinned, static public key (from its config or a mounted file) instead of the provider's published key set (JWKS via OIDC discovery/Authority), or keeps a stale cached set.`,
    confidence: 'high',
    fix: `Validate against the provider's key set (set the Authority/issuer so the JWKS is fetched and refreshed, or point the validator at the jwks_uri) rather than a pinned key; as a stop-gap, install the provider's current public key (kid${kid ? ` ${kid}` : ''}) and restart.`,
    objects: facts.listing.workload ? [facts.listing.workload] : [],
    clues: KEY_CLUES,
  };
};
