import { REDACTED } from './mask.js';

/** A pattern with two groups (the part kept, the secret) and what to put in the match's place. */
type TokenRule = readonly [RegExp, (match: string, prefix: string, rest: string) => string];

const keepPrefix = (_match: string, prefix: string): string => `${prefix}${REDACTED}`;

/**
 * Credentials recognisable by their shape alone, wherever they appear; each keeps its public
 * prefix so a reader still sees what kind of credential it was. The formats are the providers'
 * documented token prefixes, as collected by gitleaks' rule list (config/gitleaks.toml) for the
 * providers secretlint's recommended preset does not cover (Stripe, Google API keys, PyPI,
 * DigitalOcean, Mailgun, Twilio, Telegram, Sentry, Doppler, Square, age, Atlassian) and a few it
 * covers with narrower lengths than seen in the wild (Slack, GitHub, OpenAI, Anthropic, AWS, JWT).
 * Every run is bounded and anchored at a literal prefix, so each pattern is linear.
 */
const TOKEN_RULES: readonly TokenRule[] = [
  [/(hooks\.slack\.com\/(?:services|workflows|triggers)\/)([A-Za-z0-9_/-]+)/g, keepPrefix],
  [/(?<=^|[^A-Za-z0-9_-]|\\[nrt])(xox[abposre]-|xapp-)([A-Za-z0-9-]{8,})/g, keepPrefix],
  [/(?<=^|[^A-Za-z0-9_]|\\[nrt])(gh[pousr]_|github_pat_)([A-Za-z0-9_]{10,})/g, keepPrefix],
  [/(?<=^|[^A-Za-z0-9_-]|\\[nrt])(sk-ant-)([A-Za-z0-9_-]{8,})/g, keepPrefix],
  // OpenAI-style keys hold a long random run; `sk-worker-7d9f8b6c5d-x2x9z` (a pod) does not.
  [
    /(?<=^|[^A-Za-z0-9_-]|\\[nrt])(sk-)([A-Za-z0-9_-]{20,})/g,
    (m, prefix, rest) => (/[A-Za-z0-9]{16}/.test(rest) && /\d/.test(rest) ? `${prefix}${REDACTED}` : m),
  ],
  // Stripe secret and restricted keys, live or test.
  [/(?<=^|[^A-Za-z0-9_]|\\[nrt])((?:sk|rk)_(?:live|test|prod)_)([A-Za-z0-9]{10,247})/g, keepPrefix],
  // Google API keys.
  [/(?<=^|[^A-Za-z0-9_-]|\\[nrt])(AIza)([A-Za-z0-9_-]{35})(?![A-Za-z0-9_-])/g, keepPrefix],
  // GitLab personal, deploy, runner, pipeline-trigger, CI-build, feed and OAuth tokens.
  [
    /(?<=^|[^A-Za-z0-9_-]|\\[nrt])(gl(?:pat|dt|rt|ptt|cbt|soat|ffct|oas|imt|agent|wt|ft)-)([A-Za-z0-9_-]{20,})/g,
    keepPrefix,
  ],
  [/(?<=^|[^A-Za-z0-9_]|\\[nrt])(npm_)([A-Za-z0-9]{36})(?![A-Za-z0-9])/g, keepPrefix],
  [/(?<=^|[^A-Za-z0-9_-]|\\[nrt])(pypi-)(AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,})/g, keepPrefix],
  [/(?<=^|[^A-Za-z0-9_]|\\[nrt])(do[opr]_v1_)([a-f0-9]{64})/g, keepPrefix],
  [/(?<=^|[^A-Za-z0-9_-]|\\[nrt])(key-)([a-f0-9]{32})(?![a-f0-9])/g, keepPrefix],
  [/(?<=^|[^A-Za-z0-9_]|\\[nrt])(SK)([0-9a-fA-F]{32})(?![0-9a-fA-F])/g, keepPrefix],
  [/(?<=^|[^A-Za-z0-9_]|\\[nrt])(SG\.)([A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43})/g, keepPrefix],
  [/(?<=^|[^A-Za-z0-9_]|\\[nrt])(shp(?:at|ss|ca|pa)_)([a-fA-F0-9]{32})/g, keepPrefix],
  [/(?<=^|[^A-Za-z0-9_]|\\[nrt])(hf_)([A-Za-z]{34})(?![A-Za-z])/g, keepPrefix],
  [/(?<=^|[^A-Za-z0-9_.]|\\[nrt])(hv[sb]\.)([A-Za-z0-9_-]{24,})/g, keepPrefix],
  [/(?<=^|[^A-Za-z0-9_]|\\[nrt])(dapi)([a-f0-9]{32})(?:-\d)?(?![a-f0-9])/g, keepPrefix],
  [/(?<=^|[^A-Za-z0-9_]|\\[nrt])(sntry[su]_)([A-Za-z0-9+/=_-]{20,})/g, keepPrefix],
  [/(?<=^|[^A-Za-z0-9_]|\\[nrt])(dp\.(?:pt|st|sa|ct|scim|audit)\.)([A-Za-z0-9]{40,44})/g, keepPrefix],
  [/(?<=^|[^A-Za-z0-9_-]|\\[nrt])(sq0(?:atp|csp)-)([A-Za-z0-9_-]{22,43})/g, keepPrefix],
  [/(?<=^|[^A-Za-z0-9_-]|\\[nrt])(AGE-SECRET-KEY-1)([0-9A-Z]{58})/g, keepPrefix],
  [/(?<=^|[^A-Za-z0-9_-]|\\[nrt])(ATATT3)([A-Za-z0-9_=-]{180,200})/g, keepPrefix],
  [/(?<=^|[^A-Za-z0-9_-]|\\[nrt])(lin_api_)([A-Za-z0-9]{40})/g, keepPrefix],
  // Telegram bot tokens: the bot's numeric id, a colon, then the secret.
  [/(?<=^|[^A-Za-z0-9_:]|\\[nrt])(\d{8,10}:)(AA[A-Za-z0-9_-]{33})(?![A-Za-z0-9_-])/g, keepPrefix],
  [
    /(?<=^|[^A-Za-z0-9]|\\[nrt])(AKIA|ASIA|A3T[A-Z0-9]|AGPA|AIDA|AROA|AIPA|ANPA|ANVA)([A-Z0-9]{16})(?![A-Za-z0-9])/g,
    keepPrefix,
  ],
  [/(?<=^|[^A-Za-z0-9_-]|\\[nrt])(eyJ)([A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*)/g, keepPrefix],
];

/**
 * The first group of a pattern's source, after any leading look-behind: the token's prefix, which
 * every rule writes as its first group and keeps bounded (a literal, a few alternatives).
 */
function prefixGroup(source: string): string {
  const body = source.replace(/^\(\?<=[^()]*\)/, '');
  let depth = 0;
  let inClass = false;
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c === '\\') i++;
    else if (inClass) inClass = c !== ']';
    else if (c === '[') inClass = true;
    else if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return body.slice(0, i + 1);
  }
  throw new Error(`provider token rule without a prefix group: ${source}`);
}

/**
 * What each rule's match must contain: its prefix group alone. Wherever the rule matches, this
 * matches too (the look-behind and the secret's part only rule matches out), and it is quick to
 * search for: a short bounded literal, where the whole pattern tests its look-behind at every
 * character. Text without it holds nothing the rule would mask, so the rule is not run on it.
 * The prefix alone, not the pattern less its look-behind: that one would scan each run of token
 * characters once per prefix in it, quadratic on hostile input.
 */
const CLUES: readonly RegExp[] = TOKEN_RULES.map(
  ([pattern]) => new RegExp(prefixGroup(pattern.source), pattern.flags.replace('g', '')),
);

/**
 * Mask every provider token of a known shape. `everyRule` runs every rule whatever the clues say (tests
 * compare the two).
 */
export function redactProviderTokens(text: string, { everyRule = false } = {}): string {
  let out = text;
  for (const [index, [pattern, replace]] of TOKEN_RULES.entries()) {
    if (!everyRule && !CLUES[index]?.test(out)) continue;
    out = out.replace(pattern, (match: string, prefix: string, rest: string) => replace(match, prefix, rest));
  }
  return out;
}
