import { describe, expect, it } from 'vitest';
import { VertebraError } from '@vertebra/errors';
import { buildSpineModel } from '../src/buildSpineModel.js';
import { generatePhantomCase } from '../src/generatePhantomCase.js';
import { defaultPhantomParameters, mergePhantomParameters, validatePhantomParameters, type PhantomParameterOverrides } from '../src/PhantomParameters.js';
import { phantomPresetNames, phantomPresets } from '../src/phantomPresets.js';

function errorOf(overrides: PhantomParameterOverrides): VertebraError {
  try {
    validatePhantomParameters(mergePhantomParameters(defaultPhantomParameters, overrides));
  } catch (error) {
    expect(error).toBeInstanceOf(VertebraError);
    return error as VertebraError;
  }
  throw new Error('expected an error');
}

describe('parameter validation', () => {
  it('rejects a Cobb angle of 200° and names the valid range', () => {
    const error = errorOf({ coronalCurves: [{ cobbDeg: 200, upperEnd: 'T5', lowerEnd: 'T12', convexity: 'right' }] });
    expect(error.code).toBe('REQUEST_INVALID_PARAMETER');
    expect(error.message).toContain('coronalCurves[0].cobbDeg');
    expect(error.message).toContain('valid range: 0 to 120 °');
  });

  it('rejects a slip of −10 % with the valid range', () => {
    const error = errorOf({ listhesis: [{ level: 'L5', slipPercent: -10 }] });
    expect(error.message).toMatch(/listhesis\[0\]\.slipPercent: -10 % is out of range; valid range: 0 to 75 %/);
  });

  it('rejects an unknown preset, listing the presets', () => {
    expect(() => generatePhantomCase({ preset: 'nonsense' })).toThrowError(/unknown preset "nonsense"; valid presets: normal, scoliosis, fracture, listhesis, stenosis, osteoporosis, postop, transitional, followup/);
  });

  it('rejects levels that the anatomy does not have, unknown modalities and impossible curves', () => {
    expect(errorOf({ fractures: [{ level: 'L6', grade: 2, shape: 'wedge' }] }).message).toContain('one of C3');
    expect(errorOf({ coronalCurves: [{ cobbDeg: 30, upperEnd: 'L2', lowerEnd: 'T8', convexity: 'left' }] }).message).toContain('at least two levels below');
    expect(errorOf({ coronalCurves: [{ cobbDeg: 30, upperEnd: 'T5', lowerEnd: 'T12', apex: 'L2', convexity: 'left' }] }).message).toContain('strictly between');
    expect(errorOf({ pelvicIncidenceDeg: 40, pelvicTiltDeg: 38 }).message).toContain('sacral slope 5 to 70');
    expect(errorOf({ fractures: [{ level: 'L1', grade: 4 as 1, shape: 'wedge' }] }).message).toContain('one of 1, 2, 3');
    expect(() => generatePhantomCase({ preset: 'normal', modalities: ['pet'] })).toThrowError(/valid modalities: ct, xr/);
    expect(() => generatePhantomCase({ preset: 'normal', modalities: ['ct'], ct: { pixelSpacingMm: 0 } })).toThrowError(/ct.pixelSpacingMm: 0 is out of range; valid range: 0.2 to 5/);
  });

  it('rejects an SVA the sagittal profile cannot reach, giving the reachable range', () => {
    const parameters = mergePhantomParameters(defaultPhantomParameters, { svaMm: 150, thoracicKyphosisDeg: 0, lumbarLordosisDeg: 80 });
    expect(() => buildSpineModel(parameters)).toThrowError(/svaMm: 150 mm cannot be reached .* valid range for these parameters: -?\d+ to -?\d+ mm/);
  });

  it('accepts every preset', () => {
    expect(phantomPresetNames.length).toBeGreaterThanOrEqual(9);
    for (const name of phantomPresetNames) {
      const preset = phantomPresets[name];
      const parameters = mergePhantomParameters(defaultPhantomParameters, preset.overrides);
      expect(() => validatePhantomParameters(parameters)).not.toThrow();
      if (preset.followUp) expect(() => validatePhantomParameters(mergePhantomParameters(parameters, preset.followUp!.overrides))).not.toThrow();
    }
  });
});
