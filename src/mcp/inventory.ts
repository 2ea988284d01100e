import { toolSchemaForApi } from './api-tool-schema.js';
import type { LiveServer } from './live-server.js';
import type { ServerSpec } from './server-spec.js';
import { toolDefinitionHash } from './tool-definition.js';
import { writeToolReason } from '../guards/withhold-write-tools.js';
import { matchPreset } from './adapters/presets.js';

/** One tool a server offers, as `config check` shows it. */
export interface ToolInventory {
  name: string;
  /** `allowed`: shown to the model; `hidden`: not on the allowlist; `withheld`: pin mismatch or changed. */
  status: 'allowed' | 'hidden' | 'withheld' | 'refused';
  reason?: string;
  /** sha256 of the canonical definition: put it in `pins` to pin the tool. */
  hash: string;
  readOnlyHint?: boolean;
  /** How its input schema is adjusted before the Messages API sees it (empty: sent as published). */
  schemaChanges?: string[];
  /** The capabilities the engines read through it, matched by what its input schema accepts. */
  serves?: string[];
}

export interface ServerInventory {
  name: string;
  bundled: boolean;
  /** Where it runs: the command line or the URL. */
  endpoint: string;
  transport?: string;
  preset?: string;
  error?: string;
  tools: ToolInventory[];
  /** Allowlisted names the server does not offer (a typo, or another version of the server). */
  missing: string[];
  /** Why no capability map fits the server (its tools accept other arguments), when none does. */
  unused?: string;
}

function endpointOf(spec: ServerSpec): string {
  return spec.transport.kind === 'stdio'
    ? [spec.transport.command, ...spec.transport.args].join(' ')
    : spec.transport.url;
}

/** What each server offers and what of it the host lets through, for `config check`. */
export function describeInventory(
  specs: readonly ServerSpec[],
  servers: ReadonlyMap<string, LiveServer>,
  failures: readonly { server: string; error: string }[],
): ServerInventory[] {
  return specs.map((spec) => {
    const live = servers.get(spec.name);
    const base = { name: spec.name, bundled: spec.bundled, endpoint: endpointOf(spec) };
    if (!live) {
      const error = failures.find((f) => f.server === spec.name)?.error ?? 'not connected';
      return { ...base, error, tools: [], missing: [...spec.allow] };
    }
    const match = matchPreset(live.offered);
    const tools = [...live.offered]
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((tool): ToolInventory => {
        const hash = toolDefinitionHash(tool);
        const withheld = live.withheld.get(tool.name);
        const refused = live.preset?.refused?.[tool.name];
        const readOnly = tool.annotations?.readOnlyHint;
        const { changes } = toolSchemaForApi(tool.inputSchema);
        const common = {
          name: tool.name,
          hash,
          ...(readOnly !== undefined ? { readOnlyHint: readOnly } : {}),
          ...(changes.length ? { schemaChanges: changes } : {}),
          ...(match.serves[tool.name]?.length ? { serves: match.serves[tool.name] } : {}),
        };
        if (spec.hostOnly.includes(tool.name))
          return { ...common, status: 'hidden', reason: 'host only (the report post)' };
        if (!spec.allow.includes(tool.name))
          return { ...common, status: 'hidden', reason: 'not on the allowlist' };
        if (withheld) return { ...common, status: 'withheld', reason: withheld.reason };
        const writes = writeToolReason(tool);
        if (writes) return { ...common, status: 'withheld', reason: writes };
        if (refused) return { ...common, status: 'refused', reason: refused };
        return { ...common, status: 'allowed' };
      });
    const offered = new Set(live.offered.map((t) => t.name));
    return {
      ...base,
      transport: live.connection.transport,
      ...(live.preset ? { preset: live.preset.id } : { unused: match.reasons.join('; ') }),
      tools,
      missing: spec.allow.filter((t) => !offered.has(t)),
    };
  });
}
