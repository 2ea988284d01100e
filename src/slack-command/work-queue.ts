/** Counters a person (or a test) can read to see the queue keep its bounds. */
export interface QueueStats {
  running: number;
  queued: number;
  /** The most tasks ever running at once: never above the concurrency limit. */
  maxRunning: number;
  started: number;
  finished: number;
  /** Offers turned away because the queue was full. */
  rejected: number;
  concurrency: number;
  queueLimit: number;
}

type Task = () => Promise<void>;

/**
 * A bounded in-process queue: at most `concurrency` tasks run at once, at most `queueLimit` wait;
 * an offer beyond that is refused at once so the caller can say it is busy. Tasks never throw
 * into the queue: a failing task is reported through `onError` and the next one starts.
 */
export class WorkQueue {
  private readonly waiting: Task[] = [];
  private readonly stats: QueueStats;
  private idleWaiters: (() => void)[] = [];

  constructor(
    concurrency: number,
    queueLimit: number,
    private readonly onError: (error: unknown) => void,
  ) {
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError('concurrency must be ≥ 1');
    if (!Number.isInteger(queueLimit) || queueLimit < 0) throw new RangeError('queue limit must be ≥ 0');
    this.stats = {
      running: 0,
      queued: 0,
      maxRunning: 0,
      started: 0,
      finished: 0,
      rejected: 0,
      concurrency,
      queueLimit,
    };
  }

  /**
   * Run `task` now or later. Returns its place: 0 when it starts at once, n when n-1 tasks wait
   * before it, or `null` when the queue is full and the task was not taken.
   */
  offer(task: Task): number | null {
    if (this.stats.running < this.stats.concurrency) {
      this.start(task);
      return 0;
    }
    if (this.waiting.length >= this.stats.queueLimit) {
      this.stats.rejected += 1;
      return null;
    }
    this.waiting.push(task);
    this.stats.queued = this.waiting.length;
    return this.waiting.length;
  }

  snapshot(): QueueStats {
    return { ...this.stats };
  }

  /** Resolves once nothing runs and nothing waits (graceful shutdown, tests). */
  idle(): Promise<void> {
    if (this.stats.running === 0 && this.waiting.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private start(task: Task): void {
    this.stats.running += 1;
    this.stats.started += 1;
    this.stats.maxRunning = Math.max(this.stats.maxRunning, this.stats.running);
    void Promise.resolve()
      .then(task)
      .catch((error: unknown) => this.onError(error))
      .finally(() => {
        this.stats.running -= 1;
        this.stats.finished += 1;
        const next = this.waiting.shift();
        this.stats.queued = this.waiting.length;
        if (next) this.start(next);
        else if (this.stats.running === 0) {
          const waiters = this.idleWaiters;
          this.idleWaiters = [];
          for (const resolve of waiters) resolve();
        }
      });
  }
}
