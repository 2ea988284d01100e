/**
 * The limits Slack enforces on `blocks` (and answers `invalid_blocks` for), checked the same way
 * in the sandbox so that a message Slack would refuse is refused here too. Returns the problems,
 * worded like Slack's `response_metadata.messages`; empty when the blocks are acceptable.
 */
export function checkBlocks(blocks: unknown): string[] {
  if (!Array.isArray(blocks)) return ['[ERROR] must provide an array [json-pointer:/blocks]'];
  const problems: string[] = [];
  if (blocks.length > 50) problems.push('[ERROR] no more than 50 items allowed [json-pointer:/blocks]');
  blocks.forEach((block: unknown, index) => {
    const where = `/blocks/${index}`;
    if (
      typeof block !== 'object' ||
      block === null ||
      typeof (block as { type?: unknown }).type !== 'string'
    ) {
      problems.push(`[ERROR] missing required field: type [json-pointer:${where}]`);
      return;
    }
    const { type, text } = block as { type: string; text?: { text?: unknown } };
    const length = typeof text?.text === 'string' ? text.text.length : 0;
    if (type === 'header' && length > 150) {
      problems.push(`[ERROR] must be less than 151 characters [json-pointer:${where}/text]`);
    }
    if (type === 'section' && length > 3000) {
      problems.push(`[ERROR] must be less than 3001 characters [json-pointer:${where}/text]`);
    }
    if ((type === 'section' || type === 'header') && text !== undefined && typeof text.text !== 'string') {
      problems.push(`[ERROR] must provide a string [json-pointer:${where}/text/text]`);
    }
  });
  return problems;
}
