import { errorMessage } from '../errors/errors.js';

/**
 * The two Slack Web API calls group approval makes, with the WebClient's argument and result
 * shapes. Both need the bot scope `usergroups:read`
 * (https://docs.slack.dev/reference/methods/usergroups.list,
 * https://docs.slack.dev/reference/methods/usergroups.users.list).
 */
export interface UsergroupsApi {
  /** `usergroups.list`: the workspace's enabled groups, to turn a handle (`@oncall`) into its id. */
  usergroupsList(
    args: Record<string, never>,
  ): Promise<{ usergroups?: Array<{ id?: string; handle?: string }> }>;
  /** `usergroups.users.list`: the member ids of one group. */
  usergroupsUsersList(args: { usergroup: string }): Promise<{ users?: string[] }>;
}

/** Whether a user may approve through a group; `ok: false` when membership could not be read. */
export type GroupMembership = { ok: true; group: string | null } | { ok: false; problem: string };

/** How long a group's members (and the handle map) are trusted before Slack is asked again. */
export const DEFAULT_GROUP_CACHE_MS = 60_000;

interface Cached<T> {
  at: number;
  value: Promise<T>;
}

/**
 * Membership of the configured approver groups, read from Slack when a click arrives and kept
 * for a minute, so that a burst of clicks (or replays) costs Slack one call per group. Only
 * answers are kept: a failed lookup is forgotten at once, so the next click asks again. Lookups
 * already in flight are shared. One instance lives as long as `serve slack`.
 */
export class ApproverGroups {
  private readonly members = new Map<string, Cached<ReadonlySet<string>>>();
  private handles: Cached<ReadonlyMap<string, string>> | undefined;

  constructor(
    private readonly api: UsergroupsApi,
    /** Ids (`S…`) or handles (`@oncall`), as ActionSettings.approverGroups holds them. */
    private readonly groups: readonly string[],
    private readonly options: { clock: () => Date; ttlMs?: number },
  ) {}

  /**
   * Whether `userId` is in one of the groups: the first group that has them answers. Fails closed:
   * when no readable group has them and some group could not be read, the answer is `ok: false`
   * naming the problem, never "not a member".
   */
  async membership(userId: string): Promise<GroupMembership> {
    const problems: string[] = [];
    for (const group of this.groups) {
      try {
        const id = await this.idOf(group);
        if ((await this.membersOf(id)).has(userId)) return { ok: true, group };
      } catch (error) {
        problems.push(describeLookupFailure(group, error));
      }
    }
    return problems.length > 0 ? { ok: false, problem: problems.join('; ') } : { ok: true, group: null };
  }

  private async idOf(group: string): Promise<string> {
    if (!group.startsWith('@')) return group;
    const handles = await this.cached(
      () => this.handles,
      (entry) => (this.handles = entry),
      async () => {
        const { usergroups = [] } = await this.api.usergroupsList({});
        return new Map(
          usergroups.flatMap((g) => (g.id && g.handle ? [[g.handle.toLowerCase(), g.id] as const] : [])),
        );
      },
    );
    const id = handles.get(group.slice(1).toLowerCase());
    if (!id) throw new GroupLookupError(`no enabled Slack user group has the handle ${group}`);
    return id;
  }

  private membersOf(id: string): Promise<ReadonlySet<string>> {
    return this.cached(
      () => this.members.get(id),
      (entry) => (entry ? this.members.set(id, entry) : this.members.delete(id)),
      async () => new Set((await this.api.usergroupsUsersList({ usergroup: id })).users ?? []),
    );
  }

  /** The cached value while fresh; otherwise one shared lookup, dropped again if it fails. */
  private cached<T>(
    get: () => Cached<T> | undefined,
    set: (entry: Cached<T> | undefined) => void,
    load: () => Promise<T>,
  ): Promise<T> {
    const now = this.options.clock().getTime();
    const entry = get();
    if (entry && now - entry.at < (this.options.ttlMs ?? DEFAULT_GROUP_CACHE_MS)) return entry.value;
    const fresh: Cached<T> = { at: now, value: load() };
    set(fresh);
    fresh.value.catch(() => {
      if (get() === fresh) set(undefined);
    });
    return fresh.value;
  }
}

/** A group named in the configuration that Slack does not know (a handle with no group). */
class GroupLookupError extends Error {
  override readonly name = 'GroupLookupError';
}

/**
 * Why a group could not be read, in words an operator can act on. The WebClient throws Slack's
 * `ok: false` answers with the body in `data` (`error`, and `needed` for a missing scope).
 */
export function describeLookupFailure(group: string, error: unknown): string {
  if (error instanceof GroupLookupError) return error.message;
  const data = (error as { data?: { error?: unknown; needed?: unknown } } | null)?.data;
  switch (data?.error) {
    case 'missing_scope':
      return `the Slack app lacks the ${typeof data.needed === 'string' ? data.needed : 'usergroups:read'} scope, so the members of ${group} cannot be read (add it to the app and reinstall)`;
    case 'no_such_subteam':
      return `Slack has no user group ${group} (check SRE_AGENT_APPROVER_GROUPS)`;
    case 'plan_upgrade_required':
      return `this Slack workspace has no user groups (a paid plan feature), so ${group} cannot be read`;
    default:
      return `the members of ${group} could not be read from Slack: ${typeof data?.error === 'string' ? data.error : errorMessage(error)}`;
  }
}
