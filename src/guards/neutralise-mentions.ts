/**
 * Guard: no report notifies a whole channel or a person (DESIGN.md 5.4).
 *
 * Threat: text from a log line, a commit message or the model (`<!channel>`, `@here`, `<@U…>`)
 * reaches the post and pages everyone. The Slack server applies this to every post it makes.
 */
/** Zero-width space: keeps `@here` readable while breaking the token Slack would notify on. */
const zeroWidthSpace = '\u200b';

const broadcastNames = new Set(['channel', 'here', 'everyone', 'group']);

/**
 * Text with every notifying mention made inert (DESIGN.md 5.4): `<!channel>`, `<!here>`,
 * `<!everyone>`, `<!subteam^…>` and user mentions `<@U…>` become plain `@name` text, and bare
 * `@channel`/`@here`/`@everyone` get a zero-width space so no client or `link_names` setting
 * turns them back into broadcasts. Dates and links (`<!date^…>`, `<https://…|x>`) are kept.
 */
export function neutraliseMentions(text: string): string {
  return text
    .replace(
      /<!([a-z]+)(\^[^|>]*)?(?:\|([^>]*))?>/gi,
      (whole, command: string, _id?: string, label?: string) => {
        const name = command.toLowerCase();
        if (broadcastNames.has(name)) return `@${zeroWidthSpace}${name}`;
        if (name === 'subteam') return `@${zeroWidthSpace}${(label ?? 'group').replace(/^@/, '')}`;
        return whole;
      },
    )
    .replace(/<@([A-Z0-9]+)(?:\|([^>]*))?>/gi, (_whole, id: string, label?: string) => {
      return `@${zeroWidthSpace}${(label ?? id).replace(/^@/, '')}`;
    })
    .replace(/(^|[^\w])@(channel|here|everyone)\b/gi, `$1@${zeroWidthSpace}$2`);
}

/** A copy of any JSON-like value (e.g. Block Kit blocks) with every string passed through `neutraliseMentions`. */
export function neutraliseMentionsDeep<T>(value: T): T {
  if (typeof value === 'string') return neutraliseMentions(value) as T;
  if (Array.isArray(value)) return value.map((item: unknown) => neutraliseMentionsDeep(item)) as T;
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]: [string, unknown]) => [key, neutraliseMentionsDeep(item)]),
    ) as T;
  }
  return value;
}
