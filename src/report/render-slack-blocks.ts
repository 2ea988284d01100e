/**
 * Block Kit pieces for the Slack renderer: the few block shapes a report uses, Slack's size
 * limits, and one-line renderings of evidence, files and commits as escaped mrkdwn.
 */
import { linksToFile } from '../guards/host-built-links.js';
import { commitParts, fileLabel, linkableUrl, oneLine, shortenMiddle } from './render-format.js';
import type { Evidence, SuspectCommit, SuspectFile } from './schema.js';
import { escapeSlackText, neutraliseMentions, slackMrkdwn, truncate, truncateEscaped } from './slack-text.js';

/**
 * The Block Kit blocks a report is made of. Structurally a subset of `KnownBlock` from
 * `@slack/types`, so a message can go to `chat.postMessage` as it is.
 */
export type SlackBlock =
  | { type: 'header'; text: { type: 'plain_text'; text: string; emoji: true } }
  | { type: 'section'; text: { type: 'mrkdwn'; text: string } }
  | { type: 'context'; elements: Array<{ type: 'mrkdwn'; text: string }> }
  | { type: 'divider' }
  | {
      type: 'actions';
      block_id: string;
      elements: Array<{
        type: 'button';
        action_id: string;
        text: { type: 'plain_text'; text: string; emoji: true };
        value: string;
        style?: 'primary' | 'danger';
        confirm?: {
          title: { type: 'plain_text'; text: string };
          text: { type: 'plain_text'; text: string };
          confirm: { type: 'plain_text'; text: string };
          deny: { type: 'plain_text'; text: string };
        };
      }>;
    };

/** A button the host adds under a report: its label and its signed value (src/actions/). */
export interface ActionButton {
  actionId: string;
  label: string;
  value: string;
  /** What the confirmation dialog says before the click counts. */
  confirm: string;
}

/** The block id of the report's action button, which the approval replaces with what was done. */
export const ACTION_BLOCK_ID = 'sre_agent_action';

/**
 * An actions block with one button. Button text is at most 75 characters and a value at most
 * 2000 (https://docs.slack.dev/reference/block-kit/block-elements/button-element).
 */
export function actionsBlock(button: ActionButton): SlackBlock {
  return {
    type: 'actions',
    block_id: ACTION_BLOCK_ID,
    elements: [
      {
        type: 'button',
        action_id: button.actionId,
        text: { type: 'plain_text', text: truncate(neutraliseMentions(button.label), 75), emoji: true },
        value: button.value,
        style: 'danger',
        confirm: {
          title: { type: 'plain_text', text: 'Roll back?' },
          text: { type: 'plain_text', text: truncate(neutraliseMentions(button.confirm), 300) },
          confirm: { type: 'plain_text', text: 'Roll back' },
          deny: { type: 'plain_text', text: 'Cancel' },
        },
      },
    ],
  };
}

/** A message as `chat.postMessage` takes it: `text` is the notification and screen-reader fallback. */
export interface SlackMessage {
  text: string;
  blocks: SlackBlock[];
}

/** Slack's limits (DESIGN.md 6), with the whole message measured as its JSON. */
export const SLACK_LIMITS = {
  headerText: 150,
  sectionText: 3000,
  contextText: 2000,
  blocks: 50,
  messageChars: 10_000,
} as const;

/** How big a message is, as Slack would count it at worst: the length of its JSON. */
export function slackMessageSize(message: SlackMessage): number {
  return JSON.stringify(message).length;
}

/**
 * A mrkdwn section. The text is neutralised again as a whole and, if it is still too long,
 * shortened without leaving half a `<link|…>` behind.
 */
export function section(text: string): SlackBlock {
  let safe = neutraliseMentions(text);
  if (safe.length > SLACK_LIMITS.sectionText) {
    safe = truncateEscaped(safe, SLACK_LIMITS.sectionText).replace(/<[^>]*…$/, '…');
  }
  return { type: 'section', text: { type: 'mrkdwn', text: safe } };
}

/** A plain-text header: plain text does not render mentions, but they are made plain anyway. */
export function header(text: string): SlackBlock {
  return {
    type: 'header',
    text: {
      type: 'plain_text',
      text: truncate(neutraliseMentions(text), SLACK_LIMITS.headerText),
      emoji: true,
    },
  };
}

/** A context block of mrkdwn lines, each already escaped. */
export function context(texts: string[]): SlackBlock {
  return {
    type: 'context',
    elements: texts.map((text) => ({
      type: 'mrkdwn',
      text: truncateEscaped(neutraliseMentions(text), SLACK_LIMITS.contextText),
    })),
  };
}

/** Inline code that cannot be closed early by a backtick inside it. */
export function slackCode(text: string, max: number): string {
  return `\`${slackMrkdwn(oneLine(text).replace(/`/g, "'"), max)}\``;
}

/** `• *logs* — NullReferenceException in AddItemAsync \`pod/cart-7d9\`` */
export function evidenceLine(item: Evidence, detailMax: number, refMax: number): string {
  const ref = item.ref === undefined || item.ref === '' ? '' : ` ${slackCode(item.ref, refMax)}`;
  // Escaping can lengthen the text a little: the middle cut leaves room, the end cut stays a backstop.
  const detail = shortenMiddle(oneLine(item.detail), Math.floor(detailMax * 0.9));
  return `• *${item.source}* — ${slackMrkdwn(detail, detailMax)}${ref}`;
}

/**
 * `• <https://github.com/…#L87|src/cart/RedisCartStore.cs:87>`, or the name in code without a URL.
 * Only a link to the very file it labels is made (host-built-links.ts): a label never hides a
 * foreign URL.
 */
export function fileLine(file: SuspectFile, labelMax: number, urlMax: number): string {
  const url = linkableUrl(file.url);
  if (url === undefined || url.length > urlMax || !linksToFile(url, file))
    return `• ${slackCode(fileLabel(file), labelMax)}`;
  // Inside <url|label> a `|` would end the URL early; `&` is escaped like everywhere else.
  const href = escapeSlackText(url).replace(/\|/g, '%7C');
  return `• <${href}|${slackMrkdwn(oneLine(fileLabel(file)), labelMax)}>`;
}

/** `• \`3f9c2ab\` Fix cart limit — Jane Doe, 2026-11-19` */
export function commitLine(commit: SuspectCommit, max: number): string {
  const { sha, message, byline } = commitParts(commit);
  const text = [message, byline === '' ? '' : `— ${byline}`].filter((part) => part !== '').join(' ');
  return `• ${slackCode(sha, 40)}${text === '' ? '' : ' ' + slackMrkdwn(text, max)}`;
}
