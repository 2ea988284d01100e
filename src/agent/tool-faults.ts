import type { ToolInvoker } from '../llm/engine.js';
import type { ToolOutcome } from '../mcp/normalize-result.js';
import { parseCapabilityRoute } from '../mcp/adapters/capability-route.js';
import { splitToolName } from '../mcp/tool-name.js';

/**
 * Faults named (DESIGN.md 4.4 `gaps`): a read that failed because something broke — an API that
 * answered 5xx, 429, 401 or 403, a GitHub rate limit or a repository the token cannot see, an
 * unreachable API, an MCP server that crashed or did not answer in time — as opposed to an answer
 * (a pod that does not exist, a file that is not in the repository, a guard's refusal). Each fault
 * becomes a gap of the report and makes it degraded, whichever engine ran: a report with unread
 * evidence must say so, and can never call the service healthy.
 */
export interface ToolFault {
  server: string;
  /** What could not be read, in words (`logs of pod cart-7d9 container server`). */
  what: string;
  /** Why: the failure's first line, as the tool or the host said it. */
  why: string;
}

/** Failure texts that mean the read broke, not that the answer was "no". */
const FAULTS: readonly RegExp[] = [
  /timed out or was cancelled/i,
  /stopped during the run|is not connected|connection closed/i,
  /Kubernetes API answered (?:5\d\d|429|401|403)\b/,
  /Kubernetes API unreachable/,
  /GitHub API answered (?:5\d\d|404 for the repository)/,
  /GitHub (?:API unreachable|rejected the token|rate limit exceeded|refused the request)/,
  /Slack API unreachable/,
  // Community servers' wording of the same.
  /\b(?:500 Internal Server Error|502 Bad Gateway|503 Service Unavailable|504 Gateway Timeout)\b/i,
  /\bInternal error occurred\b|the server is currently unable to handle the request|API rate limit exceeded/i,
];

const str = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined;

/**
 * The thing a call was reading, in the words the offline engine uses for its own gaps, so the same
 * failed read is listed once.
 */
function whatOf(tool: string, args: Record<string, unknown>): string {
  const ns = str(args.namespace);
  const pod = str(args.pod) ?? str(args.name);
  const kind = str(args.kind);
  switch (tool) {
    case 'get_pod_logs':
    case 'pods_log': {
      const container = str(args.container);
      return `${args.previous === true ? 'previous ' : ''}logs of pod ${pod ?? '?'}${container ? ` container ${container}` : ''}`;
    }
    case 'list_events':
    case 'events_list':
      return `events of namespace ${ns ?? 'the run'}`;
    case 'list_pods':
    case 'pods_list_in_namespace':
      return `the pods of ${str(args.service) ?? ns ?? 'the service'}`;
    case 'get_file_contents':
      return `file ${str(args.path) ?? '?'} of the repository`;
    case 'list_commits':
      return `commits of the repository${str(args.path) ? ` touching ${str(args.path)}` : ''}`;
    case 'get_commit':
      return `commit ${str(args.sha) ?? '?'}`;
    case 'search_code':
      return `code search for '${str(args.query) ?? str(args.q) ?? '?'}'`;
    default:
      if (kind)
        return str(args.name)
          ? `${kind} ${ns ?? ''}/${str(args.name)}`
          : `${kind} objects in namespace ${ns ?? '?'}`;
      return `${tool}${pod ? ` ${pod}` : ''}`;
  }
}

/** The fault behind a failed call, or null when the call succeeded or failed with an answer. */
export function toolFault(
  name: string,
  args: Record<string, unknown>,
  outcome: ToolOutcome,
): ToolFault | null {
  if (outcome.ok) return null;
  const why = (outcome.error ?? outcome.text).split('\n')[0]?.trim() ?? '';
  // A guard's refusal is by design (the engines report what it kept them from); a refusal because
  // the server is gone is a fault.
  const refused = /^Refused:/.test(outcome.text) && !/stopped during the run/.test(why);
  if (why === '' || refused) return null;
  if (!FAULTS.some((pattern) => pattern.test(outcome.text) || pattern.test(why))) return null;
  const qualified = parseCapabilityRoute(name)?.qualifiedTool ?? name;
  const parts = splitToolName(qualified);
  const server = parts?.server ?? qualified;
  return {
    server,
    what: whatOf(parts?.tool ?? qualified, args),
    why: why.length > 400 ? `${why.slice(0, 399)}…` : why,
  };
}

/**
 * The degraded reasons for a run's faults: one line per distinct failure, the things it kept from
 * being read named after it; at most `max` lines.
 */
export function faultReasons(faults: readonly ToolFault[], max = 5): string[] {
  const byWhy = new Map<string, string[]>();
  for (const fault of faults) byWhy.set(fault.why, [...(byWhy.get(fault.why) ?? []), fault.what]);
  const lines = [...byWhy].map(([why, whats]) => {
    const named = whats.slice(0, 3).join('; ') + (whats.length > 3 ? `; ${whats.length - 3} more` : '');
    return `could not read ${named}: ${why}`;
  });
  return lines.length > max
    ? [...lines.slice(0, max), `and ${lines.length - max} more kinds of failed reads (see the gaps)`]
    : lines;
}

/** The run's tools with their faults recorded, and the reads still waiting for an answer. */
export interface FaultRecordingInvoker extends ToolInvoker {
  /** Calls not answered yet: when the run ends with some, their servers hung. */
  pending(): ToolFault[];
}

/** The run's tools, with every fault handed to `onFault` as it happens. */
export function recordFaults(tools: ToolInvoker, onFault: (fault: ToolFault) => void): FaultRecordingInvoker {
  const inFlight = new Map<number, { name: string; args: Record<string, unknown> }>();
  let next = 0;
  return {
    toolNames: () => tools.toolNames(),
    definitions: () => tools.definitions(),
    call: async (name, args, options) => {
      const id = (next += 1);
      inFlight.set(id, { name, args });
      try {
        const outcome = await tools.call(name, args, options);
        const fault = toolFault(name, args, outcome);
        if (fault) onFault(fault);
        return outcome;
      } finally {
        inFlight.delete(id);
      }
    },
    pending: () =>
      [...inFlight.values()].map(({ name, args }) => {
        const fault = toolFault(name, args, {
          ok: false,
          text: 'timed out or was cancelled: no answer before the run ended',
          durationMs: 0,
        });
        return fault as ToolFault;
      }),
  };
}
