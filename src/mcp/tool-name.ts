/** Tool names the model sees are `<server>__<tool>`: unique across servers, within Anthropic's 64-char limit. */
const SEPARATOR = '__';

export function qualifyToolName(server: string, tool: string): string {
  return `${server}${SEPARATOR}${tool}`;
}

export function splitToolName(name: string): { server: string; tool: string } | null {
  const at = name.indexOf(SEPARATOR);
  if (at <= 0 || at + SEPARATOR.length >= name.length) return null;
  return { server: name.slice(0, at), tool: name.slice(at + SEPARATOR.length) };
}

/** Anthropic accepts `^[a-zA-Z0-9_-]{1,64}$`; anything else is not offered. */
export function isValidModelToolName(name: string): boolean {
  return /^[a-zA-Z0-9_-]{1,64}$/.test(name);
}
