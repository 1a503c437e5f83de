/**
 * The vertebra's AP axis from the mirror symmetry of its sections (measureMidSagittalAxis.ts) on
 * an analytic vertebra (body, pedicles, laminae, spinous process, rib heads) tilted coronally,
 * flexed and rotated axially, and the T4–T12 kyphosis read along it (measureSagittalEndplates.ts →
 * computeSpineMeasurements.ts) where the centroid → canal axis is pulled sideways as rib heads pull
 * it on a scoliotic end vertebra; so too the coronal Cobb tilts (measureTiltAxes → measureCobbCurves).
 */
import { describe, expect, it } from 'vitest';
import { computeSpineMeasurements } from '../src/computeSpineMeasurements.js';
import { measureTiltAxes } from '../src/measureCobbAngle.js';
import { measureMidSagittalAxis } from '../src/measureMidSagittalAxis.js';
import { measureSagittalEndplates } from '../src/measureSagittalEndplates.js';
import type { VertebraLevel, VertebraResult } from '../src/SpineAnalysisResult.js';

const DEG = Math.PI / 180;
type Vec = [number, number, number];
type Mat = [Vec, Vec, Vec];

/** R = Rz(ρ)·Rx(φ)·Ry(θ): coronal tilt θ, flexion φ (AP line rising posteriorly), then axial rotation ρ. */
function frame(thetaDeg: number, phiDeg: number, rhoDeg: number): Mat {
  const [t, p, r] = [thetaDeg * DEG, phiDeg * DEG, rhoDeg * DEG];
  const ry: Mat = [[Math.cos(t), 0, Math.sin(t)], [0, 1, 0], [-Math.sin(t), 0, Math.cos(t)]];
  const rx: Mat = [[1, 0, 0], [0, Math.cos(p), -Math.sin(p)], [0, Math.sin(p), Math.cos(p)]];
  const rz: Mat = [[Math.cos(r), -Math.sin(r), 0], [Math.sin(r), Math.cos(r), 0], [0, 0, 1]];
  const mul = (a: Mat, b: Mat): Mat => a.map((row): Vec => [0, 1, 2].map((j) => row[0] * b[0][j]! + row[1] * b[1][j]! + row[2] * b[2][j]!) as Vec) as Mat;
  return mul(rz, mul(rx, ry));
}
const col = (m: Mat, j: 0 | 1 | 2): Vec => [m[0][j], m[1][j], m[2][j]];
const dot = (a: readonly number[], b: readonly number[]): number => a[0]! * b[0]! + a[1]! * b[1]! + a[2]! * b[2]!;
const angleDeg = (a: readonly number[], b: readonly number[]): number => Math.acos(Math.min(1, dot(a, b) / Math.hypot(...a) / Math.hypot(...b))) / DEG;

/**
 * HU of an analytic thoracic vertebra in its own frame (u lateral, v posterior, h cranial, mm from
 * the body centre): elliptic body 40 × 28 mm, 24 mm tall; pedicles, laminae and spinous process
 * around a 16 × 12 mm canal; rib heads against the body's upper sides. Bone 600–700 HU, else 40.
 */
function vertebraHu(u: number, v: number, h: number): number {
  const a = Math.abs(u);
  if ((u / 20) ** 2 + (v / 14) ** 2 <= 1 && Math.abs(h) <= 12) return 600;
  if (a >= 8 && a <= 12 && v >= 12 && v <= 24 && h >= 0 && h <= 10) return 700;
  if (a <= 12 && v >= 24 && v <= 28 && h >= -4 && h <= 10) return 700;
  if (a <= 2.5 && v >= 28 && v <= 42 && h >= -10 && h <= 8) return 700;
  if (Math.hypot(a - 22, v - 4, h - 6) <= 4.5) return 700;
  return 40;
}

/** A volume holding vertebrae at the given centres and frames (each within 60 mm of its centre). */
function volumeOf(parts: readonly { centre: Vec; r: Mat }[]): (x: number, y: number, z: number) => number {
  return (x, y, z) => {
    for (const { centre, r } of parts) {
      const d = [x - centre[0], y - centre[1], z - centre[2]];
      if (Math.hypot(d[0]!, d[1]!, d[2]!) > 60) continue;
      // Local coordinates: Rᵀ·d.
      return vertebraHu(dot(col(r, 0), d), dot(col(r, 1), d), dot(col(r, 2), d));
    }
    return 40;
  };
}

/**
 * The analysis' view of such a vertebra: endplate normals R·z (exact), but its centroid 2.5 mm
 * towards one side and its centroid → canal axis turned 10° with it, as rib heads taken into the
 * body outline move them on a tilted thoracic vertebra.
 */
function measured(index: number, label: VertebraLevel, centre: Vec, r: Mat): VertebraResult {
  const [x, y, z] = [col(r, 0), col(r, 1), col(r, 2)];
  const at = (s: number, k: number): Vec => [centre[0] + s * x[0] + k * z[0], centre[1] + s * x[1] + k * z[1], centre[2] + s * x[2] + k * z[2]];
  const turn = 10 * DEG;
  const plane = (k: number) => ({ pointLps: at(0, k), normalLps: z, rmsResidualMm: 0.4 });
  return {
    index,
    label,
    alternativeLabel: null,
    region: 'thoracic',
    confidence: 0.9,
    detectionConfidence: 0.9,
    centroidLps: at(2.5, 0),
    posteriorSuperiorCornerLps: at(0, 12),
    posteriorInferiorCornerLps: at(0, -12),
    axisLps: z,
    posteriorAxisLps: [0, 1, 2].map((k) => Math.cos(turn) * y[k]! + Math.sin(turn) * x[k]!) as Vec,
    superiorEndplate: plane(12),
    inferiorEndplate: plane(-12),
    heightsMm: { anterior: 24, middle: 24, posterior: 24 },
    apDepthMm: 28,
    widthMm: 40,
    bodyVolumeMm3: 21000,
    trabecularHu: 600,
    canalApDiameterMm: 12,
    canalApAtDiscBelowMm: 12,
    hasRibs: true,
    ribScore: 1,
    isSacral: false,
    truncated: false,
  };
}

describe('measureMidSagittalAxis', () => {
  it("finds the vertebra's posterior axis R·y within 0.5° from a centroid and start axis pulled sideways", () => {
    for (const [theta, phi, rho] of [[28, 15, 0], [-15, -10, 12], [0, 5, -20]] as const) {
      const r = frame(theta, phi, rho);
      const centre: Vec = [10, -20, 30];
      const axis = measureMidSagittalAxis(volumeOf([{ centre, r }]), measured(0, 'T4', centre, r));
      expect(axis).not.toBeNull();
      expect(angleDeg(axis!.posteriorAxisLps, col(r, 1))).toBeLessThan(0.5);
      expect(axis!.asymmetry).toBeLessThan(0.1);
    }
  });
  it('finds none in a volume without a vertebra', () => {
    const r = frame(0, 0, 0);
    expect(measureMidSagittalAxis(() => 40, measured(0, 'T4', [0, 0, 0], r))).toBeNull();
  });
});

describe('kyphosis of coronally tilted rib-bearing end vertebrae', () => {
  it('reads T4 superior and T12 inferior along the vertebrae\'s own AP axes (their corner lines)', () => {
    // T4 tilted 28° coronally and flexed 15°, T12 tilted −15° and extended 10° (the end vertebrae
    // of a right thoracic curve): the corner lines R·y rise 15° and fall 10°, kyphosis 25°.
    const r4 = frame(28, 15, 0);
    const r12 = frame(-15, -10, 0);
    const c4: Vec = [0, 0, 150];
    const c12: Vec = [0, 0, -50];
    const sample = volumeOf([{ centre: c4, r: r4 }, { centre: c12, r: r12 }]);
    const vertebrae = [measured(0, 'T4', c4, r4), measured(1, 'T12', c12, r12)];
    const lineDeg = (r: Mat) => Math.atan2(r[2][1], r[1][1]) / DEG;
    const truth = lineDeg(r4) - lineDeg(r12);
    expect(truth).toBeCloseTo(25, 6);
    const sagittalEndplates = measureSagittalEndplates(vertebrae, sample);
    const kyphosis = computeSpineMeasurements(vertebrae, { sagittalEndplates }).kyphosisT4T12!;
    expect(Math.abs(kyphosis.angleDeg - truth)).toBeLessThan(0.5);
    // Read along the patient's AP axis instead (no symmetry axis) the same endplates give > 3° less.
    const alongPatientAxis = computeSpineMeasurements(vertebrae).kyphosisT4T12!.angleDeg;
    expect(truth - alongPatientAxis).toBeGreaterThan(3);
    // The lines drawn are the corner lines: their lateral-view inclinations make the angle.
    const lateralDeg = (l: { fromLps: readonly number[]; toLps: readonly number[] }) => Math.atan2(l.toLps[2]! - l.fromLps[2]!, l.toLps[1]! - l.fromLps[1]!) / DEG;
    expect(lateralDeg(kyphosis.upperLine!)).toBeCloseTo(lineDeg(r4), 0);
    expect(lateralDeg(kyphosis.lowerLine!)).toBeCloseTo(lineDeg(r12), 0);
  });
});

describe('Cobb tilts of sagittally inclined end vertebrae', () => {
  it("reads each vertebra's coronal tilt along its mirror-symmetry axis, not the pulled canal axis", () => {
    // A 40° curve of three vertebrae, tilted 20°, 0°, −20° coronally and flexed 20°, 5°, −10° (an
    // upper thoracic curve on the kyphosis), their canal axes turned 10° to one side: along the
    // wrong lateral axis an endplate inclined φ sagittally reads ≈ 10°·sin φ of extra tilt.
    const frames = [frame(20, 20, 0), frame(0, 5, 0), frame(-20, -10, 0)];
    const centres: Vec[] = [[0, 0, 300], [0, 0, 150], [0, 0, 0]];
    const labels: VertebraLevel[] = ['T2', 'T6', 'T10'];
    const sample = volumeOf(frames.map((r, i) => ({ centre: centres[i]!, r })));
    const vertebrae = frames.map((r, i) => measured(i, labels[i]!, centres[i]!, r));
    // Truth: the left–right line R·x of each vertebra projected on the coronal plane (Cobb 1948).
    const coronalDeg = (r: Mat) => Math.atan2(r[2][0], r[0][0]) / DEG;
    const truth = Math.abs(coronalDeg(frames[0]!) - coronalDeg(frames[2]!));
    expect(truth).toBeGreaterThan(35);
    const tiltAxes = measureTiltAxes(vertebrae, sample);
    // The untilted apex (≈ 1° along its canal axis) is left on that axis: only the ends are searched.
    expect([...tiltAxes.keys()]).toEqual([0, 2]);
    const cobb = computeSpineMeasurements(vertebrae, { tiltAxes }).cobb!;
    expect(cobb.upperLevel).toBe('T2');
    expect(cobb.lowerLevel).toBe('T10');
    expect(Math.abs(cobb.angleDeg - truth)).toBeLessThan(0.5);
    // Along the canal axes the same endplates give the curve > 2° off.
    const alongCanalAxis = computeSpineMeasurements(vertebrae).cobb!.angleDeg;
    expect(Math.abs(alongCanalAxis - truth)).toBeGreaterThan(2);
    // The lines drawn lie along the vertebrae's own left–right axes (R·x), tilted as measured.
    const along = (l: { fromLps: readonly number[]; toLps: readonly number[] }, r: Mat) => angleDeg([0, 1, 2].map((k) => l.toLps[k]! - l.fromLps[k]!), col(r, 0));
    expect(along(cobb.upperLine!, frames[0]!)).toBeLessThan(0.5);
    expect(along(cobb.lowerLine!, frames[2]!)).toBeLessThan(0.5);
  });
});
