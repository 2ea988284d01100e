import { describe, expect, it } from 'vitest';
import { analyzeLog } from '../src/llm/offline/log-analysis.js';
import { parseStackFrame } from '../src/llm/offline/stack-frames.js';

describe('stack frames', () => {
  it('reads the frame formats of .NET, Java, Python, Go and Node.js', () => {
    expect(parseStackFrame('   at shop.Cart.Add(String id) in /app/cart/Cart.cs:line 87')).toMatchObject({
      file: '/app/cart/Cart.cs',
      line: 87,
      function: 'shop.Cart.Add',
      app: true,
    });
    expect(parseStackFrame('\tat com.shop.pay.Charger.charge(Charger.java:42)')).toMatchObject({
      file: 'com/shop/pay/Charger.java',
      line: 42,
      app: true,
    });
    expect(parseStackFrame('  File "/app/currency/rates.py", line 31, in convert')).toMatchObject({
      file: '/app/currency/rates.py',
      line: 31,
      function: 'convert',
    });
    expect(parseStackFrame('\t/app/server/handler.go:58 +0x1d4')).toMatchObject({
      file: '/app/server/handler.go',
      line: 58,
    });
    expect(parseStackFrame('    at charge (/usr/src/app/charge.js:19:11)')).toMatchObject({
      file: '/usr/src/app/charge.js',
      line: 19,
      function: 'charge',
    });
  });

  it('reads Ruby, PHP and Elixir frames', () => {
    expect(parseStackFrame("/srv/app/app/models/order.rb:42:in `total'")).toMatchObject({
      file: '/srv/app/app/models/order.rb',
      line: 42,
      function: 'total',
      app: true,
    });
    expect(parseStackFrame("\tfrom /srv/app/app/models/order.rb:17:in 'Order#charge'")?.line).toBe(17);
    expect(
      parseStackFrame("/usr/local/bundle/gems/activerecord-7.2.1/lib/active_record/base.rb:9:in `find'")?.app,
    ).toBe(false);
    expect(parseStackFrame('#0 /var/www/html/src/Cart.php(42): App\\Cart->add()')).toMatchObject({
      file: '/var/www/html/src/Cart.php',
      line: 42,
      app: true,
    });
    expect(
      parseStackFrame('#1 /var/www/html/vendor/laravel/framework/src/Pipeline.php(9): call()')?.app,
    ).toBe(false);
    expect(parseStackFrame('    (shop 0.4.1) lib/shop/cart.ex:42: Shop.Cart.add/2')).toMatchObject({
      file: 'lib/shop/cart.ex',
      line: 42,
      app: true,
    });
    expect(
      parseStackFrame('    (phoenix 1.7.14) lib/phoenix/router.ex:484: Phoenix.Router.call/2')?.app,
    ).toBe(false);
  });

  it('tells library frames from application frames', () => {
    expect(parseStackFrame('   at System.Threading.Tasks.Task.Run() in /_/src/Task.cs:line 10')?.app).toBe(
      false,
    );
    expect(parseStackFrame('    at Module._compile (node:internal/modules/cjs/loader:1256:14)')).toBeNull();
    expect(parseStackFrame('    at next (/app/node_modules/express/lib/router/index.js:280:10)')?.app).toBe(
      false,
    );
    expect(parseStackFrame('just a line with a colon: 42')).toBeNull();
    // SQLAlchemy's generated methods show as `<string>`; they are no file in the repository.
    expect(parseStackFrame('  File "<string>", line 2, in _connection_for_bind')?.app).toBe(false);
    expect(parseStackFrame('  File "/app/tracking_api/store.py", line 34, in shipment_events')?.app).toBe(
      true,
    );
  });
});

describe('log analysis', () => {
  it('groups repeated .NET exceptions into one counted signature with its application frame', () => {
    const block = (id: string, t: string) => [
      `${t} fail: Grpc.AspNetCore.Server.ServerCallHandler[6]`,
      `      Error when executing service method 'AddItem'.`,
      `      System.InvalidOperationException: Invalid product id ${id}`,
      `         at cart.store.RedisCartStore.AddItemAsync(String userId, String productId) in /app/store/RedisCartStore.cs:line 74`,
      `         at cart.Services.CartService.AddItem(AddItemRequest request) in /app/Services/CartService.cs:line 31`,
      `         at Grpc.AspNetCore.Server.Internal.CallHandlers.UnaryServerCallHandler.HandleCall() in /_/src/Handler.cs:line 5`,
    ];
    const log = [
      '2026-11-20T13:00:00Z info: started',
      ...block('a1', '2026-11-20T13:10:00Z'),
      '2026-11-20T13:11:00Z info: AddItem ok',
      ...block('b2', '2026-11-20T13:20:00Z'),
    ].join('\n');
    const { signatures } = analyzeLog(log);
    const exception = signatures[0];
    expect(exception).toMatchObject({
      kind: 'exception',
      type: 'System.InvalidOperationException',
      count: 2,
    });
    expect(exception?.appFrame).toMatchObject({ file: '/app/store/RedisCartStore.cs', line: 74 });
    expect(exception?.firstAt).toBe('2026-11-20T13:10:00Z');
    expect(exception?.lastAt).toBe('2026-11-20T13:20:00Z');
  });

  it('reads a Python traceback innermost frame first', () => {
    const log = [
      'Traceback (most recent call last):',
      '  File "/app/server.py", line 80, in handle',
      '    rate = convert(req)',
      '  File "/app/rates.py", line 12, in convert',
      '    return RATES[code]',
      "KeyError: 'GBP'",
    ].join('\n');
    const [s] = analyzeLog(log).signatures;
    expect(s).toMatchObject({ kind: 'exception', type: 'KeyError', message: "'GBP'" });
    expect(s?.appFrame).toMatchObject({ file: '/app/rates.py', line: 12 });
  });

  it('reads a Go panic and JSON error lines', () => {
    const log = [
      '{"severity":"error","message":"request error","error":"rpc error: code = Unavailable","http.req.path":"/cart","http.req.method":"POST","http.resp.status":500}',
      'panic: runtime error: invalid memory address or nil pointer dereference',
      '',
      'goroutine 1 [running]:',
      'main.(*server).charge(0x0)',
      '\t/app/charge.go:58 +0x1d',
    ].join('\n');
    const sigs = analyzeLog(log).signatures;
    expect(sigs[0]).toMatchObject({ kind: 'exception', type: 'panic' });
    expect(sigs[0]?.appFrame).toMatchObject({ file: '/app/charge.go', line: 58 });
    expect(sigs.find((s) => s.kind === 'error')?.message).toContain('rpc error: code = Unavailable');
  });

  it('finds nothing in a healthy log', () => {
    const log = Array.from(
      { length: 50 },
      (_, i) => `2026-11-20T13:${String(i).padStart(2, '0')}:00Z info: GET /health 200`,
    ).join('\n');
    expect(analyzeLog(log).signatures).toEqual([]);
  });
});

describe('lines without a level', () => {
  it('counts shell, psql and entrypoint failures that carry no level, and ignores ordinary output', () => {
    const { signatures } = analyzeLog(
      [
        'starting backup of warehouse',
        '/scripts/backup.sh: line 5: pg_dump: not found',
        'psql: error: connection to server at "db" (10.0.0.5), port 5432 failed: Connection refused',
        'wrote 120 rows',
      ].join('\n'),
    );
    expect(signatures.map((s) => s.message)).toEqual([
      '/scripts/backup.sh: line 5: pg_dump: not found',
      'psql: error: connection to server at "db" (10.0.0.5), port 5432 failed: Connection refused',
    ]);
    expect(signatures.every((s) => s.kind === 'error')).toBe(true);
  });
});

describe('bracketed syslog severities', () => {
  it("reads HAProxy's [ALERT] and nginx's [emerg] as errors and [NOTICE] as information", () => {
    const { signatures } = analyzeLog(
      [
        '[NOTICE]   (1) : haproxy version is 3.0.5-8e879a5',
        "[ALERT]    (1) : config : parsing [/usr/local/etc/haproxy/haproxy.cfg:15] : unknown keyword 'timout' in 'defaults' section; did you mean 'timeout' maybe ?",
        '[emerg] 1#1: unknown directive "proxy_pas" in /etc/nginx/conf.d/default.conf:12',
      ].join('\n'),
    );
    expect(signatures.map((s) => [s.kind, s.message])).toEqual([
      [
        'error',
        "(1) : config : parsing [/usr/local/etc/haproxy/haproxy.cfg:15] : unknown keyword 'timout' in 'defaults' section; did you mean 'timeout' maybe ?",
      ],
      ['error', '1#1: unknown directive "proxy_pas" in /etc/nginx/conf.d/default.conf:12'],
    ]);
  });

  it('keeps no level for a sentence that merely starts with one of those words', () => {
    expect(analyzeLog('Notice board refreshed').signatures).toEqual([]);
  });
});

describe('log analysis: Ruby, PHP, Elixir and common line prefixes', () => {
  it('finds a Rails exception under its empty FATAL line, with the application frame', () => {
    const log = [
      'I, [2026-12-01T10:00:00.100000 #1]  INFO -- : Started GET "/orders/7"',
      'F, [2026-12-01T10:00:00.123000 #1] FATAL -- : ',
      "NoMethodError (undefined method 'name' for nil):",
      '  ',
      "app/models/order.rb:42:in 'Order#total'",
      "/usr/local/bundle/gems/actionpack-7.2.1/lib/action_controller/metal/basic_implicit_render.rb:8:in 'send_action'",
    ].join('\n');
    const [first, ...rest] = analyzeLog(log).signatures;
    expect(first).toMatchObject({
      kind: 'exception',
      type: 'NoMethodError',
      message: "undefined method 'name' for nil",
    });
    expect(first?.appFrame).toMatchObject({ file: 'app/models/order.rb', line: 42 });
    expect(rest).toEqual([]);
  });

  it('reads a Rails exception whose every line carries the request-id tag', () => {
    const tag = '[c9ce29d1-4915-4a46-a0e8-c37affedf3cb]';
    const log = [
      `F, [2026-12-03T17:59:33.420640 #1] FATAL -- : ${tag}   `,
      `${tag} NoMethodError (undefined method 'display_name' for nil):`,
      `${tag}   `,
      `${tag} app/models/gym_class.rb:39:in 'GymClass#instructor_label'`,
    ].join('\n');
    const [sig, ...rest] = analyzeLog(log).signatures;
    expect(sig).toMatchObject({
      type: 'NoMethodError',
      appFrame: { file: 'app/models/gym_class.rb', line: 39 },
    });
    expect(rest).toEqual([]);
  });

  it('reads any namespaced Rails exception class, whatever its last word', () => {
    const log = [
      'F, [2026-12-01T10:00:00.123000 #1] FATAL -- : ',
      'Stripe::CardDeclined (Your card was declined.):',
      '  ',
      "app/services/charge.rb:12:in 'Charge#call'",
    ].join('\n');
    expect(analyzeLog(log).signatures[0]).toMatchObject({
      kind: 'exception',
      type: 'Stripe::CardDeclined',
      message: 'Your card was declined.',
      appFrame: { file: 'app/services/charge.rb', line: 12 },
    });
    expect(analyzeLog('Rendered (12.5ms):').signatures).toEqual([]);
  });

  it('keeps a .NET inner exception, the innermost cause, with its outer exception', () => {
    const log = [
      'Unhandled exception. Microsoft.Data.SqlClient.SqlException (0x80131904): A connection was successfully established with the server, but then an error occurred during the pre-login handshake.',
      ' ---> System.Security.Authentication.AuthenticationException: The remote certificate was rejected by the provided RemoteCertificateValidationCallback.',
      '   at System.Net.Security.SslStream.SendAuthResetSignal(ReadOnlySpan`1 alert, ExceptionDispatchInfo exception)',
      '   at Warranty.Program.Main(String[] args) in /src/Warranty/Program.cs:line 41',
    ].join('\n');
    const [sig] = analyzeLog(log).signatures;
    expect(sig?.type).toBe('Microsoft.Data.SqlClient.SqlException');
    expect(sig?.message).toContain(
      '---> System.Security.Authentication.AuthenticationException: The remote certificate was rejected',
    );
    expect(sig?.appFrame).toMatchObject({ file: '/src/Warranty/Program.cs', line: 41 });
  });

  it('reads an uncaught Ruby exception and its `from` frames', () => {
    const log =
      "/srv/app/lib/worker.rb:17:in 'Worker#perform': undefined method 'fetch' for nil (NoMethodError)\n\tfrom /srv/app/lib/worker.rb:9:in 'Worker.run'\n";
    const [sig] = analyzeLog(log).signatures;
    expect(sig).toMatchObject({ type: 'NoMethodError', message: "undefined method 'fetch' for nil" });
    expect(sig?.frames.map((f) => f.line)).toEqual([17, 9]);
  });

  it('keeps a PHP stack trace with its exception', () => {
    const log = [
      'PHP Fatal error:  Uncaught TypeError: App\\Cart::add(): Argument #1 ($qty) must be of type int, string given in /var/www/html/src/Cart.php:18',
      'Stack trace:',
      "#0 /var/www/html/src/Controller/CartController.php(31): App\\Cart->add('2')",
      '#1 {main}',
      '  thrown in /var/www/html/src/Cart.php on line 18',
    ].join('\n');
    const [sig] = analyzeLog(log).signatures;
    expect(sig).toMatchObject({ kind: 'exception', type: 'TypeError' });
    expect(sig?.appFrame).toMatchObject({
      file: '/var/www/html/src/Controller/CartController.php',
      line: 31,
    });
  });

  it('reads an Elixir exception and its application frame', () => {
    const log =
      '** (KeyError) key :currency not found in: %{amount: 10}\n    (shop 0.4.1) lib/shop/pricing.ex:42: Shop.Pricing.total/1\n    (phoenix 1.7.14) lib/phoenix/router.ex:484: Phoenix.Router.call/2\n';
    const [sig] = analyzeLog(log).signatures;
    expect(sig).toMatchObject({ type: 'KeyError', message: 'key :currency not found in: %{amount: 10}' });
    expect(sig?.appFrame).toMatchObject({ file: 'lib/shop/pricing.ex', line: 42 });
  });

  it('reads the time and level of nginx, Go log, Ruby Logger and Python logging lines', () => {
    const nginx = analyzeLog(
      '2026/12/01 10:00:00 [error] 29#29: *1 connect() failed (111: Connection refused) while connecting to upstream\n',
    ).signatures[0];
    expect(nginx).toMatchObject({ kind: 'error', firstAt: '2026-12-01T10:00:00Z' });
    expect(nginx?.message.startsWith('29#29')).toBe(true);
    const python = analyzeLog('ERROR:payments.charge:card processor unavailable\nINFO:payments:retrying\n');
    expect(python.signatures.map((s) => s.kind)).toEqual(['error']);
    const ruby = analyzeLog('W, [2026-12-01T10:00:00.5 #1]  WARN -- sidekiq: queue latency 40s\n')
      .signatures[0];
    expect(ruby).toMatchObject({ kind: 'warning', message: 'queue latency 40s' });
  });
});

describe('multi-line values', () => {
  it("keeps hclog's `error=` detail lines with the message they belong to", () => {
    const attempt = (s: number) =>
      [
        `2026-12-02T06:49:5${s}.409Z [ERROR] agent.auth.handler: error authenticating:`,
        '  error=',
        '  | Error making API request.',
        '  | ',
        '  | URL: PUT https://secrets.vault.svc:8200/v1/auth/kubernetes/login',
        '  | Code: 503. Errors:',
        '  | ',
        '  | * Vault is sealed',
        '   backoff=1.00s',
        `2026-12-02T06:49:5${s}.500Z [INFO]  agent.auth.handler: authenticating`,
      ].join('\n');
    const { signatures } = analyzeLog(`${attempt(1)}\n${attempt(2)}\n`);
    expect(signatures).toHaveLength(1);
    expect(signatures[0]).toMatchObject({ kind: 'error', count: 2 });
    expect(signatures[0]?.message).toContain('Code: 503. Errors: * Vault is sealed');
  });
});
