/** What triggered a diagnosis, normalised from every trigger's input (DESIGN.md 2). */
export interface Incident {
  service: string;
  namespace?: string;
  source: 'cli' | 'lambda' | 'job' | 'slack';
  alarm?: string;
  text?: string;
  dedupeKey: string;
}
