import { describe, expect, it } from 'vitest';
import type { SeriesAnalysis } from '@vertebra/contracts';
import { planOverlay, type SpineResult } from '../src/analysis/planOverlay.js';
import { analysesForView } from '../src/analysis/AnalysisOverlay.js';

type Vertebra = SpineResult['vertebrae'][number];
type Vec = [number, number, number];

const deg = Math.PI / 180;

/** A vertebra centred at `centroid` whose cranial axis is tilted by `tiltDeg` towards +x (patient left) in the coronal plane. */
function vertebra(index: number, label: Vertebra['label'], centroid: Vec, tiltDeg = 0): Vertebra {
  const axis: Vec = [Math.sin(tiltDeg * deg), 0, Math.cos(tiltDeg * deg)];
  const along = (mm: number): Vec => [centroid[0] + axis[0] * mm, centroid[1] + axis[1] * mm, centroid[2] + axis[2] * mm];
  return {
    index,
    label,
    alternativeLabel: null,
    region: 'lumbar',
    confidence: label === null ? 0 : 0.9,
    detectionConfidence: 0.9,
    centroidLps: centroid,
    posteriorSuperiorCornerLps: along(12),
    posteriorInferiorCornerLps: along(-12),
    axisLps: axis,
    superiorEndplate: { pointLps: along(12), normalLps: axis, rmsResidualMm: 0.3 },
    inferiorEndplate: { pointLps: along(-12), normalLps: axis, rmsResidualMm: 0.3 },
    heightsMm: { anterior: 23, middle: 24, posterior: 25 },
    apDepthMm: 35,
    widthMm: 45,
    bodyVolumeMm3: 30000,
    trabecularHu: 180,
    canalApDiameterMm: 15,
    canalApAtDiscBelowMm: 14,
    hasRibs: false,
    ribScore: 0,
    isSacral: false,
    truncated: false,
  };
}

function result(vertebrae: Vertebra[], cobb: SpineResult['measurements']['cobb'] = null): SpineResult {
  return {
    status: 'ok',
    algorithmVersion: 'test',
    units: { length: 'mm', angle: 'deg', density: 'HU', coordinates: 'LPS' },
    vertebrae,
    measurements: { levels: [], cobb, kyphosisT4T12: null, lordosisL1S1: null },
    findings: [],
    anchorsUsed: [],
    labellingNotes: [],
    canalCentrelineLps: [[0, 20, 130], [0, 20, 60], [0, 20, -10]],
    timingsMs: {},
  };
}

/** A straight lumbar column along +z (LPS: cranial), bodies 30 mm apart at x = y = 0. */
const straight = result([
  vertebra(0, 'L1', [0, 0, 120]),
  vertebra(1, 'L2', [0, 0, 90]),
  vertebra(2, 'L3', [0, 0, 60]),
  vertebra(3, null, [0, 0, 30]),
]);

const close = (a: readonly number[], b: readonly number[], mm = 1e-6): boolean => a.every((v, i) => Math.abs(v - (b[i] as number)) <= mm);

describe('planOverlay', () => {
  it('draws every vertebra of a column along a sagittal plane: labels at the centroids, endplates across the AP depth, three heights, the canal', () => {
    const plan = planOverlay(straight, { viewPlaneNormal: [1, 0, 0], pointOnPlaneLps: [0, 0, 0] });
    expect(plan.labels.map((l) => l.text)).toEqual(['L1', 'L2', 'L3', '#3']);
    expect(plan.labels.every((l) => l.inSlice && l.distanceMm === 0)).toBe(true);
    expect(plan.labels[2]?.anchorLps).toEqual([0, 0, 60]);

    const superior = plan.segments.find((s) => s.kind === 'endplate' && s.vertebraIndex === 2 && s.part === 'superior')!;
    // In the sagittal plane the endplate runs antero-posteriorly over the AP depth, at the endplate's height.
    const ends = [superior.fromLps, superior.toLps].sort((a, b) => a[1] - b[1]);
    expect(close(ends[0]!, [0, -17.5, 72])).toBe(true);
    expect(close(ends[1]!, [0, 17.5, 72])).toBe(true);

    const heights = plan.segments.filter((s) => s.kind === 'height' && s.vertebraIndex === 2);
    expect(heights.map((h) => h.part)).toEqual(['anterior', 'middle', 'posterior']);
    const anterior = heights[0]!;
    // 70 % of the AP half-depth anterior (−y in LPS), from the inferior to the superior endplate.
    expect(close(anterior.fromLps, [0, -0.7 * 17.5, 48])).toBe(true);
    expect(close(anterior.toLps, [0, -0.7 * 17.5, 72])).toBe(true);
    expect(anterior.value).toBe(23);
    expect(anterior.text).toBe('23.0 mm');
    expect(plan.segments.some((s) => s.kind === 'cobb')).toBe(false); // Cobb is coronal
    expect(plan.canalLps).toHaveLength(3);
  });

  it('keeps the column on a sagittal slice beside it, marked out of the slice', () => {
    const plan = planOverlay(straight, { viewPlaneNormal: [1, 0, 0], pointOnPlaneLps: [40, 0, 0] });
    expect(plan.labels).toHaveLength(4);
    expect(plan.labels.every((l) => !l.inSlice)).toBe(true);
    expect(plan.labels[0]?.distanceMm).toBeCloseTo(-40, 9);
    // Within the half-width (22.5 mm) the body is cut by the slice.
    expect(planOverlay(straight, { viewPlaneNormal: [1, 0, 0], pointOnPlaneLps: [20, 0, 0] }).labels.every((l) => l.inSlice)).toBe(true);
  });

  it('labels only the vertebra an axial slice cuts, without lines', () => {
    const through = planOverlay(straight, { viewPlaneNormal: [0, 0, 1], pointOnPlaneLps: [0, 0, 65] });
    expect(through.labels.map((l) => l.level)).toEqual(['L3']);
    expect(through.segments).toEqual([]);
    expect(through.canalLps).toEqual([]);
    // A slice in the disc between L2 (78–102) and L3 (48–72) cuts neither body.
    expect(planOverlay(straight, { viewPlaneNormal: [0, 0, 1], pointOnPlaneLps: [0, 0, 75] }).labels).toEqual([]);
  });

  it('draws the Cobb end-vertebra lines perpendicular to their axes in a coronal view, with the angle', () => {
    const scoliosis = result(
      [vertebra(0, 'T5', [0, 0, 120], -10), vertebra(1, 'T7', [15, 0, 90], 0), vertebra(2, 'T9', [0, 0, 60], 10)],
      { angleDeg: 20, upperLevel: 'T5', lowerLevel: 'T9', confidence: 0.8 },
    );
    const plan = planOverlay(scoliosis, { viewPlaneNormal: [0, 1, 0], pointOnPlaneLps: [0, 0, 0] });
    const cobb = plan.segments.filter((s) => s.kind === 'cobb');
    expect(cobb.map((s) => [s.part, s.vertebraIndex])).toEqual([['upper', 0], ['lower', 2]]);
    const direction = (s: (typeof cobb)[number]): number[] => [0, 1, 2].map((i) => (s.toLps[i] as number) - (s.fromLps[i] as number));
    for (const [segment, v] of [[cobb[0]!, scoliosis.vertebrae[0]!], [cobb[1]!, scoliosis.vertebrae[1 + 1]!]] as const) {
      const d = direction(segment);
      const length = Math.hypot(d[0]!, d[1]!, d[2]!);
      expect(length).toBeCloseTo(2 * v.widthMm, 6);
      expect(Math.abs(d[0]! * v.axisLps[0] + d[1]! * v.axisLps[1] + d[2]! * v.axisLps[2]) / length).toBeLessThan(1e-9); // ⟂ axis
      const mid = [0, 1, 2].map((i) => ((segment.fromLps[i] as number) + (segment.toLps[i] as number)) / 2);
      expect(close(mid, v.centroidLps, 1e-9)).toBe(true);
    }
    // The two lines make the Cobb angle between them.
    const [a, b] = [direction(cobb[0]!), direction(cobb[1]!)];
    const cos = (a[0]! * b[0]! + a[1]! * b[1]! + a[2]! * b[2]!) / (Math.hypot(...a) * Math.hypot(...b));
    expect((Math.acos(Math.abs(cos)) * 180) / Math.PI).toBeCloseTo(20, 6);
    expect(cobb[0]?.text).toBe('Cobb 20.0° T5–T9');
    // Coronal: endplates run left-right over the width; heights need the AP direction and are left out.
    const endplate = plan.segments.find((s) => s.kind === 'endplate' && s.vertebraIndex === 1)!;
    expect(Math.hypot(...[0, 1, 2].map((i) => (endplate.toLps[i] as number) - (endplate.fromLps[i] as number)))).toBeCloseTo(45, 6);
    expect(plan.segments.some((s) => s.kind === 'height')).toBe(false);
  });

  it('keeps a steeply tilted sacrum in the sagittal and coronal views of the column', () => {
    // S1 tilted 50° (sacral slope): its own axis is closer to the AP direction than to the coronal plane.
    const tilted: Vertebra = { ...vertebra(4, 'S1', [0, 10, 0]), axisLps: [0, -Math.sin(50 * deg), Math.cos(50 * deg)] };
    const withSacrum = result([...straight.vertebrae, tilted]);
    for (const normal of [[1, 0, 0], [0, 1, 0]] as Vec[]) {
      const plan = planOverlay(withSacrum, { viewPlaneNormal: normal, pointOnPlaneLps: [0, 0, 0] });
      expect(plan.labels.map((l) => l.level)).toEqual(['L1', 'L2', 'L3', '#3', 'S1']);
      expect(plan.segments.filter((s) => s.kind === 'endplate' && s.vertebraIndex === 4)).toHaveLength(2);
    }
  });

  it('draws nothing for a no-spine result and shows transitional alternatives', () => {
    const none: SpineResult = { ...straight, status: 'no-spine', reason: 'no disc spaces', vertebrae: [] };
    expect(planOverlay(none, { viewPlaneNormal: [1, 0, 0], pointOnPlaneLps: [0, 0, 0] })).toEqual({ labels: [], segments: [], canalLps: [] });
    const transitional = result([{ ...vertebra(0, 'L6', [0, 0, 0]), alternativeLabel: 'S1' }]);
    expect(planOverlay(transitional, { viewPlaneNormal: [1, 0, 0], pointOnPlaneLps: [0, 0, 0] }).labels[0]?.text).toBe('L6/S1');
  });
});

describe('analysesForView', () => {
  const analysis = (over: Partial<SeriesAnalysis>): SeriesAnalysis => ({
    studyInstanceUid: '1.2',
    seriesInstanceUid: '1.2.3',
    frameOfReferenceUid: '1.2.9',
    state: 'done',
    queuedAt: '2026-11-26T14:00:00Z',
    startedAt: '2026-11-26T14:00:01Z',
    finishedAt: '2026-11-26T14:00:02Z',
    instanceCount: 100,
    error: null,
    result: straight,
    ...over,
  });

  it('takes finished spine results of the view frame of reference, or of the same series when the result names none', () => {
    const view = { seriesInstanceUid: '1.2.4', frameOfReferenceUid: '1.2.9' };
    expect(analysesForView([analysis({})], view)).toHaveLength(1); // another series, same frame of reference
    expect(analysesForView([analysis({ frameOfReferenceUid: '1.2.8' })], view)).toHaveLength(0);
    expect(analysesForView([analysis({ frameOfReferenceUid: null })], view)).toHaveLength(0);
    expect(analysesForView([analysis({ frameOfReferenceUid: null, seriesInstanceUid: '1.2.4' })], view)).toHaveLength(1);
    expect(analysesForView([analysis({ state: 'running', result: null })], view)).toHaveLength(0);
    expect(analysesForView([analysis({ result: { ...straight, status: 'no-spine', vertebrae: [] } })], view)).toHaveLength(0);
  });
});
