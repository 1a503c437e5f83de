/**
 * Automatic CT spine analysis of what the archive receives (issue 6, item 5): every CT
 * series stored through any transport (the archive's onStored; never on the ingest path:
 * the listener only notes the series and the time) is queued once it has been quiet for
 * `quietMs` (no new instance), then analysed in a worker thread (runAnalysisInWorker), at
 * most `concurrency` at a time, and its state and result are stored (JobQueue; durable in the
 * archive's analysis store by default).
 *
 * Which series are analysed: modality CT only (others are ignored). A localizer (Image Type
 * (0008,0008) value 3 LOCALIZER, PS3.3 C.8.2.1.1.1) is skipped without a record: it is not a
 * volume. A CT series with fewer than `minSlices` slices (frames counted) is recorded as
 * failed with ANALYSIS_NOT_APPLICABLE and its reason, so the study shows why it was not
 * analysed. A re-run request (requestRun, POST …/analysis) for any of these is refused with
 * ANALYSIS_NOT_APPLICABLE (ARCHIVE_NOT_FOUND for an unknown series).
 *
 * Failures are never a silent gap: undecodable pixels, a series that is not one volume, a
 * crash, an out-of-memory kill or a timeout of the worker become state 'failed' with the
 * error catalogue's code and message. A CT without spine is 'done' with the analysis's own
 * status 'no-spine' and reason.
 *
 * Restart: at start every analysis a previous process left queued or running is queued
 * again, and every CT series the archive holds without any analysis (stored by `vertebra
 * import`, or while the server ran with `--no-analysis`) is checked and queued like a series
 * that just went quiet (backfill; option `backfill: false` turns it off). close() stops the scheduler; series still waiting out their quiet time are queued
 * durably (they run at the next start) and running workers are terminated, their jobs left
 * unfinished (queued again at the next start).
 */
import type { AnalysisOutcome, AnalysisStore, ArchiveLogger, ArchiveService, InstanceRecord, StoredAnalysis, StoredInstanceEvent } from '@vertebra/archive';
import { VertebraError, isVertebraError } from '@vertebra/errors';
import { createEmbeddedJobQueue } from './createEmbeddedJobQueue.js';
import type { AnalysisJob, AnalysisJobSpec, JobQueue } from './JobQueue.js';
import { AnalysisAbortedError, runAnalysisInWorker } from './runAnalysisInWorker.js';

export interface AnalysisJobsOptions {
  readonly archive: ArchiveService;
  /** The durable state (analysisStoreOf(archive)); the embedded queue keeps its jobs there. */
  readonly store: AnalysisStore;
  /** Default: createEmbeddedJobQueue on `store`. */
  readonly queue?: JobQueue;
  /** A CT series is queued once no instance arrived for this long. Default 5000 ms. */
  readonly quietMs?: number;
  /** Jobs run at the same time, each in its own worker. Default 1. */
  readonly concurrency?: number;
  /** CT series with fewer slices are not analysed (recorded as failed with the reason). Default 10. */
  readonly minSlices?: number;
  /** V8 heap limit of each worker (resourceLimits.maxOldGenerationSizeMb). Default 2048 MB. */
  readonly workerMemoryLimitMb?: number;
  /** A worker running longer is stopped and its job failed. Default 10 minutes. */
  readonly jobTimeoutMs?: number;
  /** At start, queue the CT series stored without any analysis (imported, or stored while analysis was off). Default true. */
  readonly backfill?: boolean;
  readonly logger?: ArchiveLogger;
  /** Clock (tests). */
  readonly now?: () => Date;
}

export interface AnalysisJobs {
  /** Queues the analysis of a series now (the REST re-run): ARCHIVE_NOT_FOUND, or ANALYSIS_NOT_APPLICABLE when it cannot be analysed. */
  requestRun(studyInstanceUid: string, seriesInstanceUid: string): Promise<StoredAnalysis>;
  /** Stops scheduling and running; waiting series are queued durably, running jobs abandoned (both run at the next start). */
  close(): Promise<void>;
}

export const defaultAnalysisQuietMs = 5000;
export const defaultAnalysisMinSlices = 10;
const defaultWorkerMemoryLimitMb = 2048;
const defaultJobTimeoutMs = 10 * 60_000;

interface Waiting extends AnalysisJobSpec {
  lastStoredAtMs: number;
  timer: ReturnType<typeof setTimeout>;
}

type SeriesCheck =
  | { readonly ok: true; readonly instances: readonly InstanceRecord[] }
  | { readonly ok: false; readonly code: 'ARCHIVE_NOT_FOUND' | 'ANALYSIS_NOT_APPLICABLE'; readonly reason: string; readonly localizer: boolean };

function firstString(metadata: Record<string, { Value?: unknown[] }>, tag: string): string[] {
  return (metadata[tag]?.Value ?? []).map((v) => String(v).trim().toUpperCase());
}

function positiveInteger(name: string, value: number | undefined, fallback: number, minimum = 1): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < minimum) throw new VertebraError('CONFIG_INVALID', `${value} is not an integer ≥ ${minimum}`, { subject: name });
  return value;
}

export async function startAnalysisJobs(options: AnalysisJobsOptions): Promise<AnalysisJobs> {
  const { archive, store, logger } = options;
  const now = options.now ?? (() => new Date());
  const queue = options.queue ?? createEmbeddedJobQueue({ store, now });
  const quietMs = positiveInteger('analysis.quietMs', options.quietMs, defaultAnalysisQuietMs, 0);
  const concurrency = positiveInteger('analysis.concurrency', options.concurrency, 1);
  const minSlices = positiveInteger('analysis.minSlices', options.minSlices, defaultAnalysisMinSlices);
  const memoryLimitMb = positiveInteger('analysis.workerMemoryLimitMb', options.workerMemoryLimitMb, defaultWorkerMemoryLimitMb);
  const timeoutMs = positiveInteger('analysis.jobTimeoutMs', options.jobTimeoutMs, defaultJobTimeoutMs);

  /** CT series waiting out their quiet time. */
  const waiting = new Map<string, Waiting>();
  /** Running jobs, each with the controller that abandons it at close (a series queued again may briefly run twice: the older attempt's outcome is discarded). */
  const running = new Set<{ readonly controller: AbortController; readonly done: Promise<void> }>();
  /** Queue writes in flight (scheduling), awaited at close. */
  const submitting = new Set<Promise<unknown>>();
  let closed = false;
  let pumping = false;
  let pumpAgain = false;

  const track = (work: Promise<unknown>): void => {
    submitting.add(work);
    void work.finally(() => submitting.delete(work)).catch(() => undefined);
  };

  /** What the archive holds of the series, and whether it can be analysed. */
  const checkSeries = async (studyInstanceUid: string, seriesInstanceUid: string): Promise<SeriesCheck> => {
    const instances = await archive.listInstances({ studyInstanceUid, seriesInstanceUid });
    const first = instances[0];
    if (first === undefined) return { ok: false, code: 'ARCHIVE_NOT_FOUND', reason: `series ${seriesInstanceUid} of study ${studyInstanceUid} is not in the archive`, localizer: false };
    const metadata = (await archive.readInstanceMetadata(first)) as Record<string, { Value?: unknown[] }>;
    const modality = firstString(metadata, '00080060')[0] ?? '';
    if (modality !== 'CT') {
      return { ok: false, code: 'ANALYSIS_NOT_APPLICABLE', reason: `series ${seriesInstanceUid} is ${modality || 'of no modality'}, not CT: the spine analysis needs CT in Hounsfield units`, localizer: false };
    }
    if (firstString(metadata, '00080008')[2] === 'LOCALIZER') {
      return { ok: false, code: 'ANALYSIS_NOT_APPLICABLE', reason: `series ${seriesInstanceUid} is a CT localizer (Image Type LOCALIZER), not a volume`, localizer: true };
    }
    const slices = instances.reduce((sum, record) => sum + Math.max(1, record.numberOfFrames), 0);
    if (slices < minSlices) {
      return {
        ok: false,
        code: 'ANALYSIS_NOT_APPLICABLE',
        reason: `series ${seriesInstanceUid} has ${slices} slice${slices === 1 ? '' : 's'}; the spine analysis needs at least ${minSlices}`,
        localizer: false,
      };
    }
    return { ok: true, instances };
  };

  const finish = async (job: AnalysisJob, outcome: AnalysisOutcome): Promise<void> => {
    if (!(await queue.finish(job, outcome))) return;
    if (outcome.state === 'failed') {
      logger?.warn(`analysis: series ${job.seriesInstanceUid} failed: ${outcome.errorCode} ${outcome.errorMessage}`, { seriesInstanceUid: job.seriesInstanceUid, code: outcome.errorCode });
    } else {
      const labels = outcome.labels.length === 0 ? 'no labelled vertebrae' : outcome.labels.join(' ');
      logger?.info(`analysis: series ${job.seriesInstanceUid} done (${outcome.instanceCount} instances): ${labels}`, { seriesInstanceUid: job.seriesInstanceUid });
    }
  };

  const runJob = async (job: AnalysisJob, controller: AbortController): Promise<void> => {
    let instanceCount = 0;
    try {
      const check = await checkSeries(job.studyInstanceUid, job.seriesInstanceUid);
      if (!check.ok) {
        await finish(job, { state: 'failed', instanceCount: 0, errorCode: check.code, errorMessage: check.reason });
        return;
      }
      instanceCount = check.instances.length;
      if (!(await queue.start(job, instanceCount))) return; // queued again meanwhile: the newer attempt runs
      // The main thread only reads the stored bytes; decoding and analysis happen in the worker.
      const instances: { bytes: Uint8Array; subject: string }[] = [];
      for (const record of check.instances) {
        if (controller.signal.aborted) throw new AnalysisAbortedError();
        instances.push({ bytes: await archive.readInstance(record), subject: `instance ${record.sopInstanceUid}` });
      }
      const output = await runAnalysisInWorker({ seriesInstanceUid: job.seriesInstanceUid, instances }, { memoryLimitMb, timeoutMs, signal: controller.signal });
      if (output.ok) {
        const { result } = output;
        await finish(job, {
          state: 'done',
          instanceCount,
          result,
          algorithmVersion: result.algorithmVersion,
          findingCount: result.findings.length,
          labels: result.vertebrae.flatMap((v) => (v.label === null ? [] : [v.label])),
        });
      } else {
        await finish(job, { state: 'failed', instanceCount, errorCode: output.code, errorMessage: output.message });
      }
    } catch (error) {
      if (error instanceof AnalysisAbortedError || closed) {
        logger?.info(`analysis: series ${job.seriesInstanceUid} abandoned at shutdown; it runs again at the next start`, { seriesInstanceUid: job.seriesInstanceUid });
        return;
      }
      const code = isVertebraError(error) ? error.code : 'ANALYSIS_FAILED';
      const message = isVertebraError(error) ? error.message : `series ${job.seriesInstanceUid}: the analysis job failed: ${(error as Error)?.message ?? String(error)}`;
      await finish(job, { state: 'failed', instanceCount, errorCode: code, errorMessage: message }).catch((writeError: unknown) => {
        logger?.error(`analysis: could not record the failure of series ${job.seriesInstanceUid}: ${(writeError as Error)?.message}`, { seriesInstanceUid: job.seriesInstanceUid });
      });
    }
  };

  /** Starts ready jobs while slots are free; one pump at a time (a second call makes the first loop again). */
  const pump = async (): Promise<void> => {
    if (pumping) {
      pumpAgain = true;
      return;
    }
    pumping = true;
    try {
      do {
        pumpAgain = false;
        while (!closed && running.size < concurrency) {
          const job = await queue.next();
          if (job === undefined) break;
          const controller = new AbortController();
          const entry = { controller, done: Promise.resolve() };
          entry.done = runJob(job, controller).finally(() => {
            running.delete(entry);
            void pump();
          });
          running.add(entry);
        }
      } while (pumpAgain && !closed);
    } catch (error) {
      logger?.error(`analysis: the job queue failed: ${(error as Error)?.message}`);
    } finally {
      pumping = false;
    }
  };

  /** A series' quiet time is over: queue it (or record why it is not analysed). */
  const submitQuiet = async (spec: AnalysisJobSpec): Promise<void> => {
    const check = await checkSeries(spec.studyInstanceUid, spec.seriesInstanceUid);
    if (!check.ok) {
      if (check.code === 'ARCHIVE_NOT_FOUND') return; // deleted meanwhile
      if (check.localizer) {
        logger?.info(`analysis: series ${spec.seriesInstanceUid} is a localizer; not analysed`, { seriesInstanceUid: spec.seriesInstanceUid });
        return;
      }
      const stored = await queue.enqueue(spec);
      await finish({ ...spec, attempt: stored.attempt }, { state: 'failed', instanceCount: 0, errorCode: check.code, errorMessage: check.reason });
      return;
    }
    await queue.enqueue(spec);
    await pump();
  };

  const onQuietTimer = (seriesInstanceUid: string): void => {
    const entry = waiting.get(seriesInstanceUid);
    if (entry === undefined || closed) return;
    const remainingMs = entry.lastStoredAtMs + quietMs - Date.now();
    if (remainingMs > 0) {
      entry.timer = setTimeout(onQuietTimer, remainingMs, seriesInstanceUid);
      return;
    }
    waiting.delete(seriesInstanceUid);
    const spec = { studyInstanceUid: entry.studyInstanceUid, seriesInstanceUid, frameOfReferenceUid: entry.frameOfReferenceUid };
    track(
      submitQuiet(spec).catch((error: unknown) => {
        logger?.error(`analysis: could not queue series ${seriesInstanceUid}: ${(error as Error)?.message}`, { seriesInstanceUid });
      }),
    );
  };

  /** The ingest listener: notes the series and the time, nothing else (cheap, never throws into ingest). */
  const onStored = (event: StoredInstanceEvent): void => {
    if (closed || event.modality !== 'CT') return;
    const entry = waiting.get(event.seriesInstanceUid);
    if (entry !== undefined) {
      entry.lastStoredAtMs = Date.now();
      return;
    }
    waiting.set(event.seriesInstanceUid, {
      studyInstanceUid: event.studyInstanceUid,
      seriesInstanceUid: event.seriesInstanceUid,
      frameOfReferenceUid: event.frameOfReferenceUid,
      lastStoredAtMs: Date.now(),
      timer: setTimeout(onQuietTimer, quietMs, event.seriesInstanceUid),
    });
  };

  /** Queues, one by one in the background, the CT series that have no analysis row at all. */
  const backfill = async (): Promise<void> => {
    try {
      const series = await store.listSeriesWithoutAnalysis('CT');
      if (series.length === 0) return;
      logger?.info(`analysis: ${series.length} CT series in the archive have no analysis; checking and queueing them`, { count: series.length });
      for (const spec of series) {
        if (closed) return;
        if (waiting.has(spec.seriesInstanceUid)) continue; // arriving now: its quiet timer queues it
        await submitQuiet(spec).catch((error: unknown) => {
          logger?.error(`analysis: could not queue series ${spec.seriesInstanceUid}: ${(error as Error)?.message}`, { seriesInstanceUid: spec.seriesInstanceUid });
        });
      }
    } catch (error) {
      logger?.error(`analysis: could not list the CT series without analysis: ${(error as Error)?.message}`);
    }
  };

  const recovered = await queue.recover();
  if (recovered.length > 0) logger?.info(`analysis: ${recovered.length} analyses left unfinished by the previous run are queued again`, { count: recovered.length });
  const unsubscribe = archive.onStored(onStored);
  void pump();
  if (options.backfill !== false) track(backfill());

  return {
    async requestRun(studyInstanceUid, seriesInstanceUid) {
      if (closed) throw new VertebraError('ANALYSIS_NOT_APPLICABLE', 'the server is shutting down; try again after it restarts', { subject: seriesInstanceUid });
      const check = await checkSeries(studyInstanceUid, seriesInstanceUid);
      if (!check.ok) throw new VertebraError(check.code, check.reason, { subject: seriesInstanceUid });
      const pending = waiting.get(seriesInstanceUid);
      if (pending !== undefined) {
        clearTimeout(pending.timer);
        waiting.delete(seriesInstanceUid);
      }
      const frameOfReferenceUid = pending?.frameOfReferenceUid ?? (await store.get(seriesInstanceUid))?.frameOfReferenceUid ?? (await frameOfReferenceOf(archive, check.instances[0]!));
      const stored = await queue.enqueue({ studyInstanceUid, seriesInstanceUid, frameOfReferenceUid });
      void pump();
      return stored;
    },
    async close() {
      if (closed) return;
      closed = true;
      unsubscribe();
      for (const entry of waiting.values()) clearTimeout(entry.timer);
      await Promise.allSettled([...submitting]);
      // Series still in their quiet time are queued durably: the next start runs them.
      for (const entry of waiting.values()) {
        await queue.enqueue({ studyInstanceUid: entry.studyInstanceUid, seriesInstanceUid: entry.seriesInstanceUid, frameOfReferenceUid: entry.frameOfReferenceUid }).catch((error: unknown) => {
          logger?.error(`analysis: could not queue series ${entry.seriesInstanceUid} at shutdown: ${(error as Error)?.message}`, { seriesInstanceUid: entry.seriesInstanceUid });
        });
      }
      waiting.clear();
      const jobs = [...running.values()];
      for (const job of jobs) job.controller.abort();
      await Promise.allSettled(jobs.map((job) => job.done));
    },
  };
}

async function frameOfReferenceOf(archive: ArchiveService, record: InstanceRecord): Promise<string | null> {
  const metadata = (await archive.readInstanceMetadata(record)) as Record<string, { Value?: unknown[] }>;
  const value = metadata['00200052']?.Value?.[0];
  return typeof value === 'string' && value !== '' ? value : null;
}
