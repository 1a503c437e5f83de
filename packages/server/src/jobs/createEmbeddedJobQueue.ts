/**
 * The embedded JobQueue (DESIGN.md: the default behind each storage interface): the durable
 * state is the archive's analysis store (SQLite or PostgreSQL, next to the metadata index);
 * the ready list is in this process, oldest first, one entry per series (its latest
 * attempt). After a restart `recover` rebuilds the ready list from the store's unfinished
 * analyses, so nothing queued or running is lost with the process.
 */
import type { AnalysisStore, StoredAnalysis } from '@vertebra/archive';
import type { AnalysisJob, AnalysisJobSpec, JobQueue } from './JobQueue.js';

export interface EmbeddedJobQueueOptions {
  readonly store: AnalysisStore;
  /** Clock (tests). */
  readonly now?: () => Date;
}

const jobOf = (stored: StoredAnalysis): AnalysisJob => ({
  studyInstanceUid: stored.studyInstanceUid,
  seriesInstanceUid: stored.seriesInstanceUid,
  frameOfReferenceUid: stored.frameOfReferenceUid,
  attempt: stored.attempt,
});

export function createEmbeddedJobQueue(options: EmbeddedJobQueueOptions): JobQueue {
  const { store } = options;
  const now = options.now ?? (() => new Date());
  /** Series → its ready job; Map iteration order is insertion order, i.e. oldest first. */
  const ready = new Map<string, AnalysisJob>();

  const enqueue = async (spec: AnalysisJobSpec): Promise<StoredAnalysis> => {
    const stored = await store.enqueue({ ...spec, queuedAt: now().toISOString() });
    ready.delete(spec.seriesInstanceUid);
    ready.set(spec.seriesInstanceUid, jobOf(stored));
    return stored;
  };

  return {
    enqueue,
    async next() {
      for (const [series, job] of ready) {
        ready.delete(series);
        return job;
      }
      return undefined;
    },
    start: (job, instanceCount) => store.markRunning(job.seriesInstanceUid, job.attempt, { startedAt: now().toISOString(), instanceCount }),
    finish: (job, outcome) => store.finish(job.seriesInstanceUid, job.attempt, outcome, now().toISOString()),
    async recover() {
      const jobs: AnalysisJob[] = [];
      for (const unfinished of await store.listUnfinished()) {
        // A new attempt: whatever the dead process was doing can no longer write its state.
        jobs.push(jobOf(await enqueue({ studyInstanceUid: unfinished.studyInstanceUid, seriesInstanceUid: unfinished.seriesInstanceUid, frameOfReferenceUid: unfinished.frameOfReferenceUid })));
      }
      return jobs;
    },
  };
}
