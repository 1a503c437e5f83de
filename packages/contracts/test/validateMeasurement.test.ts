import { describe, expect, it } from 'vitest';
import { isDicomUid, validateMeasurementInput, validateSeriesCalibrationInput } from '@vertebra/contracts';

describe('measurement contract validators', () => {
  const base = { seriesInstanceUid: '1.2.3', sopInstanceUid: '1.2.3.4', toolType: 'length', coordinateSpace: 'image', points: [[0, 0], [3, 4]], value: { value: 5, unit: 'px' }, calibration: 'none' };

  it('accepts a valid measurement, drops server-owned fields and keeps optional ones', () => {
    const result = validateMeasurementInput({ ...base, id: 'abc-1', frame: 2, label: 'x', studyInstanceUid: '9.9', createdAt: 'then' });
    expect(result).toEqual({ ok: true, value: { ...base, id: 'abc-1', frame: 2, label: 'x' } });
    const world = validateMeasurementInput({ seriesInstanceUid: '1.2.3', toolType: 'probe', coordinateSpace: 'world', points: [[1, 2, 3]], value: { value: 40, unit: 'HU' }, calibration: 'pixel-spacing', view: { viewPlaneNormal: [0, 0, 1] } });
    expect(world.ok).toBe(true);
  });

  it('names the first field at fault', () => {
    const field = (body: unknown): string | undefined => {
      const result = validateMeasurementInput(body);
      return result.ok ? undefined : result.field;
    };
    expect(field({ ...base, seriesInstanceUid: '1.02' })).toBe('seriesInstanceUid'); // leading zero (PS3.5 9.1)
    expect(field({ ...base, points: [[0, 0], [Number.NaN, 1]] })).toBe('points[1][0]');
    expect(field({ ...base, value: { value: 5, unit: 'mm' } })).toBe('value.unit');
    expect(field({ ...base, view: { viewPlaneNormal: [0, 1] } })).toBe('view.viewPlaneNormal');
    expect(field({ ...base, toolType: 'cobbAngle' })).toBe('points');
    expect(field(null)).toBe('body');
  });

  it('checks a calibration line against its end points', () => {
    expect(validateSeriesCalibrationInput({ studyInstanceUid: '1.2', knownLengthMm: 10, pixelLength: 5, points: [[0, 0], [3, 4]] })).toMatchObject({ ok: true });
    expect(validateSeriesCalibrationInput({ studyInstanceUid: '1.2', knownLengthMm: 10, pixelLength: 9, points: [[0, 0], [3, 4]] })).toMatchObject({ ok: false, field: 'pixelLength' });
    expect(validateSeriesCalibrationInput({ studyInstanceUid: '1.2', knownLengthMm: 0, pixelLength: 9 })).toMatchObject({ ok: false, field: 'knownLengthMm' });
    expect(isDicomUid('1.2.840.10008.1.2')).toBe(true);
    expect(isDicomUid(`1.${'2'.repeat(64)}`)).toBe(false);
  });
});
