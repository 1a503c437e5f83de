/**
 * The annotation store (viewer measurements, series calibrations) on both index back-ends,
 * opened through openArchive exactly as the server does: insert, list by study, update,
 * delete, duplicate ids refused, calibrations upserted, and everything still there after
 * the archive is closed and opened again.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { annotationStoreOf, type AnnotationStore, type StoredMeasurement } from '@vertebra/archive';
import { archiveBackends } from './archiveBackends.js';

function measurement(id: string, study: string, createdAt: string): StoredMeasurement {
  return {
    id,
    studyInstanceUid: study,
    seriesInstanceUid: `${study}.1`,
    sopInstanceUid: `${study}.1.1`,
    toolType: 'length',
    body: { points: [[1, 2], [3.5, 4]], value: { value: 12.5, unit: 'mm' }, label: 'L1 height – ü' },
    createdAt,
    updatedAt: createdAt,
  };
}

describe.each(archiveBackends)('annotation store on $name', (backend) => {
  afterAll(() => backend.cleanup());

  it('keeps measurements per study across close and reopen, updates and deletes them', async () => {
    const opened = await backend.open();
    const store = annotationStoreOf(opened.archive) as AnnotationStore;
    expect(store).toBeDefined();
    await store.insertMeasurement(measurement('m-2', '1.2.3', '2026-01-01T00:00:02.000Z'));
    await store.insertMeasurement(measurement('m-1', '1.2.3', '2026-01-01T00:00:01.000Z'));
    await store.insertMeasurement(measurement('m-3', '1.2.4', '2026-01-01T00:00:03.000Z'));
    await expect(store.insertMeasurement(measurement('m-1', '1.2.3', '2026-01-01T00:00:09.000Z'))).rejects.toMatchObject({ code: 'REQUEST_INVALID_PARAMETER', subject: 'id' });
    expect((await store.listMeasurements('1.2.3')).map((m) => m.id)).toEqual(['m-1', 'm-2']);
    expect(await store.getMeasurement('m-2')).toEqual(measurement('m-2', '1.2.3', '2026-01-01T00:00:02.000Z'));

    const changed = { ...measurement('m-2', '1.2.3', '2026-01-01T00:00:02.000Z'), body: { value: { value: 7, unit: 'px' } }, updatedAt: '2026-01-02T00:00:00.000Z' };
    expect(await store.updateMeasurement(changed)).toBe(true);
    expect(await store.updateMeasurement({ ...changed, id: 'nope' })).toBe(false);
    expect(await store.deleteMeasurement('m-1')).toBe(true);
    expect(await store.deleteMeasurement('m-1')).toBe(false);
    await opened.archive.close();

    const again = await opened.reopen();
    try {
      const reopened = annotationStoreOf(again) as AnnotationStore;
      const rows = await reopened.listMeasurements('1.2.3');
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ id: 'm-2', body: { value: { value: 7, unit: 'px' } }, createdAt: '2026-01-01T00:00:02.000Z', updatedAt: '2026-01-02T00:00:00.000Z' });
      expect(await reopened.listMeasurements('1.2.4')).toHaveLength(1);
    } finally {
      await again.close();
    }
  });

  it('upserts one calibration per series, keeping its creation time', async () => {
    const { archive } = await backend.open();
    try {
      const store = annotationStoreOf(archive) as AnnotationStore;
      expect(await store.getCalibration('1.2.9.1')).toBeUndefined();
      const first = await store.putCalibration({ seriesInstanceUid: '1.2.9.1', studyInstanceUid: '1.2.9', mmPerPixel: 0.1234567890123, body: { knownLengthMm: 50 }, createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z' });
      expect(first.mmPerPixel).toBeCloseTo(0.1234567890123, 12);
      const second = await store.putCalibration({ seriesInstanceUid: '1.2.9.1', studyInstanceUid: '1.2.9', mmPerPixel: 0.2, body: { knownLengthMm: 80 }, createdAt: '2026-02-01T00:00:00.000Z', updatedAt: '2026-02-01T00:00:00.000Z' });
      expect(second).toEqual({ seriesInstanceUid: '1.2.9.1', studyInstanceUid: '1.2.9', mmPerPixel: 0.2, body: { knownLengthMm: 80 }, createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-02-01T00:00:00.000Z' });
      expect((await store.listCalibrations('1.2.9')).map((c) => c.seriesInstanceUid)).toEqual(['1.2.9.1']);
      expect(await store.deleteCalibration('1.2.9.1')).toBe(true);
      expect(await store.getCalibration('1.2.9.1')).toBeUndefined();
    } finally {
      await archive.close();
    }
  });
});
