/**
 * Guard: the model's submission cannot steer the post (DESIGN.md 4.4.1, 5.4).
 *
 * Threat: a model told (by injected text) to post elsewhere adds a channel, a thread or a webhook
 * to `submit_diagnosis`, or fills it with `@channel` mentions. Extra fields are dropped by the
 * schema and each attempt is audited here; mentions are neutralised by neutralise-mentions.ts.
 */
import { Findings } from '../report/schema.js';

/** A guard that acted on a submission, for the audit log. */
export interface Refusal {
  guard: string;
  target: string;
  reason: string;
}

const MENTION =
  /<!(?:channel|here|everyone|subteam\^[^>]*)>|<@[UW][A-Z0-9]+(?:\|[^>]*)?>|(?<![\w@])@(?:channel|here|everyone)\b/;
// The findings' own fields; anything else in a submission is an attempt to add something.
const KNOWN_FIELDS = new Set(Object.keys(Findings.shape));

/**
 * What the host overrides in a model's submission, reported so that every attempt is audited:
 * fields that try to steer the post (a channel, a thread) are dropped, and mentions are neutralised
 * by the Slack renderer whatever the model wrote.
 */
export function inspectSubmission(raw: unknown): Refusal[] {
  const refusals: Refusal[] = [];
  if (!raw || typeof raw !== 'object') return refusals;
  for (const key of Object.keys(raw)) {
    if (KNOWN_FIELDS.has(key)) continue;
    const steering = /channel|thread|user|mention|webhook|url/i.test(key);
    refusals.push({
      guard: steering ? 'one-channel' : 'submission-schema',
      target: `submit_diagnosis.${key}`,
      reason: steering
        ? `the report goes to the configured channel only; field '${key}' was ignored`
        : `unknown field '${key}' was ignored`,
    });
  }
  if (MENTION.test(JSON.stringify(raw))) {
    refusals.push({
      guard: 'mentions',
      target: 'submit_diagnosis',
      reason:
        'the submission contained @channel/@here/@everyone/group or user mentions; they were neutralised',
    });
  }
  return refusals;
}
