import { REDACTED, isMaskableValue, valueSpan } from './mask.js';
import { isSecretKey } from './secret-keys.js';

/**
 * Secrets given on a command line: a long flag that names one followed by its value
 * (`--password X`, `--admin-password X`, `--token X`; `--flag=X` is a key/value and handled there),
 * in a shell line, a JSON array (`"--token", "X"`), a YAML list (`- --token\n- X`) or `kubectl
 * describe` output (the value on the next line); and the short flags of tools whose short flag
 * takes the password (`mysql -pX`, `redis-cli -a X`, `sshpass -p X`, `curl -u user:X`).
 */

/** A long flag, then what may stand between it and its value: quotes, a comma, a line break, a list dash. */
const LONG_FLAG =
  /(?<=^|[^A-Za-z0-9_-]|\\[nrt])(?<flag>--?[A-Za-z][A-Za-z0-9_.-]{1,60})(?<sep>(?:\\?["'])?[ \t]*,?[ \t]*(?:(?:\r?\n|\\n)[ \t]*(?:-[ \t]+)?)?(?:\\?["'])?[ \t]*)/g;

function maskLongFlags(text: string): string {
  const re = new RegExp(LONG_FLAG.source, LONG_FLAG.flags);
  let out = '';
  let copied = 0;
  for (let match = re.exec(text); match !== null; match = re.exec(text)) {
    const flag = match.groups?.['flag'] ?? '';
    const sep = match.groups?.['sep'] ?? '';
    // Only a flag followed by a separator that is not `=` (handled as key=value) takes a value here.
    if (!/[\s,]|\\n/.test(sep) || !isSecretKey(flag.replace(/^-+/, ''))) {
      re.lastIndex = match.index + flag.length;
      continue;
    }
    let valueAt = match.index + match[0].length;
    // The separator ate the value's opening quote; the span must see it to stop at the closing one.
    if (/["']$/.test(sep)) valueAt -= sep.endsWith('\\"') ? 2 : 1;
    const span = valueSpan(text, valueAt, ':');
    const value = text.slice(span.start, span.end);
    if (value.startsWith('-') || value.startsWith(REDACTED) || !isMaskableValue(flag, value)) {
      re.lastIndex = match.index + flag.length;
      continue;
    }
    out += text.slice(copied, span.start) + REDACTED;
    copied = span.end;
    re.lastIndex = Math.max(span.end, re.lastIndex);
  }
  return out + text.slice(copied);
}

/** Tools whose short flag carries a password, and that flag (attached `-pX` or spaced `-a X`). */
const SHORT_FLAG_TOOLS: readonly { tool: RegExp; flag: RegExp }[] = [
  // mysql and friends: the password is attached to -p (`-pS3cret`); `-p` alone prompts for it.
  {
    tool: /\b(?:mysql|mysqldump|mysqladmin|mysqlimport|mysqlsh|mariadb|mariadb-dump|mycli)\b/,
    flag: /(?<=^|[\s"',[])(-p)([^\s"',]+)/g,
  },
  {
    tool: /\bredis-cli\b/,
    flag: /(?<=^|[\s"',[])(-a(?:[ \t]+|["'],[ \t]*["']|(?=[^\s"']{6})))([^\s"',\]-][^\s"',]*)/g,
  },
  { tool: /\bsshpass\b/, flag: /(?<=^|[\s"',[])(-p[ \t]*)([^\s"',\]-][^\s"',]*)/g },
  {
    tool: /\b(?:mongo|mongosh|mongodump|mongorestore|docker login|podman login)\b/,
    flag: /(?<=^|[\s"',[])(-p[ \t]+)([^\s"',\]-][^\s"',]*)/g,
  },
  { tool: /\bsqlcmd\b/, flag: /(?<=^|[\s"',[])(-P[ \t]*)([^\s"',\]-][^\s"',]*)/g },
  // curl -u user:password, wget --user=x --password=y is a key/value already.
  { tool: /\bcurl\b/, flag: /(?<=^|[\s"',[])((?:-u|--user)[ \t]+["']?[^\s:"']{1,128}:)([^\s"',]+)/g },
];

function maskShortFlags(text: string): string {
  return text.replace(/[^\n]{1,20000}/g, (line) => {
    let out = line;
    for (const { tool, flag } of SHORT_FLAG_TOOLS) {
      if (!tool.test(out)) continue;
      out = out.replace(flag, (whole, prefix: string, value: string) =>
        value.startsWith('[REDACTED') || value === '' ? whole : `${prefix}${REDACTED}`,
      );
    }
    return out;
  });
}

/**
 * An argument vector (`command`/`args` of a container, `process.argv`): the item after a long
 * secret flag is masked whole, and short password flags are read with the vector's tool in mind
 * (`["mysql", "-uroot", "-pX"]`).
 */
export function redactArgumentList(items: readonly string[]): string[] {
  const tool = items.join(' ');
  return items.map((item, i) => {
    const previous = items[i - 1];
    if (previous !== undefined && !item.startsWith('-') && item !== '' && isSecretFlag(previous))
      return item.startsWith('[REDACTED') ? item : REDACTED;
    let out = item;
    for (const { tool: toolPattern, flag } of SHORT_FLAG_TOOLS) {
      if (!toolPattern.test(tool)) continue;
      out = out.replace(flag, (whole, prefix: string, value: string) =>
        value.startsWith('[REDACTED') || value === '' ? whole : `${prefix}${REDACTED}`,
      );
    }
    return out;
  });
}

/** `--password`, `--api-token`: a flag whose value is a secret. */
export function isSecretFlag(item: string): boolean {
  return /^--?[A-Za-z][A-Za-z0-9_.-]{1,60}$/.test(item) && isSecretKey(item.replace(/^-+/, ''));
}

/** Mask the secrets passed as command-line flags. */
export function redactCommandLineSecrets(text: string): string {
  return maskShortFlags(maskLongFlags(text));
}
