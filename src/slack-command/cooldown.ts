/** What the server remembers about one service's latest diagnosis. */
export interface DiagnosisRecord {
  service: string;
  namespace: string;
  requestedBy: string;
  startedAt: number;
  state: 'queued' | 'running' | 'dispatched' | 'posted' | 'finished';
  /** Link to the posted report, or the Job's name for a dispatched run. */
  link?: string;
  job?: string;
  finishedAt?: number;
}

/**
 * One diagnosis per service at a time, and none again within `cooldownMs` of the last one's end:
 * a repeated `/sre diagnose` is pointed at the diagnosis already running or just posted.
 * Held per server instance; replicas agree through the Job names and dedupe claims instead.
 */
export class CooldownTracker {
  private readonly records = new Map<string, DiagnosisRecord>();

  constructor(
    private readonly cooldownMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  private static key(service: string, namespace: string): string {
    return `${namespace}/${service}`;
  }

  /** The diagnosis a new request for this service should be pointed at, if any. */
  current(service: string, namespace: string): DiagnosisRecord | undefined {
    const key = CooldownTracker.key(service, namespace);
    const record = this.records.get(key);
    if (!record) return undefined;
    const since = record.finishedAt ?? record.startedAt;
    const active = record.state === 'queued' || record.state === 'running';
    if (active || this.now() - since < this.cooldownMs) return { ...record };
    this.records.delete(key);
    return undefined;
  }

  begin(record: Omit<DiagnosisRecord, 'startedAt' | 'state'>): void {
    this.records.set(CooldownTracker.key(record.service, record.namespace), {
      ...record,
      startedAt: this.now(),
      state: 'queued',
    });
  }

  update(
    service: string,
    namespace: string,
    change: Partial<Omit<DiagnosisRecord, 'service' | 'namespace'>>,
  ): void {
    const key = CooldownTracker.key(service, namespace);
    const record = this.records.get(key);
    if (!record) return;
    const ended = change.state && change.state !== 'queued' && change.state !== 'running';
    this.records.set(key, { ...record, ...change, ...(ended ? { finishedAt: this.now() } : {}) });
  }

  /** A request that never ran (refused, failed to dispatch) must not block the next one. */
  forget(service: string, namespace: string): void {
    this.records.delete(CooldownTracker.key(service, namespace));
  }
}
