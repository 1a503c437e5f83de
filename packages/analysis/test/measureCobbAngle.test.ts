/**
 * Coronal Cobb angles on constructed vertebra lists (no images): end vertebrae at the turning
 * points of the tilt (SRS terminology; Cobb 1948), every curve of a double major scoliosis, a turn
 * below 5° that is no curve, and an end vertebra misread on its one reliable endplate. Then on two
 * phantom CTs (eval grid), the upper thoracic and cervicothoracic curves end to end.
 */
import { describe, expect, it } from 'vitest';
import { voxelToLps } from '@vertebra/geometry';
import { findCobbAngles } from '@vertebra/phantom';
import { analyzeSpineCt } from '../src/index.js';
import { coronalTiltDeg, measureCobbAngle, measureCobbCurves, turningPoints } from '../src/measureCobbAngle.js';
import type { VertebraLevel, VertebraResult } from '../src/SpineAnalysisResult.js';
import { loadSuiteCaseCt } from './support/loadSuiteCaseCt.js';

const LEVELS: VertebraLevel[] = ['C3', 'C4', 'C5', 'C6', 'C7', 'T1', 'T2', 'T3', 'T4', 'T5', 'T6', 'T7', 'T8', 'T9', 'T10', 'T11', 'T12', 'L1', 'L2', 'L3', 'L4', 'L5'];
const DEG = Math.PI / 180;

/** Unit endplate normal whose coronal tilt (coronalTiltDeg, posterior axis +y) is `tiltDeg`. */
const normalOfTilt = (tiltDeg: number): [number, number, number] => [Math.sin(tiltDeg * DEG), 0, Math.cos(tiltDeg * DEG)];

interface Spec {
  /** Tilt of both endplates (deg), or [superior, inferior]. */
  readonly tiltDeg: number | readonly [number, number];
  /** RMS residual of the superior / inferior endplate fit, mm (default 0.3 each). */
  readonly rmsMm?: readonly [number, number];
  readonly normal?: [number, number, number];
}

/** A column of vertebrae from `first` (a level of LEVELS) down, 30 mm apart. */
function column(first: VertebraLevel, specs: readonly Spec[]): VertebraResult[] {
  const start = LEVELS.indexOf(first);
  return specs.map((s, index) => {
    const [ts, ti] = typeof s.tiltDeg === 'number' ? [s.tiltDeg, s.tiltDeg] : s.tiltDeg;
    const [rs, ri] = s.rmsMm ?? [0.3, 0.3];
    const z = -30 * index;
    const plane = (dz: number, tilt: number, rms: number) => ({ pointLps: [0, 0, z + dz] as [number, number, number], normalLps: s.normal ?? normalOfTilt(tilt), rmsResidualMm: rms });
    return {
      index,
      label: LEVELS[start + index]!,
      alternativeLabel: null,
      region: 'thoracic',
      confidence: 0.9,
      detectionConfidence: 0.9 - 0.01 * index,
      centroidLps: [0, 0, z],
      posteriorSuperiorCornerLps: [0, 15, z + 11],
      posteriorInferiorCornerLps: [0, 15, z - 11],
      axisLps: [0, 0, 1],
      posteriorAxisLps: [0, 1, 0],
      superiorEndplate: plane(11, ts, rs),
      inferiorEndplate: plane(-11, ti, ri),
      heightsMm: { anterior: 22, middle: 21, posterior: 22 },
      apDepthMm: 30,
      widthMm: 40,
      bodyVolumeMm3: 25000,
      trabecularHu: 200,
      canalApDiameterMm: 16,
      canalApAtDiscBelowMm: 16,
      hasRibs: true,
      ribScore: 0.8,
      isSacral: false,
      truncated: false,
    } satisfies VertebraResult;
  });
}

const tilts = (first: VertebraLevel, values: readonly number[]) => column(first, values.map((tiltDeg) => ({ tiltDeg })));
const summary = (vs: VertebraResult[]) => measureCobbCurves(vs).map((c) => `${c.upperLevel}-${c.lowerLevel} ${c.angleDeg.toFixed(1)} ${c.convexity}`);

/** Coronal tilt (deg) of a Cobb line's direction on an AP view (right → left end). */
const lineTiltDeg = (l: { fromLps: readonly number[]; toLps: readonly number[] }) => Math.atan2(-(l.toLps[2]! - l.fromLps[2]!), l.toLps[0]! - l.fromLps[0]!) / DEG;

describe('turningPoints', () => {
  it('keeps the extremes of runs that turn back by at least the hysteresis, and the ends of the view', () => {
    expect(turningPoints([5, 20, 25, 10, -5, -20, -10, 5, 18, 8], 5)).toEqual([0, 2, 5, 8, 9]);
    // A turn of 3 is no turning point: 25 → 22 → 30 is one run.
    expect(turningPoints([0, 25, 22, 30, 10], 5)).toEqual([0, 3, 4]);
    // The first end is the extreme of the first run, not the first value.
    expect(turningPoints([3, 0, 20], 5)).toEqual([1, 2]);
    expect(turningPoints([1, 2, 3], 5)).toEqual([0, 2]);
  });
});

describe('measureCobbCurves', () => {
  it('measures one curve between its most tilted vertebrae, with its lines on their outer endplates', () => {
    // T5 (25°) and T9 (−20°) are the most tilted; beyond them the tilt turns back by < 5°.
    const vs = tilts('T4', [22, 25, 15, 0, -12, -20, -17]);
    const curves = measureCobbCurves(vs);
    expect(summary(vs)).toEqual(['T5-T9 45.0 right']);
    const c = curves[0]!;
    expect(c.upperLine!.vertebraIndex).toBe(1);
    expect(c.upperLine!.endplate).toBe('superior');
    expect(c.lowerLine!.vertebraIndex).toBe(5);
    expect(c.lowerLine!.endplate).toBe('inferior');
    // The lines' coronal projections carry the measured tilts (end points rounded to 0.01 mm).
    expect(lineTiltDeg(c.upperLine!)).toBeCloseTo(25, 1);
    expect(lineTiltDeg(c.lowerLine!)).toBeCloseTo(-20, 1);
    // Confidence of the curve: its own vertebrae (T5…T9), not the whole column's.
    expect(c.confidence).toBeCloseTo(0.9 - 0.05, 6);
    expect(measureCobbAngle(vs)?.angleDeg).toBeCloseTo(45, 6);
  });

  it('reports both curves of a double major scoliosis and the largest as the Cobb angle', () => {
    // Right thoracic T5–T9 (25 → −20: 45°) and left lumbar T9–L2 (−20 → 18: 38°). The old single
    // angle (the largest tilt difference anywhere) saw only the thoracic curve.
    const vs = tilts('T4', [22, 25, 10, -5, -15, -20, -10, 5, 15, 18, 16]);
    expect(summary(vs)).toEqual(['T5-T9 45.0 right', 'T9-L1 38.0 left']);
    expect(measureCobbAngle(vs)).toMatchObject({ upperLevel: 'T5', lowerLevel: 'T9' });
  });

  it('takes the convex side from the geometry: a column bowed to the patient right (−x, LPS) is right-convex', () => {
    // Centroids x(z) = −20 sin(π s), s = 0…1 over T4…L1 (bulging to the right); the endplates
    // are perpendicular to the column: their normals follow its cranial tangent.
    const n = 14;
    const specs: Spec[] = [];
    for (let k = 0; k < n; k++) {
      const s = k / (n - 1);
      // Cranial is +z, and s grows caudally: dx/dz = −dx/ds / (n − 1) / 30 mm.
      const dxds = -20 * Math.PI * Math.cos(Math.PI * s);
      const dxdz = -dxds / ((n - 1) * 30);
      const len = Math.hypot(dxdz, 1);
      specs.push({ tiltDeg: 0, normal: [dxdz / len, 0, 1 / len] });
    }
    const curves = measureCobbCurves(column('T4', specs));
    expect(curves).toHaveLength(1);
    expect(curves[0]!.convexity).toBe('right');
    expect(coronalTiltDeg(specs[0]!.normal!)).toBeGreaterThan(0);
  });

  it('does not split a curve at a turn of less than 5° (measurement noise) and reports no curve under 5°', () => {
    const vs = tilts('T4', [0, 10, 20, 17, 24, 10, -5, -15, -14]);
    expect(summary(vs)).toEqual(['T4-T8 24.0 left', 'T8-T11 39.0 right']);
    expect(measureCobbCurves(tilts('L1', [1, 2, 4, 3, 1]))).toEqual([]);
    expect(measureCobbAngle(tilts('L1', [1, 2, 4, 3, 1]))).toBeNull();
  });

  it('leaves out C1 and C2 (no endplate line: the dens) and bodies cut by the field of view', () => {
    const vs = tilts('C3', [-30, 0, 5, 10, 8]).map((v, i) => (i === 0 ? { ...v, label: 'C2' as const } : v));
    expect(summary(vs)).toEqual(['C4-C6 10.0 left']);
    const cut = tilts('T4', [40, 25, 15, 0, -12, -20, -17]).map((v, i) => (i === 0 ? { ...v, truncated: true } : v));
    expect(summary(cut)).toEqual(['T5-T9 45.0 right']);
  });
});

describe('measureCobbAngle: end vertebrae from reliable fits', () => {
  // scoliosis-severe, 2026-11-27 (measured tilts, rounded): T2 was split from a merged T1/T2
  // body; its superior endplate failed the plane fit (1.7 mm RMS) and its inferior (1.4 mm) read
  // 47.5° for a true 32°. T4's inferior endplate failed too (2.1 mm), its superior read 41.7°.
  const severe = (): VertebraResult[] =>
    column('T1', [
      { tiltDeg: 33 },
      { tiltDeg: [55, 47.5], rmsMm: [1.7, 1.4] },
      { tiltDeg: 31 },
      { tiltDeg: [41.7, 23], rmsMm: [0.2, 2.1] },
      { tiltDeg: [38, 14], rmsMm: [0.4, 2.3] },
      { tiltDeg: [30, 4], rmsMm: [0.5, 2.4] },
      { tiltDeg: 17 },
      { tiltDeg: 5 },
      { tiltDeg: -7 },
      { tiltDeg: -20 },
      { tiltDeg: -27 },
      { tiltDeg: -36 },
      { tiltDeg: -43.4 },
      { tiltDeg: -35 },
      { tiltDeg: -26 },
    ]);

  it('does not take a vertebra read on one endplate, 14° beyond its neighbours, as an end vertebra', () => {
    // Old rule (15° for every vertebra): T2–L1 90.9°; the truth is T4–L1 85°.
    const cobb = measureCobbAngle(severe());
    expect(cobb).toMatchObject({ upperLevel: 'T4', lowerLevel: 'L1' });
    expect(cobb!.angleDeg).toBeCloseTo(41.7 + 43.4, 6);
    expect(cobb!.upperLine!.source).toBe('endplate-plane');
  });

  it('keeps a genuine end vertebra measured on both endplates 12° beyond its neighbours', () => {
    const vs = column('T4', [{ tiltDeg: 20 }, { tiltDeg: 32 }, { tiltDeg: 20 }, { tiltDeg: 5 }, { tiltDeg: -10 }, { tiltDeg: -22 }, { tiltDeg: -20 }]);
    expect(measureCobbAngle(vs)).toMatchObject({ upperLevel: 'T5', lowerLevel: 'T9' });
    expect(measureCobbAngle(vs)!.angleDeg).toBeCloseTo(54, 6);
  });
});

/**
 * Every truth curve of a phantom case (findCobbAngles over the vertebrae from C3 down whose both
 * endplates lie in view, as eval/scorePhantomCase.mjs) against the measured curve with the same end
 * vertebrae: "C3-T4 35.8 → 35.6" (measured "none" where no measured curve has those ends).
 */
async function phantomCurves(caseId: string): Promise<{ ends: string; truthDeg: number; gotDeg: number | null }[]> {
  const { volume, anatomy } = await loadSuiteCaseCt(caseId);
  const [nx, ny, nz] = volume.dimensions;
  const zs = [voxelToLps(volume, [0, 0, 0])[2], voxelToLps(volume, [nx - 1, ny - 1, nz - 1])[2]];
  const [z0, z1] = [Math.min(...zs), Math.max(...zs)];
  const inView = (e: { corners: Record<string, readonly number[]> }) => Object.values(e.corners).every((c) => c[2]! > z0 && c[2]! < z1);
  const truth = findCobbAngles(anatomy.vertebrae.filter((v) => v.level !== 'C1' && v.level !== 'C2' && inView(v.superiorEndplate) && inView(v.inferiorEndplate)));
  const measured = analyzeSpineCt(volume).measurements.cobbCurves ?? [];
  return truth.map((t) => {
    const m = measured.find((c) => c.upperLevel === t.upperEndVertebra && c.lowerLevel === t.lowerEndVertebra);
    return { ends: `${t.upperEndVertebra}-${t.lowerEndVertebra}`, truthDeg: t.angleDeg, gotDeg: m ? m.angleDeg : null };
  });
}

describe('measureCobbCurves on phantom CTs: upper thoracic and cervical end vertebrae', () => {
  // The endplate planes of C3–T4 were tilted 3–10° by a column of lines at the grid's edge that
  // walked onto a transverse process or rib head beside a body sampled off-centre (least-squares
  // start, measureVertebralBody.ts fitPlane; 2026-11-27: C3–T4 40.8° for 35.8°, T1–T5 9.4° for
  // 12.2°); without a lateral column that walked off the body (Theil–Sen start): 35.6° and 10.5°.
  it('measures the C3–T4 curve of scoliosis-severe within 2° (with its T4–L1 and L1–L5 curves)', async () => {
    const curves = await phantomCurves('scoliosis-severe');
    expect(curves.map((c) => c.ends).sort()).toEqual(['C3-T4', 'L1-L5', 'T4-L1']);
    for (const c of curves) expect(Math.abs((c.gotDeg ?? 0) - c.truthDeg), `${c.ends} ${c.truthDeg.toFixed(1)} → ${c.gotDeg?.toFixed(1)}`).toBeLessThan(2);
  }, 120_000);

  it('measures the T1–T5 and T5–T12 curves of scoliosis-right-thoracic within 2°', async () => {
    const curves = await phantomCurves('scoliosis-right-thoracic');
    expect(curves.map((c) => c.ends).sort()).toEqual(['T1-T5', 'T5-T12']);
    for (const c of curves) expect(Math.abs((c.gotDeg ?? 0) - c.truthDeg), `${c.ends} ${c.truthDeg.toFixed(1)} → ${c.gotDeg?.toFixed(1)}`).toBeLessThan(2);
  }, 120_000);
});
