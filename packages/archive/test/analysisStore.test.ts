/**
 * The analysis store (issue 6: per-series CT analysis jobs) on both index back-ends, opened
 * through openArchive as the server does: queue → running → done/failed with the attempt
 * guard (a finish for an older attempt is refused), list per study, the worklist summary,
 * the unfinished list a restart re-queues, and everything still there after reopening.
 * And the archive's onStored subscription: fired once per committed instance with its
 * modality, series and frame of reference, never for duplicates or rejections, and a
 * listener that throws does not fail the ingest.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { analysisStoreOf, type AnalysisStore, type StoredInstanceEvent } from '@vertebra/archive';
import { archiveBackends } from './archiveBackends.js';
import { makeTestInstance, randomUid } from './makeTestDicom.js';

const at = (second: number): string => `2026-03-01T10:00:${String(second).padStart(2, '0')}.000Z`;

describe.each(archiveBackends)('analysis store on $name', (backend) => {
  afterAll(() => backend.cleanup());

  it('runs a job queued → running → done, refuses a stale attempt, and keeps it across reopen', async () => {
    const opened = await backend.open();
    const store = analysisStoreOf(opened.archive) as AnalysisStore;
    expect(store).toBeDefined();
    const queued = await store.enqueue({ studyInstanceUid: '1.2.3', seriesInstanceUid: '1.2.3.1', frameOfReferenceUid: '1.2.3.9', queuedAt: at(1) });
    expect(queued).toMatchObject({ state: 'queued', attempt: 1, startedAt: null, finishedAt: null, error: null, result: null, instanceCount: 0, labels: [] });
    expect(await store.markRunning('1.2.3.1', 1, { startedAt: at(2), instanceCount: 40 })).toBe(true);
    // Only a queued job can start, and only its own attempt.
    expect(await store.markRunning('1.2.3.1', 1, { startedAt: at(2), instanceCount: 40 })).toBe(false);
    const result = { status: 'ok', vertebrae: [{ label: 'L1', centroidLps: [1, 2, 3] }], text: 'ü – 1 mm' };
    expect(await store.finish('1.2.3.1', 1, { state: 'done', instanceCount: 40, result, algorithmVersion: 'v-test', findingCount: 2, labels: ['L1', 'L2'] }, at(3))).toBe(true);
    await opened.archive.close();

    const again = await opened.reopen();
    try {
      const reopened = analysisStoreOf(again) as AnalysisStore;
      expect(await reopened.get('1.2.3.1')).toEqual({
        studyInstanceUid: '1.2.3',
        seriesInstanceUid: '1.2.3.1',
        frameOfReferenceUid: '1.2.3.9',
        state: 'done',
        attempt: 1,
        queuedAt: at(1),
        startedAt: at(2),
        finishedAt: at(3),
        instanceCount: 40,
        error: null,
        result,
        algorithmVersion: 'v-test',
        findingCount: 2,
        labels: ['L1', 'L2'],
      });
      // Queued again (a re-run): the attempt rises, the old result is cleared, and the old attempt can no longer finish.
      const rerun = await reopened.enqueue({ studyInstanceUid: '1.2.3', seriesInstanceUid: '1.2.3.1', frameOfReferenceUid: '1.2.3.9', queuedAt: at(4) });
      expect(rerun).toMatchObject({ state: 'queued', attempt: 2, result: null, startedAt: null, finishedAt: null, labels: [], findingCount: 0 });
      expect(await reopened.finish('1.2.3.1', 1, { state: 'failed', instanceCount: 40, errorCode: 'ANALYSIS_FAILED', errorMessage: 'late' }, at(5))).toBe(false);
      expect(await reopened.markRunning('1.2.3.1', 2, { startedAt: at(6), instanceCount: 41 })).toBe(true);
      expect(await reopened.finish('1.2.3.1', 2, { state: 'failed', instanceCount: 41, errorCode: 'DICOM_DECODE_FAILED', errorMessage: 'series 1.2.3.1: RLE header declares 7 segments' }, at(7))).toBe(true);
      expect(await reopened.get('1.2.3.1')).toMatchObject({
        state: 'failed',
        attempt: 2,
        instanceCount: 41,
        error: { code: 'DICOM_DECODE_FAILED', message: 'series 1.2.3.1: RLE header declares 7 segments' },
        result: null,
      });
      // Finished is final for that attempt.
      expect(await reopened.finish('1.2.3.1', 2, { state: 'done', instanceCount: 41, result: {}, algorithmVersion: 'v', findingCount: 0, labels: [] }, at(8))).toBe(false);
    } finally {
      await again.close();
    }
  });

  it('lists per study, summarizes many studies and lists what is unfinished', async () => {
    const { archive } = await backend.open();
    try {
      const store = analysisStoreOf(archive) as AnalysisStore;
      await store.enqueue({ studyInstanceUid: 'S1', seriesInstanceUid: 'S1.b', frameOfReferenceUid: null, queuedAt: at(2) });
      await store.enqueue({ studyInstanceUid: 'S1', seriesInstanceUid: 'S1.a', frameOfReferenceUid: null, queuedAt: at(1) });
      await store.enqueue({ studyInstanceUid: 'S2', seriesInstanceUid: 'S2.a', frameOfReferenceUid: null, queuedAt: at(3) });
      await store.enqueue({ studyInstanceUid: 'S3', seriesInstanceUid: 'S3.a', frameOfReferenceUid: null, queuedAt: at(4) });
      await store.markRunning('S1.a', 1, { startedAt: at(5), instanceCount: 3 });
      await store.finish('S1.a', 1, { state: 'done', instanceCount: 3, result: { big: 'x'.repeat(1000) }, algorithmVersion: 'v', findingCount: 1, labels: ['T12', 'L1'] }, at(6));
      await store.markRunning('S2.a', 1, { startedAt: at(7), instanceCount: 3 });

      expect((await store.listByStudy('S1')).map((a) => [a.seriesInstanceUid, a.state])).toEqual([
        ['S1.a', 'done'],
        ['S1.b', 'queued'],
      ]);
      expect(await store.listByStudy('nothing')).toEqual([]);
      const summary = await store.summarize(['S1', 'S2', 'unknown', 'S1']);
      expect(summary).toEqual([
        { studyInstanceUid: 'S1', seriesInstanceUid: 'S1.a', state: 'done', findingCount: 1, labels: ['T12', 'L1'] },
        { studyInstanceUid: 'S1', seriesInstanceUid: 'S1.b', state: 'queued', findingCount: 0, labels: [] },
        { studyInstanceUid: 'S2', seriesInstanceUid: 'S2.a', state: 'running', findingCount: 0, labels: [] },
      ]);
      expect(await store.summarize([])).toEqual([]);
      const unfinished = await store.listUnfinished();
      expect(unfinished.map((a) => [a.seriesInstanceUid, a.state])).toEqual([
        ['S1.b', 'queued'],
        ['S2.a', 'running'],
        ['S3.a', 'queued'],
      ]);
      expect(unfinished.every((a) => a.result === null)).toBe(true);
    } finally {
      await archive.close();
    }
  });

  it('lists the stored series of a modality that have no analysis yet (the backfill at start)', async () => {
    const { archive } = await backend.open();
    try {
      const store = analysisStoreOf(archive) as AnalysisStore;
      const study = randomUid();
      const source = { kind: 'import', label: 'file' } as const;
      const ctA = makeTestInstance({ studyInstanceUid: study, seriesInstanceUid: randomUid(), modality: 'CT', frameOfReferenceUid: '1.2.840.77' });
      const ctB = makeTestInstance({ studyInstanceUid: study, seriesInstanceUid: randomUid(), modality: 'CT', frameOfReferenceUid: '1.2.840.77' });
      const mr = makeTestInstance({ studyInstanceUid: study, seriesInstanceUid: randomUid(), modality: 'MR' });
      for (const instance of [ctA, ctB, mr]) expect((await archive.ingest({ bytes: instance.bytes, source })).outcome).toBe('stored');
      const mine = async (): Promise<string[]> => (await store.listSeriesWithoutAnalysis('CT')).filter((s) => s.studyInstanceUid === study).map((s) => s.seriesInstanceUid);
      expect(await mine()).toEqual([ctA.seriesInstanceUid, ctB.seriesInstanceUid]);
      expect((await store.listSeriesWithoutAnalysis('CT')).find((s) => s.seriesInstanceUid === ctA.seriesInstanceUid)).toEqual({
        studyInstanceUid: study,
        seriesInstanceUid: ctA.seriesInstanceUid,
        frameOfReferenceUid: '1.2.840.77',
      });
      // Any analysis row, whatever its state, takes the series off the list.
      await store.enqueue({ studyInstanceUid: study, seriesInstanceUid: ctA.seriesInstanceUid, frameOfReferenceUid: '1.2.840.77', queuedAt: at(9) });
      expect(await mine()).toEqual([ctB.seriesInstanceUid]);
      expect((await store.listSeriesWithoutAnalysis('MR')).map((s) => s.seriesInstanceUid)).toContain(mr.seriesInstanceUid);
    } finally {
      await archive.close();
    }
  });
});

describe('archive onStored', () => {
  const backend = archiveBackends[0]!;
  afterAll(() => backend.cleanup());

  it('tells listeners about each committed instance after the commit, never duplicates or rejections; a throwing listener is ignored', async () => {
    const { archive } = await backend.open();
    try {
      const events: StoredInstanceEvent[] = [];
      const seenInIndex: number[] = [];
      const unsubscribeThrower = archive.onStored(() => {
        throw new Error('listener bug');
      });
      const unsubscribe = archive.onStored((event) => {
        events.push(event);
        // After the commit: the instance is already listed (checked asynchronously, the listener stays cheap).
        void archive.listInstances({ studyInstanceUid: event.studyInstanceUid }).then((rows) => seenInIndex.push(rows.length));
      });
      const study = randomUid();
      const series = randomUid();
      const first = makeTestInstance({ studyInstanceUid: study, seriesInstanceUid: series, modality: 'CT', frameOfReferenceUid: '1.2.840.99' });
      const source = { kind: 'stow-rs', label: 'part 1' } as const;
      expect((await archive.ingest({ bytes: first.bytes, source })).outcome).toBe('stored');
      expect((await archive.ingest({ bytes: first.bytes, source })).outcome).toBe('duplicate');
      expect((await archive.ingest({ bytes: new Uint8Array([1, 2, 3]), source })).outcome).toBe('rejected');
      const mr = makeTestInstance({ studyInstanceUid: study, seriesInstanceUid: randomUid(), modality: 'MR' });
      expect((await archive.ingest({ bytes: mr.bytes, source: { kind: 'c-store', label: 'C-STORE' } })).outcome).toBe('stored');
      expect(events).toEqual([
        { outcome: 'stored', studyInstanceUid: study, seriesInstanceUid: series, sopInstanceUid: first.sopInstanceUid, modality: 'CT', frameOfReferenceUid: '1.2.840.99', source: 'stow-rs' },
        { outcome: 'stored', studyInstanceUid: study, seriesInstanceUid: mr.seriesInstanceUid, sopInstanceUid: mr.sopInstanceUid, modality: 'MR', frameOfReferenceUid: '1.2.3.4', source: 'c-store' },
      ]);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(seenInIndex[0]).toBeGreaterThanOrEqual(1);
      unsubscribe();
      unsubscribeThrower();
      const third = makeTestInstance({ studyInstanceUid: study, seriesInstanceUid: series });
      expect((await archive.ingest({ bytes: third.bytes, source })).outcome).toBe('stored');
      expect(events).toHaveLength(2);
    } finally {
      await archive.close();
    }
  });
});
