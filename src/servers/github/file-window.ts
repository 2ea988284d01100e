/** The most lines one answer shows; more is rarely read and crowds out other evidence. */
export const maxWindowLines = 400;

export interface FileWindow {
  totalLines: number;
  startLine: number;
  endLine: number;
  /** The window's lines, without numbers. */
  lines: string[];
  /** True when the request asked for more than the window shows. */
  truncated: boolean;
}

/** Splits text into lines the way an editor numbers them: a final newline does not add a line. */
export function splitLines(content: string): string[] {
  if (content === '') return [];
  const lines = content.split(/\r?\n/);
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/**
 * The window of lines to show: `startLine`..`endLine` (1-based, inclusive), defaulting to the whole
 * file, capped at `maxWindowLines`. Returns a message instead when the request cannot be met.
 */
export function fileWindow(content: string, startLine?: number, endLine?: number): FileWindow | string {
  const all = splitLines(content);
  const totalLines = all.length;
  const start = startLine ?? 1;
  if (totalLines === 0) return { totalLines, startLine: 0, endLine: 0, lines: [], truncated: false };
  if (start > totalLines) return `the file has ${totalLines} lines; startLine ${start} is past its end`;
  if (endLine !== undefined && endLine < start) return `endLine ${endLine} is before startLine ${start}`;
  const wanted = Math.min(endLine ?? totalLines, totalLines);
  const end = Math.min(wanted, start + maxWindowLines - 1);
  return {
    totalLines,
    startLine: start,
    endLine: end,
    lines: all.slice(start - 1, end),
    truncated: end < wanted,
  };
}

/**
 * The window centred on `line`: `context` lines either side, clipped to the file. Returns a message
 * when the line is past the end.
 */
export function aroundLineWindow(content: string, line: number, context: number): FileWindow | string {
  const totalLines = splitLines(content).length;
  if (line > totalLines) return `the file has ${totalLines} lines; aroundLine ${line} is past its end`;
  return fileWindow(content, Math.max(1, line - context), Math.min(totalLines, line + context));
}

/**
 * Lines prefixed with right-aligned numbers, as in `  87| code`; the line numbered `mark`, if any,
 * gets `>` instead of the space (`  87|>code`) so the line asked about stands out.
 */
export function numberLines(lines: string[], firstLine: number, mark?: number): string {
  const width = Math.max(4, String(firstLine + lines.length - 1).length);
  return lines
    .map((line, index) => {
      const number = firstLine + index;
      return `${String(number).padStart(width)}|${number === mark ? '>' : ' '}${line}`;
    })
    .join('\n');
}
