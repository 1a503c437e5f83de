/**
 * Group commit: concurrent callers submit items, and one flush commits a whole batch in a
 * single transaction (one fsync for many ingests). A flush starts when `maxItems` are
 * waiting or `maxDelayMs` after the first item arrived; flushes never overlap, and items
 * that arrive during a flush form the next batch. Each caller's promise settles with its
 * own item's result, or with the batch's error.
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
  #flushing: Promise<void> | null = null;
  #closed = false;

  constructor(options: GroupCommitQueueOptions<T, R>) {
    this.#commit = options.commit;
    this.#maxItems = Math.max(1, options.maxItems ?? 256);
    this.#maxDelayMs = Math.max(0, options.maxDelayMs ?? 2);
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
    this.#timer ??= setTimeout(() => this.#startFlush(), this.#maxDelayMs);
  }

  #startFlush(): void {
    if (this.#timer) {
      clearTimeout(this.#timer);
      this.#timer = null;
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
