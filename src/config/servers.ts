import { UsageError } from '../errors/errors.js';
import { MissingVariableError, interpolate } from './interpolate.js';
import type { Env } from './load.js';
import type { McpServerEntry } from './schema.js';

/** How the agent reaches a configured server, with every `${VAR}` already filled in. */
export type ServerTransport =
  | { kind: 'stdio'; command: string; args: string[]; env: Record<string, string>; cwd?: string }
  /** `auto`: Streamable HTTP, falling back to the older HTTP+SSE transport when the server refuses it. */
  | { kind: 'http'; url: string; headers: Record<string, string>; mode: 'auto' | 'sse' };

/** A server from the config file's `mcpServers`, validated and interpolated. */
export interface ConfiguredServer {
  name: string;
  /** `disabled: true` on a bundled name turns the bundled server off. */
  disabled: boolean;
  transport: ServerTransport | null;
  /** The allowlist; undefined only for a bundled name, which keeps the bundled allowlist. */
  tools: string[] | undefined;
  /** Tool name → sha256 hex of its canonical definition (without the `sha256:` prefix). */
  pins: Record<string, string>;
}

function fill(value: string, env: Env, file: string, field: string): string {
  try {
    return interpolate(value, env);
  } catch (error) {
    if (error instanceof MissingVariableError) {
      throw new UsageError(
        `config file ${file}: ${field}: ${error.message}; export ${error.variable} or give a fallback as \${${error.variable}:-value}`,
      );
    }
    throw error;
  }
}

function fillMap(map: Record<string, string>, env: Env, file: string, field: string): Record<string, string> {
  return Object.fromEntries(Object.entries(map).map(([k, v]) => [k, fill(v, env, file, `${field}.${k}`)]));
}

/**
 * The configured servers, in file order, with `${VAR}` references replaced from `env`. Every
 * error names the file, the field and what is expected there.
 */
export function resolveConfiguredServers(
  entries: Record<string, McpServerEntry>,
  env: Env,
  file: string,
): ConfiguredServer[] {
  return Object.entries(entries).map(([name, entry]) => {
    const at = `mcpServers.${name}`;
    const pins = Object.fromEntries(
      Object.entries(entry.pins ?? {}).map(([tool, pin]) => [tool, pin.replace(/^sha256:/, '')]),
    );
    if (entry.disabled) return { name, disabled: true, transport: null, tools: entry.tools, pins };
    let transport: ServerTransport;
    if (entry.command) {
      transport = {
        kind: 'stdio',
        command: fill(entry.command, env, file, `${at}.command`),
        args: entry.args.map((a, i) => fill(a, env, file, `${at}.args.${i}`)),
        env: fillMap(entry.env, env, file, `${at}.env`),
        ...(entry.cwd ? { cwd: fill(entry.cwd, env, file, `${at}.cwd`) } : {}),
      };
    } else {
      const url = fill(entry.url ?? '', env, file, `${at}.url`);
      let parsed: URL | undefined;
      try {
        parsed = new URL(url);
      } catch {
        parsed = undefined;
      }
      if (!parsed || !/^https?:$/.test(parsed.protocol)) {
        throw new UsageError(
          `config file ${file}: ${at}.url: '${url}' is not an http(s) URL; expected e.g. https://mcp.example.com/mcp`,
        );
      }
      transport = {
        kind: 'http',
        url,
        headers: fillMap(entry.headers, env, file, `${at}.headers`),
        mode: entry.type === 'sse' ? 'sse' : 'auto',
      };
    }
    return { name, disabled: false, transport, tools: entry.tools, pins };
  });
}
