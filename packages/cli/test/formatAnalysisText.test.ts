/**
 * The text report of `vertebra analyze` on a constructed result (no images): every coronal curve
 * of a double major scoliosis is listed with its end vertebrae and convex side.
 */
import { describe, expect, it } from 'vitest';
import type { SpineAnalysisResult } from '@vertebra/analysis';
import { formatAnalysisText, type AnalysisInputInfo } from '../src/analyzeCommand.js';

const input: AnalysisInputInfo = { kind: 'nifti', source: 'ct.nii', seriesInstanceUid: null, dimensions: [10, 10, 10], spacingMm: [1, 1, 1], slices: 10, notes: [] };

function resultWith(measurements: SpineAnalysisResult['measurements']): SpineAnalysisResult {
  return {
    status: 'ok',
    algorithmVersion: 'test',
    units: { length: 'mm', angle: 'deg', density: 'HU', coordinates: 'LPS' },
    vertebrae: [],
    measurements,
    findings: [],
    anchorsUsed: [],
    labellingNotes: [],
    canalCentrelineLps: [],
    timingsMs: { total: 1 },
  };
}

describe('formatAnalysisText: coronal curves', () => {
  const thoracic = { angleDeg: 40.04, upperLevel: 'T5', lowerLevel: 'T11', confidence: 0.8, convexity: 'right' as const };
  const lumbar = { angleDeg: 34.96, upperLevel: 'T11', lowerLevel: 'L4', confidence: 0.9, convexity: 'left' as const };

  it('lists every curve of a double major scoliosis, the largest as the Cobb angle', () => {
    const text = formatAnalysisText(resultWith({ levels: [], cobb: thoracic, cobbCurves: [thoracic, lumbar], kyphosisT4T12: null, lordosisL1S1: null }), input);
    expect(text).toContain('Cobb (coronal): 40.0° (T5–T11, confidence 0.80)');
    const rows = text.split('\n').filter((l) => /^\s*T(5|11)–/.test(l));
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatch(/T5–T11\s+40\.0\s+right\s+0\.80/);
    expect(rows[1]).toMatch(/T11–L4\s+35\.0\s+left\s+0\.90/);
  });

  it('prints no curve table for a single curve (the Cobb line says it all)', () => {
    const text = formatAnalysisText(resultWith({ levels: [], cobb: lumbar, cobbCurves: [lumbar], kyphosisT4T12: null, lordosisL1S1: null }), input);
    expect(text).not.toContain('coronal curve');
  });
});
