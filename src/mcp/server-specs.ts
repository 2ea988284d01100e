import type { Settings } from '../config/load.js';
import { BUNDLED_SERVER_NAMES } from '../config/schema.js';
import type { ConfiguredServer } from '../config/servers.js';
import { UsageError } from '../errors/errors.js';
import { bundledServerSpecs } from './bundled-servers.js';
import { findCommand } from './find-command.js';
import { BUNDLED_ALLOWLISTS, type ServerSpec } from './server-spec.js';

type BundledName = (typeof BUNDLED_SERVER_NAMES)[number];
const isBundledName = (name: string): name is BundledName =>
  (BUNDLED_SERVER_NAMES as readonly string[]).includes(name);

/** A configured server as the host runs it: its allowlist, pins, and for Kubernetes the namespace scope. */
function configuredSpec(server: ConfiguredServer, settings: Settings): ServerSpec | null {
  if (server.disabled || !server.transport) return null;
  const bundled = isBundledName(server.name) ? BUNDLED_ALLOWLISTS[server.name] : undefined;
  // The report post stays the host's, whatever the config lists: the model never sees it.
  const hostOnly = bundled?.hostOnly ?? [];
  const allow = (server.tools ?? bundled?.allow ?? []).filter((tool) => !hostOnly.includes(tool));
  return {
    name: server.name,
    bundled: false,
    transport: server.transport,
    allow,
    hostOnly,
    namespaces: settings.namespaces,
    pins: server.pins,
  };
}

/**
 * Every server a run starts: the bundled ones, less those the config replaces (a configured server
 * named `kubernetes`, `github` or `slack`) or disables, plus the configured ones. A stdio command
 * that cannot be found is a configuration error, raised before anything starts.
 */
export async function serverSpecs(
  settings: Settings,
  options: { now?: Date; cwd?: string } = {},
): Promise<ServerSpec[]> {
  const configuredNames = new Set(settings.servers.map((s) => s.name));
  const bundled = bundledServerSpecs(settings, options).filter((spec) => !configuredNames.has(spec.name));
  const configured = settings.servers
    .map((server) => configuredSpec(server, settings))
    .filter((spec): spec is ServerSpec => spec !== null);
  for (const spec of configured) {
    if (spec.transport.kind !== 'stdio') continue;
    const cwd = spec.transport.cwd ?? options.cwd ?? process.cwd();
    const pathVariable = spec.transport.env.PATH ?? settings.env.PATH;
    if (!(await findCommand(spec.transport.command, { pathVariable, cwd }))) {
      throw new UsageError(
        `config file ${settings.configPath ?? '(none)'}: mcpServers.${spec.name}.command: ` +
          `'${spec.transport.command}' was not found ${/[/\\]/.test(spec.transport.command) ? `(relative to ${cwd})` : 'on PATH'}; ` +
          'expected an executable, e.g. npx or the absolute path of the server binary',
      );
    }
  }
  return [...bundled, ...configured];
}
