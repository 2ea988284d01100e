import type { McpHost } from '../mcp/host.js';
import type { Report, SlackOutcome } from '../report/schema.js';
import { SLACK_TOP_EVIDENCE, renderSlackEvidenceThread, renderSlackMessage } from '../report/render-slack.js';
import { actionsBlock, type ActionButton } from '../report/render-slack-blocks.js';

/**
 * The one write of a run (DESIGN.md 4.4.1): render the report to Slack blocks and post it through
 * the Slack server's host-only tool, to the configured channel, once. A second call is refused.
 */
export class DiagnosisPoster {
  private outcome: SlackOutcome | null = null;

  constructor(
    private readonly host: McpHost,
    private readonly channel: string | null,
    private readonly enabled: boolean,
  ) {}

  get posted(): boolean {
    return this.outcome?.posted === true;
  }

  /** True once a post was tried, whatever came of it: there is never a second try. */
  get attempted(): boolean {
    return this.outcome !== null;
  }

  /**
   * Post the report once. `marker` (the incident's dedupe key) goes into the message metadata, so
   * that a post whose answer was lost can be found in the channel instead of being sent twice.
   * `button` (the host's, only when actions are on and approvers are set) goes last.
   */
  async post(
    report: Report,
    signal?: AbortSignal,
    marker?: string,
    timeoutMs?: number,
    button?: ActionButton,
  ): Promise<SlackOutcome> {
    if (this.outcome) return { ...this.outcome, error: 'already posted once; a second post is refused' };
    if (!this.enabled)
      return (this.outcome = {
        posted: false,
        channel: null,
        ts: null,
        error: 'Slack disabled (--no-slack)',
      });
    if (!this.channel) {
      return (this.outcome = {
        posted: false,
        channel: null,
        ts: null,
        error: 'no Slack channel configured (SLACK_CHANNEL_ID)',
      });
    }
    if (!this.host.hasServer('slack')) {
      return (this.outcome = {
        posted: false,
        channel: this.channel,
        ts: null,
        error: 'the Slack server is not available (check SLACK_BOT_TOKEN)',
      });
    }
    const rendered = renderSlackMessage(report);
    const message = button ? { ...rendered, blocks: [...rendered.blocks, actionsBlock(button)] } : rendered;
    const result = await this.host.callHostTool(
      'slack',
      'post_message',
      {
        channel: this.channel,
        text: message.text,
        blocks: message.blocks,
        ...(marker ? { dedupe_key: marker.slice(0, 255) } : {}),
      },
      { signal, ...(timeoutMs ? { timeoutMs } : {}) },
    );
    // Confirmed means Slack said ok:true and gave a ts; the absence of isError is not enough.
    const data = result.structured;
    const ts = typeof data?.ts === 'string' ? data.ts : null;
    const attempts = typeof data?.attempts === 'number' ? { attempts: data.attempts } : {};
    const notes = Array.isArray(data?.notes) && data.notes.length ? { notes: data.notes.map(String) } : {};
    if (result.ok && data?.ok === true && ts) {
      this.outcome = {
        posted: true,
        channel: typeof data.channel === 'string' ? data.channel : this.channel,
        ts,
        ...attempts,
        ...notes,
      };
      // Evidence beyond what fits the main message goes under it, as a thread reply of the same report.
      if (report.evidence.length > SLACK_TOP_EVIDENCE) {
        const thread = renderSlackEvidenceThread(report);
        const reply = await this.host.callHostTool(
          'slack',
          'post_message',
          { channel: this.channel, text: thread.text, blocks: thread.blocks, thread_ts: ts },
          { signal, ...(timeoutMs ? { timeoutMs } : {}) },
        );
        if (reply.ok && reply.structured?.ok === true && typeof reply.structured.ts === 'string') {
          this.outcome.threadTs = reply.structured.ts;
        }
      }
    } else {
      this.outcome = {
        posted: false,
        channel: this.channel,
        ts: null,
        error: result.error ?? 'Slack did not confirm the post',
        ...attempts,
        ...notes,
      };
    }
    return this.outcome;
  }
}
