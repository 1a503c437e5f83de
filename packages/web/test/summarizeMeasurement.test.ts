import { describe, expect, it } from 'vitest';
import { formatMeasurement, lengthCalibration, summarizeMeasurement } from '../src/viewer/summarizeMeasurement.js';

describe('summarizeMeasurement', () => {
  it('reads length, Cobb angle and probe statistics as Cornerstone caches them', () => {
    const length = summarizeMeasurement({ annotationUID: 'a', metadata: { toolName: 'Length' }, data: { cachedStats: { 'volumeId:x': { length: 42.345, unit: 'mm' } } } });
    expect(length).toMatchObject({ label: 'Length', value: 42.345, unit: 'mm' });
    expect(formatMeasurement(length!)).toBe('42.3 mm');
    const cobb = summarizeMeasurement({ annotationUID: 'b', metadata: { toolName: 'CobbAngle' }, data: { cachedStats: { t: { angle: 23.26 } } } });
    expect(formatMeasurement(cobb!)).toBe('23.3°');
    const probe = summarizeMeasurement({
      annotationUID: 'c',
      metadata: { toolName: 'Probe' },
      data: { cachedStats: { t: { value: 183, index: [244, 337, 7], modalityUnit: 'HU' } }, handles: { points: [[-10, -108, -790.8]] } },
    });
    expect(probe).toMatchObject({ value: 183, unit: 'HU', index: [244, 337, 7], worldLps: [-10, -108, -790.8] });
    expect(formatMeasurement(probe!)).toBe('183 HU');
  });

  it('keeps uncalibrated lengths in pixels, waits for stats, and ignores other tools', () => {
    const px = summarizeMeasurement({ annotationUID: 'a', metadata: { toolName: 'Length' }, data: { cachedStats: { t: { length: 10, unit: 'px' } } } });
    expect(formatMeasurement(px!)).toBe('10.00 px');
    const pending = summarizeMeasurement({ annotationUID: 'a', metadata: { toolName: 'Angle' }, data: { cachedStats: {} } });
    expect(formatMeasurement(pending!)).toBe('…');
    expect(summarizeMeasurement({ annotationUID: 'z', metadata: { toolName: 'Crosshairs' }, data: {} })).toBeUndefined();
  });

  it('names the calibration a length rests on', () => {
    expect(lengthCalibration('px')).toBe('none');
    expect(lengthCalibration('mm')).toBe('pixel-spacing');
    expect(lengthCalibration('mm Proj')).toBe('detector');
    expect(lengthCalibration('mm ERMF')).toBe('magnification-corrected');
    expect(lengthCalibration('mm User')).toBe('user');
    const ct = summarizeMeasurement({ annotationUID: 'a', metadata: { toolName: 'Length' }, data: { cachedStats: { t: { length: 5, unit: 'mm' } } } });
    expect(ct?.calibration).toBe('pixel-spacing');
  });

  it('summarizes heights, ellipse ROIs (mean, area, SD) and arrow labels', () => {
    const height = summarizeMeasurement({ annotationUID: 'h', metadata: { toolName: 'Height' }, data: { cachedStats: { t: { height: 21.04, unit: 'mm ERMF' } } } });
    expect(height).toMatchObject({ value: 21.04, calibration: 'magnification-corrected' });
    expect(formatMeasurement(height!)).toBe('21.0 mm ERMF');
    const roi = summarizeMeasurement({ annotationUID: 'e', metadata: { toolName: 'EllipticalROI' }, data: { cachedStats: { t: { mean: 212.4, stdDev: 31.2, area: 80.5, areaUnit: 'mm²', modalityUnit: 'HU' } } } });
    expect(roi).toMatchObject({ value: 212.4, unit: 'HU', calibration: 'pixel-spacing', detail: 'area 80.5 mm² · SD 31.2' });
    const arrow = summarizeMeasurement({ annotationUID: 'a', metadata: { toolName: 'ArrowAnnotate' }, data: { text: 'L4 pars defect', cachedStats: {} } });
    expect(formatMeasurement(arrow!)).toBe('“L4 pars defect”');
  });
});
