import { describe, expect, it } from 'vitest';
import { calibrationFromUnit, readImageSpacing, resolveCalibration, toCornerstoneCalibration } from '../src/viewer/resolveCalibration.js';
import { annotationToMeasurementInput, parseWadorsImageId, type CodecContext } from '../src/viewer/measurementCodec.js';

const dx = (extra: Record<string, unknown[]>) => ({
  '00080060': { vr: 'CS', Value: ['DX'] },
  '00080016': { vr: 'UI', Value: ['1.2.840.10008.5.1.4.1.1.1.1'] },
  ...Object.fromEntries(Object.entries(extra).map(([tag, Value]) => [tag, { vr: 'DS', Value }])),
});

describe('resolveCalibration (PS3.3 C.8.11.7, C.7.6.3.1.2)', () => {
  it('divides ImagerPixelSpacing by the estimated radiographic magnification factor', () => {
    const info = readImageSpacing(dx({ '00181164': [0.14, 0.14], '00181114': [1.4] }));
    const resolved = resolveCalibration(info);
    expect(resolved.source).toBe('magnification-corrected');
    expect(resolved.rowSpacingMm).toBeCloseTo(0.1, 12);
    // Cornerstone divides index distances by scale (pixels per mm), in x and y.
    const cs = toCornerstoneCalibration(info, resolved)!;
    expect(cs.type).toBe('ERMF');
    expect(cs.scale).toBeCloseTo(10, 9);
    expect(cs.scale / cs.rowPixelSpacing).toBeCloseTo(10, 9);
  });

  it('uses ImagerPixelSpacing alone as the detector calibration, PixelSpacing before it, and the user calibration before all', () => {
    expect(resolveCalibration(readImageSpacing(dx({ '00181164': [0.1, 0.1] }))).source).toBe('detector');
    expect(resolveCalibration(readImageSpacing(dx({ '00181164': [0.1, 0.1], '00280030': [0.08, 0.08] }))).source).toBe('pixel-spacing');
    const user = resolveCalibration(readImageSpacing(dx({ '00181164': [0.1, 0.1], '00181114': [1.2] })), { mmPerPixel: 0.25 });
    expect(user).toMatchObject({ source: 'user', rowSpacingMm: 0.25, columnSpacingMm: 0.25 });
    const none = readImageSpacing(dx({}));
    expect(resolveCalibration(none).source).toBe('none');
    expect(toCornerstoneCalibration(none, resolveCalibration(none))?.type).toBe('Uncalibrated');
    // Anisotropic detector pixels: x scale from the column spacing, y from the row spacing.
    const aniso = readImageSpacing(dx({ '00181164': [0.2, 0.1] }));
    const cs = toCornerstoneCalibration(aniso, resolveCalibration(aniso))!;
    expect(cs.scale).toBeCloseTo(10, 9);
    expect(cs.scale / cs.rowPixelSpacing).toBeCloseTo(5, 9);
  });

  it('leaves cross-sectional images to Cornerstone and maps its length units to calibration sources', () => {
    const ct = readImageSpacing({ '00080060': { vr: 'CS', Value: ['CT'] }, '00080016': { vr: 'UI', Value: ['1.2.840.10008.5.1.4.1.1.2'] }, '00280030': { vr: 'DS', Value: [0.7, 0.7] } });
    expect(resolveCalibration(ct).source).toBe('pixel-spacing');
    expect(toCornerstoneCalibration(ct, resolveCalibration(ct))).toBeUndefined();
    expect(['px', 'mm', 'mm Proj', 'mm ERMF', 'mm User'].map(calibrationFromUnit)).toEqual(['none', 'pixel-spacing', 'detector', 'magnification-corrected', 'user']);
  });
});

describe('measurementCodec', () => {
  const imageId = 'wadors:http://x/dicomweb/studies/1.2.3/series/1.2.3.4/instances/1.2.3.4.5/frames/2';
  const context: CodecContext = {
    isStackImage: (id) => id === imageId,
    worldToImage: (_id, world) => [world[0]! * 10, world[1]! * 10],
    calibrationOf: () => 'user',
  };

  it('stores stack annotations in image space with the calibration their unit names, px when uncalibrated', () => {
    expect(parseWadorsImageId(imageId)).toEqual({ studyInstanceUid: '1.2.3', seriesInstanceUid: '1.2.3.4', sopInstanceUid: '1.2.3.4.5', frame: 2 });
    const input = annotationToMeasurementInput(
      { annotationUID: 'u1', metadata: { toolName: 'Length', referencedImageId: imageId }, data: { handles: { points: [[1, 2, 0], [4, 6, 0]] }, cachedStats: { t: { length: 12.5, unit: 'mm User' } } } },
      context,
    );
    expect(input).toEqual({ id: 'u1', toolType: 'length', calibration: 'user', value: { value: 12.5, unit: 'mm' }, seriesInstanceUid: '1.2.3.4', sopInstanceUid: '1.2.3.4.5', frame: 2, coordinateSpace: 'image', points: [[10, 20], [40, 60]] });
    const px = annotationToMeasurementInput({ annotationUID: 'u2', metadata: { toolName: 'Length', referencedImageId: imageId }, data: { handles: { points: [[0, 0, 0], [1, 0, 0]] }, cachedStats: { t: { length: 10, unit: 'px' } } } }, context);
    expect(px).toMatchObject({ calibration: 'none', value: { value: 10, unit: 'px' } });
    const cobb = annotationToMeasurementInput({ annotationUID: 'u3', metadata: { toolName: 'CobbAngle', referencedImageId: imageId }, data: { handles: { points: [[0, 0, 0], [1, 0, 0], [0, 1, 0], [1, 2, 0]] }, cachedStats: { t: { angle: 30.2 } } } }, context);
    expect(cobb).toMatchObject({ toolType: 'cobbAngle', calibration: 'user', value: { value: 30.2, unit: 'deg' } });
    expect(annotationToMeasurementInput({ annotationUID: 'c', metadata: { toolName: 'CalibrationLine', referencedImageId: imageId }, data: { handles: { points: [[0, 0, 0]] } } }, context)).toBeUndefined();
  });
});
