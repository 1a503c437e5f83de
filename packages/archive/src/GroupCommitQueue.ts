/**
 * Group commit: concurrent callers submit items, and one flush commits a whole batch in a
 * single transaction (one fsync for many ingests). Flushes never overlap. With the default
 * `maxDelayMs` 0 a flush starts as soon as the current event-loop turn ends when no flush
 * is running (no waiting for company that may never come: one C-STORE association has one
 * ingest in flight), and the items that arrive while a flush runs form the next batch, which
 * starts when it ends; that is where batching comes from under load. With `maxDelayMs` > 0
 * an idle queue waits that long after the first item for more (or until `maxItems`). Each
 * caller's promise settles with its own item's result, or with the batch's error.
 */
export interface GroupCommitQueueOptions<T, R> {
  /** Commits a batch; returns one result per item, in order. */
  readonly commit: (items: readonly T[]) => Promise<readonly R[]>;
  readonly maxItems?: number;
  readonly maxDelayMs?: number;
}

interface Pending<T, R> {
  readonly item: T;
  readonly resolve: (result: R) => void;
  readonly reject: (error: unknown) => void;
}

export class GroupCommitQueue<T, R> {
  readonly #commit: (items: readonly T[]) => Promise<readonly R[]>;
  readonly #maxItems: number;
  readonly #maxDelayMs: number;
  #waiting: Pending<T, R>[] = [];
  #timer: NodeJS.Timeout | null = null;
  #immediate: NodeJS.Immediate | null = null;
  #flushing: Promise<void> | null = null;
  #closed = false;

  constructor(options: GroupCommitQueueOptions<T, R>) {
    this.#commit = options.commit;
    this.#maxItems = Math.max(1, options.maxItems ?? 256);
    this.#maxDelayMs = Math.max(0, options.maxDelayMs ?? 0);
  }

  submit(item: T): Promise<R> {
    if (this.#closed) return Promise.reject(new Error('the commit queue is closed'));
    return new Promise<R>((resolve, reject) => {
      this.#waiting.push({ item, resolve, reject });
      this.#schedule();
    });
  }

  #schedule(): void {
    if (this.#flushing) return; // the running flush picks the waiting items up when it ends
    if (this.#waiting.length >= this.#maxItems) {
      this.#startFlush();
      return;
    }
    if (this.#maxDelayMs === 0) {
      // Submissions of the same event-loop turn (parts of one STOW request whose blobs became
      // durable together) still share the flush.
      this.#immediate ??= setImmediate(() => this.#startFlush());
      return;
    }
    this.#timer ??= setTimeout(() => this.#startFlush(), this.#maxDelayMs);
  }

  #startFlush(): void {
    if (this.#timer) {
      clearTimeout(this.#timer);
      this.#timer = null;
    }
    if (this.#immediate) {
      clearImmediate(this.#immediate);
      this.#immediate = null;
    }
    if (this.#flushing || this.#waiting.length === 0) return;
    const batch = this.#waiting.splice(0, this.#maxItems);
    this.#flushing = this.#run(batch).finally(() => {
      this.#flushing = null;
      if (this.#waiting.length > 0) this.#schedule();
    });
  }

  async #run(batch: Pending<T, R>[]): Promise<void> {
    try {
      const results = await this.#commit(batch.map((p) => p.item));
      batch.forEach((pending, i) => {
        if (i < results.length) pending.resolve(results[i] as R);
        else pending.reject(new Error('the commit returned fewer results than items'));
      });
    } catch (error) {
      for (const pending of batch) pending.reject(error);
    }
  }

  /** Commits what is waiting, then refuses new items. */
  async close(): Promise<void> {
    this.#closed = true;
    while (this.#flushing || this.#waiting.length > 0) {
      if (this.#flushing) await this.#flushing;
      else this.#startFlush();
    }
  }
}
