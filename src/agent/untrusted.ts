/**
 * Tool output reaches the model fenced as data (DESIGN.md 5.6). A result cannot close the fence
 * early: any closing tag inside it is defused.
 */
export function fenceUntrusted(source: string, text: string): string {
  const safe = text.replace(/<\/?untrusted-data/gi, (m) => m.replace('<', '&lt;'));
  return `<untrusted-data source="${source}">\n${safe}\n</untrusted-data>`;
}
