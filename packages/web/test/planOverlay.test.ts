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

  it('draws the Cobb end-vertebra endplate lines perpendicular to their axes in a coronal view, with the angle', () => {
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
    }
    // On the upper end vertebra's superior and the lower end vertebra's inferior endplate (as on an AP radiograph).
    const mid = (s: (typeof cobb)[number]): number[] => [0, 1, 2].map((i) => ((s.fromLps[i] as number) + (s.toLps[i] as number)) / 2);
    expect(close(mid(cobb[0]!), scoliosis.vertebrae[0]!.superiorEndplate.pointLps, 1e-9)).toBe(true);
    expect(close(mid(cobb[1]!), scoliosis.vertebrae[2]!.inferiorEndplate.pointLps, 1e-9)).toBe(true);
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

  it('draws a rotated end vertebra\'s Cobb line along its own left–right axis, the line whose AP projection the analysis measures', () => {
    // T5 tilted 10° coronally and turned 20° about the cranial axis (axial rotation): its posterior axis is no longer +y.
    const rho = 20 * deg;
    const t5 = vertebra(0, 'T5', [0, 0, 120], -10);
    const posterior: Vec = [Math.sin(rho) * Math.cos(10 * deg), Math.cos(rho), Math.sin(rho) * Math.sin(10 * deg)];
    const rotated = result([{ ...t5, posteriorAxisLps: posterior } as Vertebra, vertebra(1, 'T7', [15, 0, 90]), vertebra(2, 'T9', [0, 0, 60], 10)], {
      angleDeg: 20,
      upperLevel: 'T5',
      lowerLevel: 'T9',
      confidence: 0.8,
    });
    const line = planOverlay(rotated, { viewPlaneNormal: [0, 1, 0], pointOnPlaneLps: [0, 0, 0] }).segments.find((s) => s.kind === 'cobb' && s.part === 'upper')!;
    const d = [0, 1, 2].map((i) => (line.toLps[i] as number) - (line.fromLps[i] as number));
    const length = Math.hypot(d[0]!, d[1]!, d[2]!);
    const dotWith = (v: readonly number[]): number => (d[0]! * v[0]! + d[1]! * v[1]! + d[2]! * v[2]!) / length;
    expect(Math.abs(dotWith(t5.axisLps))).toBeLessThan(1e-9);
    expect(Math.abs(dotWith(posterior))).toBeLessThan(1e-6);
    expect(Math.abs(d[1]!)).toBeGreaterThan(0.1 * length); // out of the coronal plane: turned with the vertebra
  });

  it('tilts a Cobb line by the endplates fitted as planes only, as the analysis measures the tilt', () => {
    // T5's inferior endplate fit mixed in another surface (RMS 2.2 mm): its normal (30° off) is left out.
    const t5 = vertebra(0, 'T5', [0, 0, 120], -10);
    const off: Vec = [Math.sin(20 * deg), 0, Math.cos(20 * deg)];
    const misfit = { ...t5, inferiorEndplate: { ...t5.inferiorEndplate, normalLps: off, rmsResidualMm: 2.2 }, axisLps: [Math.sin(5 * deg), 0, Math.cos(5 * deg)] as Vec };
    const scoliosis = result([misfit, vertebra(1, 'T7', [15, 0, 90]), vertebra(2, 'T9', [0, 0, 60], 10)], { angleDeg: 20, upperLevel: 'T5', lowerLevel: 'T9', confidence: 0.8 });
    const line = planOverlay(scoliosis, { viewPlaneNormal: [0, 1, 0], pointOnPlaneLps: [0, 0, 0] }).segments.find((s) => s.kind === 'cobb' && s.part === 'upper')!;
    const d = [0, 1, 2].map((i) => (line.toLps[i] as number) - (line.fromLps[i] as number));
    // ⟂ the superior endplate's normal (tilted −10°), not the axis (the mean of both, +5°).
    const n = t5.superiorEndplate.normalLps;
    expect(Math.abs(d[0]! * n[0] + d[1]! * n[1] + d[2]! * n[2]) / Math.hypot(d[0]!, d[1]!, d[2]!)).toBeLessThan(1e-9);
  });

  it('draws the lordosis L1–S1 endplate lines with the angle in a sagittal view only', () => {
    /** The vertebra with both endplates turned by `deg` about the patient's left-right axis (+: superior endplate facing anteriorly). */
    const sagittallyTilted = (v: Vertebra, deg: number): Vertebra => {
      const axis: Vec = [0, -Math.sin(deg * (Math.PI / 180)), Math.cos(deg * (Math.PI / 180))];
      return { ...v, axisLps: axis, superiorEndplate: { ...v.superiorEndplate, normalLps: axis }, inferiorEndplate: { ...v.inferiorEndplate, normalLps: axis } };
    };
    const column = [vertebra(0, 'L1', [0, 0, 150]), vertebra(1, 'L3', [0, -10, 90]), vertebra(2, 'S1', [0, 20, 0])];
    const lordotic: SpineResult = {
      ...result([sagittallyTilted(column[0]!, 20), column[1]!, sagittallyTilted(column[2]!, -30)]),
      measurements: { levels: [], cobb: null, kyphosisT4T12: null, lordosisL1S1: { angleDeg: 50, upperLevel: 'L1', lowerLevel: 'S1', confidence: 0.9 } },
    };
    const plan = planOverlay(lordotic, { viewPlaneNormal: [-1, 0, 0], pointOnPlaneLps: [5, 0, 0] });
    const lines = plan.segments.filter((s) => s.kind === 'lordosis');
    expect(lines.map((s) => [s.part, s.vertebraIndex])).toEqual([['upper', 0], ['lower', 2]]);
    const direction = (s: (typeof lines)[number]): number[] => [0, 1, 2].map((i) => (s.toLps[i] as number) - (s.fromLps[i] as number));
    for (const [line, plane] of [[lines[0]!, lordotic.vertebrae[0]!.superiorEndplate], [lines[1]!, lordotic.vertebrae[2]!.superiorEndplate]] as const) {
      const d = direction(line);
      expect(Math.hypot(d[0]!, d[1]!, d[2]!)).toBeCloseTo(2 * 35, 6); // one AP depth to each side
      expect(Math.abs(d[0]! * plane.normalLps[0] + d[1]! * plane.normalLps[1] + d[2]! * plane.normalLps[2])).toBeLessThan(1e-9); // along the endplate
      expect(Math.abs(d[0]!)).toBeLessThan(1e-9); // in the sagittal plane
      const mid = [0, 1, 2].map((i) => ((line.fromLps[i] as number) + (line.toLps[i] as number)) / 2);
      expect(close(mid, plane.pointLps, 1e-9)).toBe(true);
    }
    const [a, b] = [direction(lines[0]!), direction(lines[1]!)];
    const cos = (a[0]! * b[0]! + a[1]! * b[1]! + a[2]! * b[2]!) / (Math.hypot(...a) * Math.hypot(...b));
    expect((Math.acos(Math.abs(cos)) * 180) / Math.PI).toBeCloseTo(50, 6);
    expect(lines[1]?.text).toBe('Lordosis 50.0° L1–S1');
    expect(lines[0]?.text).toBeUndefined();
    expect(lines.every((s) => s.value === 50)).toBe(true);
    expect(plan.segments.some((s) => s.kind === 'kyphosis')).toBe(false); // not measured
    // Not in the coronal or axial views: the angle lies in the sagittal plane.
    for (const normal of [[0, 1, 0], [0, 0, 1]] as Vec[]) {
      expect(planOverlay(lordotic, { viewPlaneNormal: normal, pointOnPlaneLps: [0, 0, 150] }).segments.some((s) => s.kind === 'lordosis')).toBe(false);
    }
  });

  it('draws the kyphosis on the T4 superior and the T12 inferior endplate', () => {
    const kyphotic: SpineResult = {
      ...result([vertebra(0, 'T4', [0, 0, 200]), vertebra(1, 'T8', [0, 10, 120]), vertebra(2, 'T12', [0, 0, 40])]),
      measurements: { levels: [], cobb: null, kyphosisT4T12: { angleDeg: 41.5, upperLevel: 'T4', lowerLevel: 'T12', confidence: 0.9 }, lordosisL1S1: null },
    };
    const lines = planOverlay(kyphotic, { viewPlaneNormal: [1, 0, 0], pointOnPlaneLps: [0, 0, 0] }).segments.filter((s) => s.kind === 'kyphosis');
    const mid = (s: (typeof lines)[number]): number[] => [0, 1, 2].map((i) => ((s.fromLps[i] as number) + (s.toLps[i] as number)) / 2);
    expect(lines.map((s) => s.part)).toEqual(['upper', 'lower']);
    expect(close(mid(lines[0]!), [0, 0, 212])).toBe(true); // T4 superior endplate
    expect(close(mid(lines[1]!), [0, 0, 28])).toBe(true); // T12 inferior endplate
    expect(lines[1]?.text).toBe('Kyphosis 41.5° T4–T12');
  });

  it('draws the endplate lines the analysis measured an angle on, through their ends, so that they make the reported angle', () => {
    // The result's lines (e.g. L1 superior measured across its disc) differ from the body planes (flat here).
    const line = (index: number, from: Vec, to: Vec, source: string) => ({ vertebraIndex: index, endplate: 'superior' as const, fromLps: from, toLps: to, source: source as 'across-disc' });
    const upperLine = line(0, [0, -18, 165], [0, 18, 160], 'across-disc');
    const lowerLine = line(2, [0, 2, -12], [0, 36, 16], 'sacral-plateau');
    const lordosisDeg = Math.abs(Math.atan2(-5, 36) - Math.atan2(28, 34)) / deg;
    const measured: SpineResult = {
      ...result([vertebra(0, 'L1', [0, 0, 150]), vertebra(1, 'L3', [0, -10, 90]), vertebra(2, 'S1', [0, 20, 0])]),
      measurements: { levels: [], cobb: null, kyphosisT4T12: null, lordosisL1S1: { angleDeg: lordosisDeg, upperLevel: 'L1', lowerLevel: 'S1', confidence: 0.9, upperLine, lowerLine } },
    };
    const lines = planOverlay(measured, { viewPlaneNormal: [1, 0, 0], pointOnPlaneLps: [0, 0, 0] }).segments.filter((s) => s.kind === 'lordosis');
    expect(lines.map((s) => [s.part, s.vertebraIndex, s.source])).toEqual([['upper', 0, 'across-disc'], ['lower', 2, 'sacral-plateau']]);
    for (const [segment, l] of [[lines[0]!, upperLine], [lines[1]!, lowerLine]] as const) {
      expect(segment.measuredLps).toEqual([l.fromLps, l.toLps]);
      // Extended by half the measured length beyond each end, along the same line.
      const half = [0, 1, 2].map((k) => (l.toLps[k]! - l.fromLps[k]!) / 2);
      expect(close(segment.fromLps, [0, 1, 2].map((k) => l.fromLps[k]! - half[k]!))).toBe(true);
      expect(close(segment.toLps, [0, 1, 2].map((k) => l.toLps[k]! + half[k]!))).toBe(true);
    }
    const slope = (s: (typeof lines)[number]): number => Math.atan2(s.toLps[2] - s.fromLps[2], s.toLps[1] - s.fromLps[1]);
    expect(Math.abs(slope(lines[0]!) - slope(lines[1]!)) / deg).toBeCloseTo(lordosisDeg, 9);
    expect(lines[1]?.text).toBe(`Lordosis ${lordosisDeg.toFixed(1)}° L1–S1`);
  });

  it('draws the Cobb lines the analysis measured the tilts on, when the result carries them', () => {
    const upperLine = { vertebraIndex: 0, endplate: 'superior' as const, fromLps: [-20, 1, 130] as Vec, toLps: [20, -1, 127] as Vec, source: 'mean-of-endplates' as const };
    const lowerLine = { vertebraIndex: 2, endplate: 'inferior' as const, fromLps: [-20, 0, 45] as Vec, toLps: [20, 0, 52] as Vec, source: 'endplate-plane' as const };
    const scoliosis = result([vertebra(0, 'T5', [0, 0, 120]), vertebra(1, 'T7', [15, 0, 90]), vertebra(2, 'T9', [0, 0, 60])], { angleDeg: 14.2, upperLevel: 'T5', lowerLevel: 'T9', confidence: 0.8, upperLine, lowerLine });
    const cobb = planOverlay(scoliosis, { viewPlaneNormal: [0, 1, 0], pointOnPlaneLps: [0, 0, 0] }).segments.filter((s) => s.kind === 'cobb');
    expect(cobb.map((s) => [s.part, s.vertebraIndex, s.source])).toEqual([['upper', 0, 'mean-of-endplates'], ['lower', 2, 'endplate-plane']]);
    expect(close(cobb[0]!.fromLps, [-40, 2, 131.5])).toBe(true);
    expect(close(cobb[0]!.toLps, [40, -2, 125.5])).toBe(true);
    expect(cobb[0]?.text).toBe('Cobb 14.2° T5–T9');
  });

  it('draws both curves of a double major scoliosis, each between its own end vertebrae', () => {
    // Right thoracic T5–T9 and left lumbar T9–L1 sharing T9: its inferior line ends the upper
    // curve, its superior line starts the lower one.
    const line = (vertebraIndex: number, endplate: 'superior' | 'inferior', z: number, dz: number) => ({ vertebraIndex, endplate, fromLps: [-20, 0, z - dz] as Vec, toLps: [20, 0, z + dz] as Vec, source: 'mean-of-endplates' as const });
    const thoracic = { angleDeg: 40, upperLevel: 'T5', lowerLevel: 'T9', confidence: 0.8, convexity: 'right' as const, upperLine: line(0, 'superior', 130, -7), lowerLine: line(2, 'inferior', 50, 7) };
    const lumbar = { angleDeg: 35, upperLevel: 'T9', lowerLevel: 'L1', confidence: 0.9, convexity: 'left' as const, upperLine: line(2, 'superior', 70, 7), lowerLine: line(4, 'inferior', -10, -6) };
    const base = result([vertebra(0, 'T5', [0, 0, 120]), vertebra(1, 'T7', [15, 0, 90]), vertebra(2, 'T9', [0, 0, 60]), vertebra(3, 'T11', [-15, 0, 30]), vertebra(4, 'L1', [0, 0, 0])], thoracic);
    const double: SpineResult = { ...base, measurements: { ...base.measurements, cobbCurves: [thoracic, lumbar] } };
    const cobb = planOverlay(double, { viewPlaneNormal: [0, 1, 0], pointOnPlaneLps: [0, 0, 0] }).segments.filter((s) => s.kind === 'cobb');
    expect(cobb.map((s) => [s.part, s.vertebraIndex, s.value])).toEqual([['upper', 0, 40], ['lower', 2, 40], ['upper', 2, 35], ['lower', 4, 35]]);
    expect(cobb.map((s) => s.text).filter(Boolean)).toEqual(['Cobb 40.0° T5–T9', 'Cobb 35.0° T9–L1']);
    expect(close(cobb[2]!.fromLps, [-40, 0, 56])).toBe(true); // T9's superior line, extended by half its length
    // Not in a lateral view.
    expect(planOverlay(double, { viewPlaneNormal: [1, 0, 0], pointOnPlaneLps: [0, 0, 0] }).segments.some((s) => s.kind === 'cobb')).toBe(false);
  });

  it('draws the canal AP diameters as measured, with their value, in the axial and sagittal slices through them only', () => {
    // L2's mid-body diameter at z = 92 (posterior wall y = 19 to lamina y = 33), the L2-L3 one on the disc at z = 75.
    const l2 = { ...vertebra(1, 'L2', [0, 0, 90]), canalApDiameterMm: 14, canalApSegmentLps: { fromLps: [0, 19, 92] as Vec, toLps: [0, 33, 92] as Vec } };
    const level = { level: 'L2-L3', upperIndex: 1, lowerIndex: 2, discHeightMm: 6, slipPercent: 0, canalApMm: 11.5, canalApSegmentLps: { fromLps: [0, 18, 75] as Vec, toLps: [0, 29.5, 75] as Vec } };
    const base = result([vertebra(0, 'L1', [0, 0, 120]), l2, vertebra(2, 'L3', [0, 0, 60])]);
    const withCanal: SpineResult = { ...base, measurements: { ...base.measurements, levels: [level] } };
    const canal = (view: { viewPlaneNormal: Vec; pointOnPlaneLps: Vec; slabThicknessMm?: number }) => planOverlay(withCanal, view).segments.filter((s) => s.kind === 'canal-ap');
    const axial = canal({ viewPlaneNormal: [0, 0, 1], pointOnPlaneLps: [0, 0, 91] });
    expect(axial.map((s) => [s.part, s.vertebraIndex, s.value, s.text])).toEqual([['mid-body', 1, 14, 'L2 canal 14.0 mm']]);
    expect(axial[0]?.fromLps).toEqual([0, 19, 92]);
    expect(axial[0]?.toLps).toEqual([0, 33, 92]);
    // 3 mm away from it: not this slice's; a 10 mm slab holds it.
    expect(canal({ viewPlaneNormal: [0, 0, 1], pointOnPlaneLps: [0, 0, 95] })).toEqual([]);
    expect(canal({ viewPlaneNormal: [0, 0, 1], pointOnPlaneLps: [0, 0, 95], slabThicknessMm: 10 })).toHaveLength(1);
    expect(canal({ viewPlaneNormal: [0, 0, -1], pointOnPlaneLps: [0, 0, 75.5] }).map((s) => [s.part, s.text])).toEqual([['disc', 'L2-L3 canal 11.5 mm']]);
    // The mid-sagittal slice holds both; a parasagittal one 5 mm aside neither; a coronal view sees them end-on.
    expect(canal({ viewPlaneNormal: [1, 0, 0], pointOnPlaneLps: [0.5, 0, 0] }).map((s) => s.part)).toEqual(['mid-body', 'disc']);
    expect(canal({ viewPlaneNormal: [1, 0, 0], pointOnPlaneLps: [5, 0, 0] })).toEqual([]);
    expect(canal({ viewPlaneNormal: [0, 1, 0], pointOnPlaneLps: [0, 25, 0] })).toEqual([]);
    // A result without the segments (an older analysis) draws none.
    expect(planOverlay(straight, { viewPlaneNormal: [1, 0, 0], pointOnPlaneLps: [0, 0, 0] }).segments.some((s) => s.kind === 'canal-ap')).toBe(false);
  });

  it('draws the slip of a level graded as spondylolisthesis between the posterior corners, in a sagittal view', () => {
    const levels = [
      { level: 'L2-L3', upperIndex: 1, lowerIndex: 2, discHeightMm: 8, slipPercent: 2, canalApMm: 14 },
      { level: 'L3-#3', upperIndex: 2, lowerIndex: 3, discHeightMm: 8, slipPercent: 18.4, canalApMm: 12 },
    ];
    const finding = { kind: 'spondylolisthesis' as const, level: 'L3-#3', grade: 'Meyerding I (anterolisthesis)', measuredValue: 18.4, unit: '%', threshold: '', source: '', confidence: 0.8, description: '' };
    const slipped: SpineResult = { ...straight, measurements: { ...straight.measurements, levels }, findings: [finding] };
    const slips = planOverlay(slipped, { viewPlaneNormal: [1, 0, 0], pointOnPlaneLps: [0, 0, 0] }).segments.filter((s) => s.kind === 'slip');
    expect(slips).toHaveLength(1); // L2-L3 is not graded
    expect(slips[0]?.fromLps).toEqual(straight.vertebrae[3]!.posteriorSuperiorCornerLps);
    expect(slips[0]?.toLps).toEqual(straight.vertebrae[2]!.posteriorInferiorCornerLps);
    expect(slips[0]?.text).toBe('L3-#3 slip 18.4 %');
    expect(planOverlay(slipped, { viewPlaneNormal: [0, 1, 0], pointOnPlaneLps: [0, 0, 0] }).segments.some((s) => s.kind === 'slip')).toBe(false);
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
