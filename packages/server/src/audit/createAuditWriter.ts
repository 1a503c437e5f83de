/**
 * The AuditSink behind the transports (issue 3; IHE ATNA / DICOM PS3.15 A.5 in spirit):
 * `record` queues an event and returns at once; every `batchIntervalMs` (default 20 ms)
 * the queue is appended to the SecurityStore's append-only table in one transaction.
 * A failed append keeps the events queued for the next attempt (up to `maxQueuedEvents`,
 * beyond which the oldest are dropped with an error log) and logs the failure without the
 * events' content. `flush` resolves when everything recorded before it is stored (and
 * rejects when that append failed); `close` flushes and stops the timer.
 */
import type { AuditEventInput, SecurityStore } from '@vertebra/archive';
import type { AuditSink } from './AuditSink.js';

export interface AuditWriterLogger {
  error(object: object, message: string): void;
}

export interface AuditWriterOptions {
  readonly store: SecurityStore;
  readonly logger?: AuditWriterLogger;
  readonly batchIntervalMs?: number;
  readonly maxQueuedEvents?: number;
}

export type AuditWriter = AuditSink & { close(): Promise<void> };

export function createAuditWriter(options: AuditWriterOptions): AuditWriter {
  const { store, logger } = options;
  const intervalMs = options.batchIntervalMs ?? 20;
  const maxQueued = options.maxQueuedEvents ?? 100_000;
  let queue: AuditEventInput[] = [];
  let timer: NodeJS.Timeout | undefined;
  /** The append in progress; appends run one after the other, in order. */
  let writing: Promise<void> = Promise.resolve();

  const writeQueued = (): Promise<void> => {
    const next = writing.then(async () => {
      if (queue.length === 0) return;
      const batch = queue;
      queue = [];
      try {
        await store.appendAudit(batch);
      } catch (error) {
        queue = [...batch, ...queue];
        if (queue.length > maxQueued) {
          const dropped = queue.length - maxQueued;
          queue = queue.slice(dropped);
          logger?.error({ dropped }, 'audit events dropped: the audit store keeps failing');
        }
        logger?.error({ events: batch.length, error: error instanceof Error ? error.name : 'unknown', code: (error as { code?: unknown }).code }, 'writing audit events failed; they stay queued');
        throw error;
      }
    });
    writing = next.catch(() => undefined);
    return next;
  };

  const schedule = (): void => {
    if (timer !== undefined) return;
    timer = setTimeout(() => {
      timer = undefined;
      writeQueued().catch(() => {
        if (queue.length > 0) schedule();
      });
    }, intervalMs);
    timer.unref();
  };

  return {
    record(event) {
      queue.push(event);
      schedule();
    },
    async flush() {
      if (timer !== undefined) {
        clearTimeout(timer);
        timer = undefined;
      }
      await writeQueued();
    },
    async close() {
      if (timer !== undefined) {
        clearTimeout(timer);
        timer = undefined;
      }
      await writeQueued();
    },
  };
}
