/** One frame of a stack trace, in whatever language wrote it. */
export interface StackFrame {
  /** Path or file name as the trace printed it (a container path, not a repository path). */
  file: string;
  line: number;
  function?: string;
  /** True when the frame is the application's own code rather than a runtime or library. */
  app: boolean;
}

interface FramePattern {
  regex: RegExp;
  pick(m: RegExpMatchArray): { file: string; line: number; function?: string } | null;
}

// One pattern per runtime's frame format. Each is anchored and linear so a huge log line stays cheap.
const FRAME_PATTERNS: FramePattern[] = [
  // .NET: "at NS.Type.Method(args) in /app/File.cs:line 87"
  {
    regex: /^\s*at (\S+?)\(.{0,500}?\) in (\S.*?):line (\d+)\s*$/,
    pick: (m) => ({ function: m[1], file: m[2] as string, line: Number(m[3]) }),
  },
  // Python: 'File "/app/x.py", line 42, in handler'
  {
    regex: /^\s*File "([^"]+)", line (\d+)(?:, in (\S+))?/,
    pick: (m) => ({ file: m[1] as string, line: Number(m[2]), function: m[3] }),
  },
  // Node.js: "at fn (/app/src/x.js:10:5)" or "at /app/src/x.js:10:5" or "at async fn (file:///app/x.mjs:3:1)"
  {
    regex:
      /^\s*at (?:async )?(?:(\S+?) (?:\[as \S+\] )?\()?((?:file:\/\/)?[^\s()]+?\.[cm]?[jt]sx?):(\d+):\d+\)?\s*$/,
    pick: (m) => ({ function: m[1], file: (m[2] as string).replace(/^file:\/\//, ''), line: Number(m[3]) }),
  },
  // Java / Kotlin / Scala: "at com.shop.Payment.charge(Payment.java:42)"
  {
    regex: /^\s*at ([\w$.<>/]+)\(([\w$-]+\.(?:java|kt|scala|groovy)):(\d+)\)/,
    pick: (m) => ({ function: m[1], file: javaPath(m[1] as string, m[2] as string), line: Number(m[3]) }),
  },
  // Rust backtrace: "             at ./src/config.rs:14:37"
  {
    regex: /^\s*at (?:\.\/)?(\S+?\.rs):(\d+)(?::\d+)?\s*$/,
    pick: (m) => ({ file: m[1] as string, line: Number(m[2]) }),
  },
  // Ruby: "/app/app/models/order.rb:42:in `total'" (Ruby 3.4 quotes 'Order#total'), "from …" in a backtrace
  {
    regex: /^\s*(?:from )?(\S+?\.rb):(\d+):in [`'](.{1,200}?)'/,
    pick: (m) => ({ file: m[1] as string, line: Number(m[2]), function: m[3] }),
  },
  // PHP: "#0 /var/www/src/Cart.php(42): App\\Cart->add()"
  {
    regex: /^#\d+ (\S+?\.php)\((\d+)\): (\S+?)\(/,
    pick: (m) => ({ file: m[1] as string, line: Number(m[2]), function: m[3] }),
  },
  // Elixir: "(shop 0.4.1) lib/shop/cart.ex:42: Shop.Cart.add/2"
  {
    regex: /^\s*\(([\w]+) [\w.-]+\) (\S+?\.exs?):(\d+): (\S+)/,
    pick: (m) => ({
      file: m[2] as string,
      line: Number(m[3]),
      function: `${m[1] as string}:${m[4] as string}`,
    }),
  },
  // Go: "\t/app/server.go:42 +0x1d" (the function is on the line before, not needed here)
  {
    regex: /^\s+(\/\S+\.go):(\d+)(?: \+0x[0-9a-f]+)?\s*$/,
    pick: (m) => ({ file: m[1] as string, line: Number(m[2]) }),
  },
];

/** Java prints only the file name; the package gives the directory (com.shop.pay.Charge → com/shop/pay/Charge.java). */
function javaPath(qualifiedMethod: string, fileName: string): string {
  const parts = qualifiedMethod.split('.');
  const packageParts = parts.slice(0, -2).filter((p) => /^[a-z_][\w]*$/.test(p));
  return packageParts.length ? `${packageParts.join('/')}/${fileName}` : fileName;
}

// `<string>`, `<frozen …>`, `<decorator-gen-3>`: Python code compiled at run time by a library
// (SQLAlchemy's and dataclasses' generated methods), never a file of the application's repository.
const LIBRARY_PATH =
  /(node_modules|site-packages|dist-packages|\/usr\/(local\/)?lib\/|\/go\/pkg\/mod\/|\/usr\/local\/go\/|^runtime\/|node:internal|^<[^>]*>$|<frozen |\/\.nuget\/|\/rustc\/|\.cargo\/registry|\/gems\/|\/ruby\/\d|\/vendor\/)/;
// Elixir frames carry their OTP application (`phoenix:Phoenix.Router.call/2`); Hex packages are libraries.
const LIBRARY_FUNCTION =
  /^(?:(?:elixir|stdlib|kernel|phoenix|plug|plug_cowboy|cowboy|ecto|ecto_sql|db_connection|postgrex):|(?:System|Microsoft|Grpc|Google\.Protobuf|StackExchange|Npgsql|java|javax|jdk|sun|kotlin|scala|org\.springframework|org\.apache|io\.grpc|io\.netty|com\.fasterxml|reactor|runtime|net\/http|google\.golang\.org|grpc)[.(/])/;

/** Parse a line as a stack frame, or null when it is not one. */
export function parseStackFrame(line: string): StackFrame | null {
  if (line.length > 2000) return null;
  for (const pattern of FRAME_PATTERNS) {
    const match = line.match(pattern.regex);
    if (!match) continue;
    const frame = pattern.pick(match);
    if (!frame || !Number.isFinite(frame.line) || frame.line <= 0) continue;
    const app = !LIBRARY_PATH.test(frame.file) && !(frame.function && LIBRARY_FUNCTION.test(frame.function));
    return { ...frame, app };
  }
  return null;
}
