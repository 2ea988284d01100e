import { describe, expect, it } from 'vitest';

import { REDACTED, isSecretKey, redactDeep, redactSecrets } from '../src/guards/redact-secrets.js';

const pem = [
  '-----BEGIN RSA PRIVATE KEY-----',
  'MIIEpAIBAAKCAQEA1c7+9z5Pad7OejecsQ0bu3aozN3tihPmljnnudb9G3HECdnH',
  'lWu2/a1gB9JW5TBQ+AVpum9Okx7KfqkfBKL9mcHgSnjF5CUfm0WmxT9xVbmR0lRL',
  '-----END RSA PRIVATE KEY-----',
].join('\n');

/** [input, expected output] for each kind of secret the redactor must mask. */
const secrets: Array<[string, string]> = [
  [
    'SLACK_BOT_TOKEN xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx',
    `SLACK_BOT_TOKEN xoxb-${REDACTED}`,
  ],
  ['user token xoxp-1234-5678-abcdefabcdef sent', `user token xoxp-${REDACTED} sent`],
  ['app token xapp-1-A0123456789-1234567890123-abcdef0123', `app token xapp-${REDACTED}`],
  ['git pull with ghp_16C7e42F292c6912E7710c838347Ae178B4a failed', `git pull with ghp_${REDACTED} failed`],
  ['gho_16C7e42F292c6912E7710c838347Ae178B4a', `gho_${REDACTED}`],
  ['ghs_16C7e42F292c6912E7710c838347Ae178B4a', `ghs_${REDACTED}`],
  ['ghu_16C7e42F292c6912E7710c838347Ae178B4a', `ghu_${REDACTED}`],
  ['github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz', `github_pat_${REDACTED}`],
  ['key sk-ant-api03-AbCdEf0123456789_xyz-AAAA used', `key sk-ant-${REDACTED} used`],
  ['OPENAI sk-proj-Ab12Cd34Ef56Gh78Ij90Kl12Mn34Op56 here', `OPENAI sk-${REDACTED} here`],
  ['legacy sk-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcdefghij', `legacy sk-${REDACTED}`],
  ['access key AKIAIOSFODNN7EXAMPLE in use', `access key AKIA${REDACTED} in use`],
  ['session ASIAY34FZKBOKMUTVV7A', `session ASIA${REDACTED}`],
  ['aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', `aws_secret_access_key = ${REDACTED}`],
  ['AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', `AWS_SECRET_ACCESS_KEY=${REDACTED}`],
  [
    'jwt eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U ok',
    `jwt eyJ${REDACTED} ok`,
  ],
  [
    `key:\n${pem}\ndone`,
    `key:\n-----BEGIN RSA PRIVATE KEY-----${REDACTED}-----END RSA PRIVATE KEY-----\ndone`,
  ],
  ['postgres://app:hunter2@db.internal:5432/cart', `postgres://app:${REDACTED}@db.internal:5432/cart`],
  ['REDIS_URL=redis://:S3cr3t@redis-cart:6379/0', `REDIS_URL=redis://:${REDACTED}@redis-cart:6379/0`],
  [
    'mongodb+srv://admin:p@ss@cluster0.example.net/db',
    `mongodb+srv://admin:${REDACTED}@cluster0.example.net/db`,
  ],
  ['password=hunter2 user=bob', `password=${REDACTED} user=bob`],
  ['login passwd: hunter2', `login passwd: ${REDACTED}`],
  ['Server=db;User Id=sa;Pwd=hunter2;', `Server=db;User Id=sa;Pwd=${REDACTED};`],
  ['secret=abc123', `secret=${REDACTED}`],
  ['GET /cb?token=abc123&state=xyz', `GET /cb?token=${REDACTED}&state=xyz`],
  ['api_key: 0123456789abcdef', `api_key: ${REDACTED}`],
  ['apikey=0123456789abcdef', `apikey=${REDACTED}`],
  [
    '{"access_token": "ya29.a0AfH6SM", "expires_in": 3599}',
    `{"access_token": "${REDACTED}", "expires_in": 3599}`,
  ],
  ["{'client_secret': 'GOCSPX-abc'}", `{'client_secret': '${REDACTED}'}`],
  [
    '{\\"password\\":\\"hunter2\\",\\"user\\":\\"bob\\"}',
    `{\\"password\\":\\"${REDACTED}\\",\\"user\\":\\"bob\\"}`,
  ],
  ['K_PASSWORD=hunter2', `K_PASSWORD=${REDACTED}`],
  ['export DB_PASS=hunter2', `export DB_PASS=${REDACTED}`],
  ['clientSecret: abc123', `clientSecret: ${REDACTED}`],
  ['run --db-password=hunter2 --port=80', `run --db-password=${REDACTED} --port=80`],
  ['args=--db-password=hunter2', `args=--db-password=${REDACTED}`],
  ['Authorization: Bearer abc.def.ghi', `Authorization: Bearer ${REDACTED}`],
  ['authorization: Basic dXNlcjpwYXNz', `authorization: Basic ${REDACTED}`],
  ['{"Authorization":"token 0123abcd"}', `{"Authorization":"token ${REDACTED}"}`],
  ['curl -H "x-api-key: abc123"', `curl -H "x-api-key: ${REDACTED}"`],
  ['using Bearer 0123456789abcdefABCDEF', `using Bearer ${REDACTED}`],
  ['{"name":"DB_PASSWORD","value":"S3cr3t"}', `{"name":"DB_PASSWORD","value":"${REDACTED}"}`],
  ['- name: STRIPE_API_KEY\n  value: rk_live_abc', `- name: STRIPE_API_KEY\n  value: ${REDACTED}`],
  ['https://hooks.slack.com/services/T000/B000/XXXXXXXX', `https://hooks.slack.com/services/${REDACTED}`],
];

/** Ordinary text that must come back exactly as it went in. */
const ordinary = [
  '   at cartservice.cartstore.RedisCartStore.AddItemAsync(String userId) in /app/src/cartstore/RedisCartStore.cs:line 87',
  'Unhandled exception. System.InvalidOperationException: Cart limit exceeded for LOAFERS',
  'commit 3f9c2ab5d8e1f0a7b6c4d2e9f8a1b3c5d7e9f0a2 by Jane <jane@example.com>',
  'pod cart-service-7d9f8b6c5d-x2x9z restarted 12 times (CrashLoopBackOff)',
  'sk-worker-7d9f8b6c5d-x2x9z is Running',
  '2026-11-20T14:30:00Z INFO password reset requested for user bob',
  'request 123e4567-e89b-12d3-a456-426614174000 took 35ms',
  'secretName: tls-cert',
  '"inputTokens": 1200, "max_tokens": 4096, "token_count": 5',
  'key: password',
  'password: null',
  'FATAL: password authentication failed for user "app"',
  'Bearer tokens are rejected by this endpoint',
  'http://cart-service:8080/api/cart?user=bob',
  'PWD=/app',
  '--- PASS: TestCart (0.00s)',
  'password_file=/etc/app/pass.txt',
  'value: ${DB_PASSWORD}',
  "DB_PASSWORD:  <set to the key 'password' in secret 'db'>",
  'std::vector<int> at main.cpp:42',
];

describe('redactSecrets', () => {
  it.each(secrets)('masks %j', (input, expected) => {
    expect(redactSecrets(input)).toBe(expected);
  });

  it.each(ordinary)('leaves %j untouched', (input) => {
    expect(redactSecrets(input)).toBe(input);
  });

  it('changes nothing when applied twice', () => {
    for (const [input] of secrets) {
      const once = redactSecrets(input);
      expect(redactSecrets(once)).toBe(once);
    }
  });

  it('masks a private key whose END line was cut off, and keeps the text before it', () => {
    const truncated =
      'config:\n-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ\n[truncated 4000 bytes]';
    const out = redactSecrets(truncated);
    expect(out).toBe(`config:\n-----BEGIN OPENSSH PRIVATE KEY-----${REDACTED}[truncated 4000 bytes]`);
    expect(redactSecrets(out)).toBe(out);
  });

  it('masks a private key inside a JSON string with escaped newlines', () => {
    const json = JSON.stringify({ private_key: `${pem}\n`, client_email: 'bot@example.iam' });
    const out = redactSecrets(json);
    expect(out).not.toContain('MIIEpAIBAAKCAQEA');
    expect(out).toContain('bot@example.iam');
  });

  it('returns on megabyte-long adversarial lines', () => {
    const mb = 1_000_000;
    const inputs = [
      'a'.repeat(mb),
      'a-'.repeat(mb / 2),
      'eyJ-'.repeat(mb / 4),
      'sk-'.repeat(mb / 3),
      'x:'.repeat(mb / 2),
      'password=password='.repeat(mb / 18),
      'a://b:'.repeat(mb / 6),
      '-----BEGIN PRIVATE KEY-----'.repeat(mb / 27),
      'name: DB_PASSWORD '.repeat(mb / 18),
      'Authorization: '.repeat(mb / 15),
      `"password": "${'x'.repeat(mb)}`,
    ];
    for (const input of inputs) expect(typeof redactSecrets(input)).toBe('string');
  });
});

describe('redactDeep', () => {
  it('returns a redacted copy and leaves the original alone', () => {
    const original = {
      args: ['--token', 'xoxb-123456789012-abcdefabcdef'],
      env: [
        { name: 'DB_PASSWORD', value: 'S3cr3t' },
        { name: 'DB_HOST', value: 'redis-cart' },
      ],
      password: 'hunter2',
      nested: { note: 'postgres://app:hunter2@db/cart', count: 3, ok: true, nothing: null },
      when: new Date(0),
    };
    const copy = redactDeep(original);
    expect(copy).toEqual({
      // The item after a secret flag is masked whole, whatever its shape.
      args: ['--token', REDACTED],
      env: [
        { name: 'DB_PASSWORD', value: REDACTED },
        { name: 'DB_HOST', value: 'redis-cart' },
      ],
      password: REDACTED,
      nested: { note: `postgres://app:${REDACTED}@db/cart`, count: 3, ok: true, nothing: null },
      when: new Date(0),
    });
    expect(original.password).toBe('hunter2');
    expect(original.env[0]?.value).toBe('S3cr3t');
  });

  it('copes with cycles', () => {
    const node: Record<string, unknown> = { secret: 'abc' };
    node['self'] = node;
    const copy = redactDeep(node);
    expect(copy['secret']).toBe(REDACTED);
    expect(copy['self']).toBe(copy);
  });
});

const secretKeys = [
  'password',
  'DB_PASSWORD',
  'dbPassword',
  'x-api-key',
  'APIKey',
  'AWS_SECRET_ACCESS_KEY',
  'client-key-data',
];
const plainKeys = ['secretName', 'token_type', 'inputTokens', 'sort_key', 'key', 'password_file', 'PASS'];

describe('isSecretKey', () => {
  it('reads the last word of the key', () => {
    for (const key of secretKeys) expect(isSecretKey(key), key).toBe(true);
    for (const key of plainKeys) expect(isSecretKey(key), key).toBe(false);
  });

  it('gives the same verdicts from memory, and after forgetting', () => {
    for (let round = 0; round < 2; round++) {
      for (const key of secretKeys) expect(isSecretKey(key), key).toBe(true);
      for (const key of plainKeys) expect(isSecretKey(key), key).toBe(false);
    }
    for (let i = 0; i < 5000; i++) isSecretKey(`filler_key_${i}`);
    for (const key of secretKeys) expect(isSecretKey(key), key).toBe(true);
    for (const key of plainKeys) expect(isSecretKey(key), key).toBe(false);
    const long = `${'x_'.repeat(80)}password`;
    expect(isSecretKey(long)).toBe(true);
    expect(isSecretKey(long)).toBe(true);
  });
});
