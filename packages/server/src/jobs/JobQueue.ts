/**
 * The job queue of the server's analyses (DESIGN.md: storage sits behind small interfaces,
 * `MetadataIndex`, `BlobStore`, `JobQueue`). A job is the CT spine analysis of one series
 * (issue 6); its durable state, queued → running → done | failed, lives behind this
 * interface, so the embedded default (createEmbeddedJobQueue: the archive's analysis store
 * and an in-process ready list) and a scale-out queue shared by several servers can be
 * swapped without touching the runner (startAnalysisJobs). Every job names its attempt: a
 * series queued again supersedes the older attempt, which can then neither start nor finish.
 */
import type { AnalysisOutcome, StoredAnalysis } from '@vertebra/archive';

export interface AnalysisJob {
  readonly studyInstanceUid: string;
  readonly seriesInstanceUid: string;
  readonly frameOfReferenceUid: string | null;
  readonly attempt: number;
}

export interface AnalysisJobSpec {
  readonly studyInstanceUid: string;
  readonly seriesInstanceUid: string;
  readonly frameOfReferenceUid: string | null;
}

export interface JobQueue {
  /** Durably queues the analysis of a series (again: an older attempt is superseded) and makes it ready. */
  enqueue(spec: AnalysisJobSpec): Promise<StoredAnalysis>;
  /** The oldest ready job, taken off the ready list; undefined when none is ready. */
  next(): Promise<AnalysisJob | undefined>;
  /** queued → running with the number of instances read; false when the job was superseded (skip it). */
  start(job: AnalysisJob, instanceCount: number): Promise<boolean>;
  /** queued or running → done | failed; false when the job was superseded meanwhile. */
  finish(job: AnalysisJob, outcome: AnalysisOutcome): Promise<boolean>;
  /** At start: every job a previous process left queued or running (abandoned) is queued again and made ready. */
  recover(): Promise<readonly AnalysisJob[]>;
}
