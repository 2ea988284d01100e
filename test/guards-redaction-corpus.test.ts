import { describe, expect, it } from 'vitest';

import { REDACTED, redactDeep, redactSecrets, redactSecretsUncached } from '../src/guards/redact-secrets.js';
import { redactProviderTokens } from '../src/guards/redaction/provider-tokens.js';
import { SECRETLINT_RULE_IDS } from '../src/guards/redaction/secretlint-rules.js';
import { SecretMemory } from '../src/guards/secret-memory.js';

const pemBody = [
  'MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj',
  'MzEfYyjiWA4R4/M2bS1GB4t7NXp98C3SC6dVMvDuictGeurT8jNbvJZHtCSuYEvu',
].join('\n');

/**
 * [what it is, the text a tool could answer, the secret in it]. Shapes from the hostile review of
 * issue 12 first, then provider formats, then the notations a secret-named key appears in.
 */
const secretShapes: Array<[string, string, string]> = [
  ['a --password flag', 'exec: /app/server --password Tr0ub4dor3 --port 8080', 'Tr0ub4dor3'],
  ['PGPASSWORD in a shell line', 'PGPASSWORD=pg-S3cret-77 psql -h db -U app', 'pg-S3cret-77'],
  ['mysql -p with the password attached', 'mysql -h db -uroot -pMy5qlR00t! shop < dump.sql', 'My5qlR00t!'],
  ['redis-cli -a', 'redis-cli -h redis-cart -a R3d1sPassw0rd ping', 'R3d1sPassw0rd'],
  [
    'aws_secret_access_key given with a space',
    'aws configure set aws_secret_access_key wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY',
    'wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY',
  ],
  ['a session cookie', 'GET /cart HTTP/1.1\nCookie: session=s%3Aq8Zt7Kk2Lx; theme=dark', 's%3Aq8Zt7Kk2Lx'],
  [
    'a GitLab personal access token',
    'git clone https://oauth2@gitlab.example.com (token glpat-x7Kp2mQ9vR4tW8yZ1aB3)',
    'glpat-x7Kp2mQ9vR4tW8yZ1aB3'.slice(6),
  ],
  [
    'a Stripe live secret key',
    'stripe.api_key set to sk_live_51HqLyjWDarjtT1zdp7dcXYZabc123',
    '51HqLyjWDarjtT1zdp7dcXYZabc123',
  ],
  [
    'a Google API key',
    'maps client using AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY',
    'SyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY',
  ],
  [
    'an npm token',
    '//registry.npmjs.org/:_authToken=npm_4f8a9Bc2De7Fg1Hi3Jk5Lm6No8Pq0Rs2Tu4V',
    '4f8a9Bc2De7Fg1Hi3Jk5Lm6No8Pq0Rs2Tu4V',
  ],
  [
    'secret_key_base',
    'SECRET_KEY_BASE=9f2c7d1e5a8b3c6d0e4f7a1b2c5d8e3f6a9b0c4d7e1f2a5b8c3d6e9f0a1b4c7d',
    '9f2c7d1e5a8b3c6d0e4f7a1b2c5d8e3f6a9b0c4d7e1f2a5b8c3d6e9f0a1b4c7d',
  ],
  ['a ConfigMap key PGPASSWORD', '{"data": {"PGHOST": "db", "PGPASSWORD": "cm-pg-9921"}}', 'cm-pg-9921'],
  [
    'a numbered ConfigMap key DB_PASSWORD_2',
    'data:\n  DB_PASSWORD_2: second-pw-2211\n  DB_HOST: db',
    'second-pw-2211',
  ],
  ['a YAML block scalar', 'database:\n  password: |\n    bl0ck-scalar-pw\n  host: db', 'bl0ck-scalar-pw'],
  [
    'an XML add key/value',
    '<appSettings><add key="DbPassword" value="xml-Attr-5521"/></appSettings>',
    'xml-Attr-5521',
  ],
  ['an env var DBPASSWORD', 'env: DBPASSWORD=glued-pw-8812 DBHOST=db', 'glued-pw-8812'],
  [
    'container args --admin-password',
    '"args": ["--admin-password", "Adm1n-Arg-Pw", "--port", "80"]',
    'Adm1n-Arg-Pw',
  ],
  [
    'a secret in a commit message',
    '{"sha": "9c1d2e3", "message": "hotfix: point at new db (DB_PASSWORD=c0mmit-Leak-42)"}',
    'c0mmit-Leak-42',
  ],
  ['URL credentials', 'connecting to postgres://app:url-Cr3d-77@db.internal:5432/cart', 'url-Cr3d-77'],
  ['a bearer token', 'Authorization: Bearer 4b7f9a2c1e8d3f6a0b5c', '4b7f9a2c1e8d3f6a0b5c'],
  ['a basic auth header', 'proxy-authorization: Basic YWRtaW46aHVudGVyMg==', 'YWRtaW46aHVudGVyMg=='],
  [
    'a Slack bot token',
    'SLACK token xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx',
    '123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx',
  ],
  [
    'a GitHub token',
    'remote: ghp_16C7e42F292c6912E7710c838347Ae178B4a',
    '16C7e42F292c6912E7710c838347Ae178B4a',
  ],
  [
    'a fine-grained GitHub token',
    'github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz',
    '11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz',
  ],
  ['an Anthropic key', 'key sk-ant-api03-AbCdEf0123456789_xyz-AAAA used', 'api03-AbCdEf0123456789_xyz-AAAA'],
  [
    'an OpenAI project key',
    'OPENAI sk-proj-Ab12Cd34Ef56Gh78Ij90Kl12Mn34Op56 here',
    'Ab12Cd34Ef56Gh78Ij90Kl12Mn34Op56',
  ],
  ['an AWS access key id', 'access key AKIAZ3XAMPLE7Q2W4E6R in use', 'Z3XAMPLE7Q2W4E6R'],
  [
    'a JWT',
    'jwt eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U ok',
    'dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U',
  ],
  [
    'a PEM private key',
    `tls.key: |\n-----BEGIN PRIVATE KEY-----\n${pemBody}\n-----END PRIVATE KEY-----`,
    'MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj',
  ],
  [
    'a .properties password',
    'spring.datasource.url=jdbc:postgresql://db/app\nspring.datasource.password=pr0perties-Pw',
    'pr0perties-Pw',
  ],
  ['an INI password', '[database]\nuser = app\npassword = 1n1-File-Pw\n', '1n1-File-Pw'],
  [
    'an XML element',
    '<datasource><user>app</user><password>xml-El3ment-Pw</password></datasource>',
    'xml-El3ment-Pw',
  ],
  ['a YAML args list', 'args:\n  - --api-token\n  - y4ml-L1st-T0ken\n  - --verbose', 'y4ml-L1st-T0ken'],
  [
    'kubectl describe args',
    '    Args:\n      --client-secret\n      d3scribe-Cl1ent-S3cret\n      --v=2',
    'd3scribe-Cl1ent-S3cret',
  ],
  [
    'a Slack webhook',
    'notify https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX',
    'T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX',
  ],
  [
    'a SendGrid key',
    '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',
    'ngeVfQFYQlKU0ufo8x5d1A.TwL2iGABf9DHoTf-09kqeF8tAmbihYzrnopKc-1s5cr',
  ],
  [
    'a PyPI token',
    'upload with pypi-AgEIcHlwaS5vcmcCJGFiY2RlZjEyLTM0NTYtNzg5MC1hYmNkLWVmMTIzNDU2Nzg5MAACKlsz',
    'AgEIcHlwaS5vcmcCJGFiY2RlZjEyLTM0NTYtNzg5MC1hYmNkLWVmMTIzNDU2Nzg5MAACKlsz',
  ],
  ['a DigitalOcean token', 'doctl auth dop_v1_' + 'a1b2c3d4'.repeat(8), 'a1b2c3d4'.repeat(8)],
  [
    'a Vault token',
    'VAULT_TOKEN hvs.CAESIJ2rxkYpZ9Tq8vW3yL5nM7bX1cD4eF6gH0jK2lN',
    'CAESIJ2rxkYpZ9Tq8vW3yL5nM7bX1cD4eF6gH0jK2lN',
  ],
  ['a Hugging Face token', 'hf_AbCdEfGhIjKlMnOpQrStUvWxYzAbCdEfGh', 'AbCdEfGhIjKlMnOpQrStUvWxYzAbCdEfGh'],
  ['a Shopify token', 'shpat_' + '0a1b2c3d'.repeat(4), '0a1b2c3d'.repeat(4)],
  ['an API key header', 'curl -H "X-Api-Key: h3ader-K3y-0099" https://api', 'h3ader-K3y-0099'],
  ['a Set-Cookie header', 'Set-Cookie: sid=s3t-C00kie-V4l; Path=/; HttpOnly', 's3t-C00kie-V4l'],
  ['curl -u user:password', 'curl -u admin:Curl-Us3r-Pw https://internal/api', 'Curl-Us3r-Pw'],
  ['sshpass -p', 'sshpass -p Ssh-P4ss-W0rd ssh deploy@host', 'Ssh-P4ss-W0rd'],
  [
    'an Azure storage account key',
    'DefaultEndpointsProtocol=https;AccountName=shop;AccountKey=Az9StorageKey+abc/def==;EndpointSuffix=core.windows.net',
    'Az9StorageKey+abc/def==',
  ],
  [
    'a client secret in a query string',
    'POST /oauth/token?grant_type=client_credentials&client_secret=qu3ry-Cl1ent-S',
    'qu3ry-Cl1ent-S',
  ],
  [
    'a Telegram bot token',
    'bot 123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0 started',
    'AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0',
  ],
  ['a Twilio API key', 'twilio SK' + '0123456789abcdef'.repeat(2), '0123456789abcdef'.repeat(2)],
  [
    'a Mailgun key',
    'MAILGUN key-' + '3ax6xnjp29jd6fds4gc373sgvjxteol0'.replace(/[^a-f0-9]/g, 'a'),
    '3ax6xnjp29jd6fds4gc373sgvjxteol0'.replace(/[^a-f0-9]/g, 'a'),
  ],
  [
    'a block scalar inside escaped JSON',
    '{"config.yaml": "db:\\n  password: >-\\n    esc4ped-Bl0ck\\n  port: 5432\\n"}',
    'esc4ped-Bl0ck',
  ],
  ['an UPPER_CASE secret then a space', 'DB_PASSWORD Hunter2024x rejected', 'Hunter2024x'],
  ['docker login -p', 'docker login -u ci -p D0cker-L0gin-Pw registry.example.com', 'D0cker-L0gin-Pw'],
  [
    'an age secret key',
    'AGE-SECRET-KEY-1' + 'QQPJX4K4S8XJHZR2LS8RNH3FZ6L6NLTHNVWQX9DNXHJ5NR9TGFUKSGH2R7'.slice(0, 58),
    'QQPJX4K4S8XJHZR2LS8RNH3FZ6L6NLTHNVWQX9DNXHJ5NR9TGFUKSGH2R7'.slice(0, 58),
  ],
  ['a Databricks token', 'dapi' + '0123456789abcdef'.repeat(2), '0123456789abcdef'.repeat(2)],
  ['MongoDB SRV credentials', 'mongodb+srv://admin:m0ngo-Srv-Pw@cluster0.example.net/db', 'm0ngo-Srv-Pw'],
  ['a Kubernetes env entry', '{"name":"STRIPE_SECRET","value":"env-Entry-S3cr3t"}', 'env-Entry-S3cr3t'],
  ['sqlcmd -P', 'sqlcmd -S db -U sa -P Sqlcmd-P4ss -Q "select 1"', 'Sqlcmd-P4ss'],
  ['mixed-case key names', 'dbPassword: camelCase-Pw-1 adminPwd=pwd-Short-2', 'camelCase-Pw-1'],
  ['a private signing key variable', 'JWT_SIGNING_KEY=s1gning-K3y-Value', 's1gning-K3y-Value'],
  ['a credentials field', '{"credentials": "user:cr3dential-Pw"}', 'user:cr3dential-Pw'],
  // Shapes only secretlint's preset knows here: the maintained rule set at work.
  ['a Groq key', 'llm client gsk_' + 'Ab1'.repeat(17) + 'x', 'Ab1'.repeat(17) + 'x'],
  ['a Notion token', 'notion ntn_12345678901' + 'aB3'.repeat(11) + 'cD', 'aB3'.repeat(11) + 'cD'],
  ['a Figma token', 'figma figd_' + 'Zx9_'.repeat(11), 'Zx9_'.repeat(11)],
  [
    'a YAML password with spaces and symbols',
    'smtp:\n  password: correct horse & battery #1\n',
    'horse & battery',
  ],
];

/** Text that must come back unchanged: ids, hashes and digests a diagnosis names. */
const lookAlikes: string[] = [
  'commit 3f9c2ab5d8e1f0a7b6c4d2e9f8a1b3c5d7e9f0a2 by Jane <jane@example.com>',
  'suspect commit 3f9c2ab: "cart: cap LOAFERS quantity" (token refresh unaffected)',
  'image: gcr.io/google-samples/microservices-demo/cartservice@sha256:4c7f9b2a1e8d3f6a0b5c9e2d7f1a4b8c3e6d9f0a2b5c8e1d4f7a0b3c6e9d2f5a',
  'imageID: docker-pullable://ghcr.io/acme/cart@sha256:9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b7a6f5e4d3c2b1a0f9e8d',
  'containerID: containerd://0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0',
  'pod cartservice-7d9f8b6c5d-x2x9z restarted 12 times (CrashLoopBackOff)',
  'labels: {"app": "cartservice", "pod-template-hash": "7d9f8b6c5d"}',
  'uid: 123e4567-e89b-12d3-a456-426614174000',
  'trace_id=4bf92f3577b34da6a3ce929d0e0e4736 span_id=00f067aa0ba902b7',
  'resourceVersion: "48213377"',
  'volumes:\n- name: certs\n  secret:\n    secretName: db-credentials',
  'env:\n- name: DB_PASSWORD\n  valueFrom:\n    secretKeyRef:\n      name: db-creds\n      key: password',
  'Error: secret "db-credentials" not found',
  '"usage": {"max_tokens": 4096, "token_count": 12, "inputTokens": 1200}',
  'password_file=/run/secrets/db-password',
  'GIT_COMMIT=3f9c2ab5d8e1f0a7b6c4d2e9f8a1b3c5d7e9f0a2 BUILD=812',
  'checksum/config: 5d41402abc4b2a76b9719d911017c592',
  'https://github.com/acme/shop/commit/3f9c2ab5d8e1f0a7b6c4d2e9f8a1b3c5d7e9f0a2',
  'x-request-id: 0af7651916cd43dd8448eb211c80319c',
  'imagePullSecrets:\n- name: regcred',
  'type: kubernetes.io/service-account-token',
  'Mounts:\n  /var/run/secrets/kubernetes.io/serviceaccount from kube-api-access-x2x9z (ro)',
  'serviceAccountToken:\n  expirationSeconds: 3607\n  path: token',
  '--- FAIL: TestPasswordHash (0.01s)',
  'FATAL: password authentication failed for user "cart"',
  'Node: ip-10-0-1-23.ec2.internal/10.0.1.23',
  'Started container server at 2026-11-20T14:29:03.123456789Z',
  'replicaset.apps/cartservice-7d9f8b6c5d scaled to 3',
  'sha256:4c7f9b2a1e8d3f6a0b5c9e2d7f1a4b8c3e6d9f0a2b5c8e1d4f7a0b3c6e9d2f5a',
  'ETag: "33a64df551425fcc55e4d42a148795d9f25f89d4"',
  "DB_PASSWORD:  <set to the key 'password' in secret 'db'>  Optional: false",
  'mysql -h db -P 3306 -u app',
  'Claude rejected the credentials: authentication error (HTTP 401); set ANTHROPIC_API_KEY',
  'the token: expired at 14:02, refreshing',
];

describe('the maintained rule set', () => {
  it("runs secretlint's recommended rules, without the comment filter that would let text switch them off", () => {
    expect(SECRETLINT_RULE_IDS.length).toBeGreaterThanOrEqual(15);
    expect(SECRETLINT_RULE_IDS).toEqual(
      expect.arrayContaining(['@secretlint/secretlint-rule-aws', '@secretlint/secretlint-rule-github']),
    );
    expect(SECRETLINT_RULE_IDS).not.toContain('@secretlint/secretlint-rule-filter-comments');
    // A "secretlint-disable" comment in a log line changes nothing.
    expect(
      redactSecrets('// secretlint-disable\nkey npm_4f8a9Bc2De7Fg1Hi3Jk5Lm6No8Pq0Rs2Tu4V'),
    ).not.toContain('4f8a9Bc2De7Fg1Hi3Jk5Lm6No8Pq0Rs2Tu4V');
  });
});

describe('the redaction corpus', () => {
  it(`holds at least 40 secret shapes and 20 look-alikes`, () => {
    expect(secretShapes.length).toBeGreaterThanOrEqual(40);
    expect(lookAlikes.length).toBeGreaterThanOrEqual(20);
  });

  it.each(secretShapes)('masks %s', (_what, text, secret) => {
    const out = redactSecrets(text);
    expect(out).not.toContain(secret);
    expect(out).toContain(REDACTED);
    // Masking twice changes nothing.
    expect(redactSecrets(out)).toBe(out);
  });

  it.each(secretShapes)('masks %s inside a JSON-encoded tool answer too', (_what, text, secret) => {
    const out = redactSecrets(JSON.stringify({ output: text }));
    expect(out).not.toContain(secret);
  });

  it.each(lookAlikes)('leaves %j as it is', (text) => {
    expect(redactSecrets(text)).toBe(text);
  });

  it('masks from memory exactly what the rules mask', () => {
    const texts = [...secretShapes.map(([, text]) => text), ...lookAlikes];
    const variants = texts.flatMap((text) => [text, JSON.stringify({ output: text }), `${text}\n${text}`]);
    const expected = variants.map((text) => redactSecretsUncached(text));
    // First calls fill the memory, second ones answer from it; both must equal the rules' answer.
    expect(variants.map((text) => redactSecrets(text))).toEqual(expected);
    expect(variants.map((text) => redactSecrets(text))).toEqual(expected);
    // Past its bounds the memory forgets the oldest strings and still answers right.
    for (let i = 0; i < 2500; i++) redactSecrets(`filler line ${i} ${'x'.repeat(i % 3000)}`);
    expect(variants.map((text) => redactSecrets(text))).toEqual(expected);
    const long = `${'log line without secrets\n'.repeat(3000)}${texts.join('\n')}`;
    expect(redactSecrets(long)).toBe(redactSecretsUncached(long));
    expect(redactSecrets(long)).not.toContain('Tr0ub4dor3');
  });

  it('masks the same provider tokens when rules are skipped on text without their clue', () => {
    const texts = [...secretShapes.map(([, text]) => text), ...lookAlikes];
    const variants = texts.flatMap((text) => [
      text,
      JSON.stringify({ output: text }),
      `log: ${text}`,
      `x${text}`,
      `\\n${text}`,
    ]);
    for (const text of variants) {
      expect(redactProviderTokens(text)).toBe(redactProviderTokens(text, { everyRule: true }));
    }
  });

  it('keeps the commit a diagnosis names while masking the secret beside it', () => {
    const memory = new SecretMemory();
    memory.redact('commit 3f9c2ab5d8e1f0a7b6c4d2e9f8a1b3c5d7e9f0a2: rotate PGPASSWORD=Rot4ted-Pw-2026');
    const findings = memory.scrubDeep({
      summary: 'Commit 3f9c2ab5 broke the cart; it also set Rot4ted-Pw-2026 in the manifest.',
      suspectCommits: [{ sha: '3f9c2ab5d8e1f0a7b6c4d2e9f8a1b3c5d7e9f0a2' }],
    });
    expect(findings.summary).toBe(`Commit 3f9c2ab5 broke the cart; it also set ${REDACTED} in the manifest.`);
    expect(findings.suspectCommits[0]?.sha).toBe('3f9c2ab5d8e1f0a7b6c4d2e9f8a1b3c5d7e9f0a2');
  });

  it('masks secrets in argument lists and name/value objects', () => {
    const copy = redactDeep({
      command: ['mysql', '-uroot', '-pMy5qlR00t!'],
      args: ['--admin-password', 'Adm1n-Arg-Pw', '--port', '80'],
      settings: [{ key: 'DbPassword', value: 'xml-Attr-5521' }],
    });
    expect(JSON.stringify(copy)).not.toMatch(/My5qlR00t|Adm1n-Arg-Pw|xml-Attr-5521/);
    expect(copy.args).toEqual(['--admin-password', REDACTED, '--port', '80']);
  });
});
