import { describe, expect, it } from 'vitest';
import { buildSpineModel } from '../src/buildSpineModel.js';
import { computeGroundTruth } from '../src/computeGroundTruth.js';
import { defaultPhantomParameters, mergePhantomParameters, validatePhantomParameters } from '../src/PhantomParameters.js';
import { phantomPresets, type PhantomPresetName } from '../src/phantomPresets.js';
import { phantomSuite } from '../src/phantomSuite.js';

describe('phantomSuite', () => {
  const suite = phantomSuite();

  it('has at least 30 distinct, valid cases covering positions, thicknesses, fields of view and presets', () => {
    expect(suite.length).toBeGreaterThanOrEqual(30);
    expect(new Set(suite.map((entry) => entry.caseId)).size).toBe(suite.length);
    expect(new Set(suite.map((entry) => entry.preset))).toEqual(new Set(Object.keys(phantomPresets)));
    expect(new Set(suite.map((entry) => entry.ct?.patientPosition ?? 'HFS'))).toEqual(new Set(['HFS', 'FFS', 'HFP', 'FFP']));
    expect(new Set(suite.map((entry) => entry.ct?.fieldOfView ?? 'lumbar'))).toEqual(new Set(['cervical', 'thoracic', 'lumbar', 'whole']));
    const thicknesses = suite.map((entry) => entry.ct?.sliceThicknessMm ?? 1.5);
    expect(Math.min(...thicknesses)).toBe(1);
    expect(Math.max(...thicknesses)).toBe(3);
    for (const entry of suite) {
      const preset = phantomPresets[entry.preset as PhantomPresetName];
      const parameters = mergePhantomParameters(mergePhantomParameters(defaultPhantomParameters, preset.overrides), entry.overrides ?? {});
      expect(() => validatePhantomParameters(parameters), entry.caseId).not.toThrow();
      const truth = computeGroundTruth(buildSpineModel(parameters));
      expect(truth.vertebrae.length).toBeGreaterThanOrEqual(23);
    }
  });
});
