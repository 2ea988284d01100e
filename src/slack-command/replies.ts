import type { Report } from '../report/schema.js';
import type { DiagnosisRecord } from './cooldown.js';
import type { ResponseMessage } from './response-url.js';

/** Slack mrkdwn needs `&`, `<` and `>` escaped in anything a user or a report wrote. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

const ephemeral = (text: string): ResponseMessage => ({ response_type: 'ephemeral', text });

function ago(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  return s < 90 ? `${s}s ago` : `${Math.round(s / 60)} min ago`;
}

const channelRef = (channel: string | null) => (channel ? `<#${channel}>` : 'the configured channel');

/** `/sre help`, and the answer to anything it did not understand. */
export function helpReply(name: string, problem?: string): ResponseMessage {
  const command = escapeMrkdwn(name);
  return ephemeral(
    [
      ...(problem ? [`:warning: ${escapeMrkdwn(problem)}.`] : []),
      `*${command} diagnose <service> [namespace]* — investigate a service (pods, events, logs, recent commits) and post one report.`,
      `*${command} help* — this message.`,
      'Each service is diagnosed once at a time; asking again shortly after points you to the running or latest report.',
    ].join('\n'),
  );
}

export function acceptedReply(
  service: string,
  namespace: string,
  position: number,
  channel: string | null,
): ResponseMessage {
  const ahead = position - 1;
  const when =
    position === 0
      ? 'Starting now'
      : `Queued${ahead > 0 ? ` behind ${ahead} other request${ahead === 1 ? '' : 's'}` : ', next in line'}`;
  return ephemeral(
    `:mag: ${when}: diagnosing *${escapeMrkdwn(service)}* in \`${escapeMrkdwn(namespace)}\`. The report will be posted in ${channelRef(channel)}; I will link it here.`,
  );
}

export function busyReply(service: string, running: number, queued: number): ResponseMessage {
  return ephemeral(
    `:hourglass: Sorry, I am busy with ${running} diagnoses and ${queued} waiting. Please ask again for *${escapeMrkdwn(service)}* in a few minutes.`,
  );
}

/** A repeat within the cooldown: point at the diagnosis already running or just posted. */
export function cooldownReply(record: DiagnosisRecord, now: number, channel: string | null): ResponseMessage {
  const who = record.requestedBy ? ` (asked by <@${record.requestedBy}>)` : '';
  const subject = `*${escapeMrkdwn(record.service)}* in \`${escapeMrkdwn(record.namespace)}\``;
  if (record.state === 'queued' || record.state === 'running') {
    return ephemeral(
      `:hourglass_flowing_sand: A diagnosis of ${subject} is already ${record.state}${who}, started ${ago(now - record.startedAt)}. Its report will be posted in ${channelRef(channel)}.`,
    );
  }
  if (record.state === 'dispatched') {
    return ephemeral(
      `:hourglass_flowing_sand: A diagnosis of ${subject} was dispatched ${ago(now - record.startedAt)}${who} as Job \`${record.job ?? '?'}\`. Its report will be posted in ${channelRef(channel)}.`,
    );
  }
  const link = record.link ? `: <${record.link}|the report>` : ` in ${channelRef(channel)}`;
  return ephemeral(
    `:white_check_mark: ${subject} was diagnosed ${ago(now - (record.finishedAt ?? record.startedAt))}${who}${link}.`,
  );
}

export function startedReply(service: string): ResponseMessage {
  return ephemeral(`:mag_right: Started diagnosing *${escapeMrkdwn(service)}*…`);
}

export function dispatchedReply(
  service: string,
  job: string,
  namespace: string,
  channel: string | null,
): ResponseMessage {
  return ephemeral(
    `:rocket: Dispatched the diagnosis of *${escapeMrkdwn(service)}* as Job \`${job}\` in \`${namespace}\`. The report will be posted in ${channelRef(channel)}.`,
  );
}

/** The last word: where the report is, and its one-line verdict. */
export function finalReply(report: Report, link: string | undefined): ResponseMessage {
  const verdict = `${report.status}: ${escapeMrkdwn(report.summary)}`;
  if (report.slack.posted) {
    return ephemeral(
      `:white_check_mark: The report on *${escapeMrkdwn(report.service)}* is posted${link ? `: <${link}|open it>` : ` in ${channelRef(report.slack.channel)}`} — ${verdict}`,
    );
  }
  return ephemeral(
    `:warning: The diagnosis of *${escapeMrkdwn(report.service)}* finished but was not posted (${escapeMrkdwn(report.slack.error ?? 'unknown reason')}) — ${verdict}`,
  );
}

/**
 * The dedupe claim for this service's cooldown window was already taken: a report was posted
 * earlier in the window — by another replica, or by this server before it restarted (its memory
 * of the cooldown is gone, the claim is not). Who it was is not known, so it is not said.
 */
export function duplicateReply(report: Report): ResponseMessage {
  return ephemeral(
    `:white_check_mark: *${escapeMrkdwn(report.service)}* was already diagnosed a few minutes ago; that report is in ${channelRef(report.slack.channel)}, so this one was not posted again.`,
  );
}

export function failedReply(service: string, error: string): ResponseMessage {
  return ephemeral(`:x: The diagnosis of *${escapeMrkdwn(service)}* failed: ${escapeMrkdwn(error)}`);
}

/** A request that turned out not to be diagnosable once looked at (a name that matches nothing). */
export function refusedReply(problem: string): ResponseMessage {
  return ephemeral(`:warning: ${escapeMrkdwn(problem)}.`);
}
