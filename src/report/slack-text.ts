/**
 * Making text safe to put in a Slack message: escaping the three characters Slack's markup uses,
 * turning mentions into plain text so a report can never page a channel (DESIGN.md 5.4), and
 * shortening text to Slack's limits without breaking what is left.
 */
import { withoutControlCharacters } from './render-format.js';

const ZERO_WIDTH_SPACE = '\u200B';

/** Escapes `&`, `<` and `>`, the only characters Slack asks senders to escape. */
export function escapeSlackText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** `@` followed by a zero-width space: reads as the same word, notifies nobody. */
function plainMention(name: string): string {
  return `@${ZERO_WIDTH_SPACE}${name}`;
}

/**
 * Replaces Slack mention markup in text that is already Slack markup (`<!channel>`, `<!here>`,
 * `<!everyone>`, `<!subteam^S1|@oncall>`, `<@U123>`, `<@W123|jane>`) with plain text without
 * angle brackets, and breaks bare `@channel`, `@here` and `@everyone` with a zero-width space.
 * Labels are capped so an unclosed `<!channel|…` stays linear to scan.
 */
export function neutraliseMentions(text: string): string {
  return text
    .replace(/<!(channel|here|everyone|group)(?:\|[^>\n]{0,200})?>/gi, (_m, name: string) =>
      plainMention(name.toLowerCase()),
    )
    .replace(/<!subteam\^[A-Za-z0-9]{1,40}(?:\|@?([^>\n]{0,200}))?>/g, (_m, label: string | undefined) =>
      plainMention(label === undefined || label === '' ? 'group' : label),
    )
    .replace(
      /<@([UWB][A-Za-z0-9]{1,40})(?:\|@?([^>\n]{0,200}))?>/g,
      (_m, id: string, label: string | undefined) =>
        plainMention(label === undefined || label === '' ? id : label),
    )
    .replace(/(?<![A-Za-z0-9._%+-])@(channel|here|everyone)(?![A-Za-z0-9_-])/gi, (_m, name: string) =>
      plainMention(name),
    );
}

/**
 * Shortens `text` to at most `max` UTF-16 units (the unit Slack's limits are counted in, at worst),
 * ending with `…` when anything was cut. Never splits a surrogate pair.
 */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max <= 0) return '';
  let end = max - 1;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1; // keep a high surrogate with its pair or drop both
  return text.slice(0, end) + '…';
}

/**
 * Shortens text that has already been escaped for Slack, dropping an entity (`&amp;`) that the
 * cut would leave half-written.
 */
export function truncateEscaped(text: string, max: number): string {
  const cut = truncate(text, max);
  if (cut === text) return text;
  return cut.replace(/&[a-z]{0,4}…$/, '…');
}

/**
 * User-supplied text made ready for a mrkdwn field: control characters removed, mentions made
 * plain, `&<>` escaped, and the result shortened to `max`.
 */
export function slackMrkdwn(text: string, max: number): string {
  return truncateEscaped(escapeSlackText(neutraliseMentions(withoutControlCharacters(text))), max);
}
