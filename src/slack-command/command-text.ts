/** What `/sre …` asked for. */
export type SlashCommand =
  | { kind: 'diagnose'; service: string; namespace?: string }
  | { kind: 'help' }
  | { kind: 'unknown'; text: string; problem: string };

const NAME = /^[a-zA-Z0-9][a-zA-Z0-9._-]{0,252}$/;

/** Parse the text after the command: `diagnose <service> [namespace]`, `help`, or nothing (help). */
export function parseCommandText(raw: string): SlashCommand {
  const words = raw.trim().split(/\s+/).filter(Boolean);
  const [verb, service, namespace, ...extra] = words;
  if (!verb || /^(help|-h|--help|\?)$/i.test(verb)) return { kind: 'help' };
  if (!/^diagnose$/i.test(verb))
    return { kind: 'unknown', text: raw, problem: `unknown subcommand '${verb}'` };
  if (!service) return { kind: 'unknown', text: raw, problem: 'name the service to diagnose' };
  if (!NAME.test(service))
    return { kind: 'unknown', text: raw, problem: `'${service}' is not a service name` };
  if (namespace !== undefined && !/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(namespace)) {
    return { kind: 'unknown', text: raw, problem: `'${namespace}' is not a namespace name` };
  }
  if (extra.length > 0) return { kind: 'unknown', text: raw, problem: `unexpected '${extra.join(' ')}'` };
  return { kind: 'diagnose', service, ...(namespace ? { namespace } : {}) };
}
