/**
 * The JobQueue contract (DESIGN.md: the embedded default and a scale-out queue pass the same
 * suite), here for createEmbeddedJobQueue on both metadata index back-ends: ready jobs come
 * out oldest first, once; queuing a series again supersedes its older attempt (which can
 * then neither start nor finish); a queue opened after a restart recovers every queued or
 * running job as a new attempt, and finished jobs stay finished.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { analysisStoreOf, type AnalysisStore } from '@vertebra/archive';
import { archiveBackends } from '../../../archive/test/archiveBackends.js';
import { createEmbeddedJobQueue } from '../../src/jobs/createEmbeddedJobQueue.js';

const spec = (n: number) => ({ studyInstanceUid: '1.2.840.1', seriesInstanceUid: `1.2.840.1.${n}`, frameOfReferenceUid: n === 1 ? '1.2.840.9' : null });

describe.each(archiveBackends)('embedded job queue on $name', (backend) => {
  afterAll(() => backend.cleanup());

  it('hands out ready jobs oldest first, supersedes re-queued attempts, and recovers unfinished jobs after a restart', async () => {
    const opened = await backend.open();
    let clock = Date.parse('2026-03-01T10:00:00.000Z');
    const now = () => new Date((clock += 1000));
    const queue = createEmbeddedJobQueue({ store: analysisStoreOf(opened.archive) as AnalysisStore, now });
    expect(await queue.next()).toBeUndefined();
    await queue.enqueue(spec(1));
    await queue.enqueue(spec(2));
    await queue.enqueue(spec(3));
    const requeued = await queue.enqueue(spec(1)); // again: attempt 2, now the newest
    expect(requeued).toMatchObject({ state: 'queued', attempt: 2 });

    const first = await queue.next();
    expect(first).toEqual({ ...spec(2), attempt: 1 });
    expect(await queue.start(first!, 12)).toBe(true);
    expect(await queue.finish(first!, { state: 'done', instanceCount: 12, result: { status: 'ok' }, algorithmVersion: 'v', findingCount: 0, labels: ['L1'] })).toBe(true);
    const second = await queue.next();
    expect(second).toEqual({ ...spec(3), attempt: 1 });
    expect(await queue.start(second!, 20)).toBe(true); // left running: the process "dies"
    const third = await queue.next();
    expect(third).toEqual({ ...spec(1), attempt: 2 });
    expect(await queue.next()).toBeUndefined();
    // The superseded first attempt of series 1 can neither start nor finish.
    expect(await queue.start({ ...spec(1), attempt: 1 }, 5)).toBe(false);
    expect(await queue.finish({ ...spec(1), attempt: 1 }, { state: 'failed', instanceCount: 5, errorCode: 'ANALYSIS_FAILED', errorMessage: 'stale' })).toBe(false);
    await opened.archive.close();

    const again = await opened.reopen();
    try {
      const store = analysisStoreOf(again) as AnalysisStore;
      const restarted = createEmbeddedJobQueue({ store, now });
      const recovered = await restarted.recover();
      expect(recovered).toEqual([
        { ...spec(3), attempt: 2 },
        { ...spec(1), attempt: 3 },
      ]);
      expect((await store.get(spec(3).seriesInstanceUid))?.state).toBe('queued');
      expect(await restarted.next()).toEqual({ ...spec(3), attempt: 2 });
      expect(await restarted.next()).toEqual({ ...spec(1), attempt: 3 });
      expect(await restarted.next()).toBeUndefined();
      // What the dead process was running can no longer write its outcome.
      expect(await restarted.finish({ ...spec(3), attempt: 1 }, { state: 'failed', instanceCount: 20, errorCode: 'ANALYSIS_FAILED', errorMessage: 'stale' })).toBe(false);
      expect(await store.get(spec(2).seriesInstanceUid)).toMatchObject({ state: 'done', attempt: 1, labels: ['L1'] });
    } finally {
      await again.close();
    }
  });
});
