/**
 * Sagittal angles and the lumbosacral slip on analytic volumes (no phantom): the sacral plateau
 * measured across the disc from L5 (measurePlateauBelow.ts), its corners and AP length, the L5–S1
 * Meyerding slip along it, the endplates measured across their discs for the sagittal angles
 * (measureSagittalEndplates.ts) and the edge / straight-run primitives they rest on.
 */
import { describe, expect, it } from 'vitest';
import { computeSpineMeasurements, sagittalLineDeg } from '../src/computeSpineMeasurements.js';
import { defaultFindingThresholds } from '../src/findingThresholds.js';
import { gradeFindings } from '../src/gradeFindings.js';
import { firstEdgeBelowGap, longestStraightRun, measureEndplateAbove, measurePlateauBelow, posteriorInferiorCornerOf, withSacralPlateau } from '../src/measurePlateauBelow.js';
import { measureSagittalEndplates } from '../src/measureSagittalEndplates.js';
import type { VertebraLevel, VertebraResult } from '../src/SpineAnalysisResult.js';

const DEG = Math.PI / 180;
/** Sagittal angle (deg) of the endplate line from anterior to posterior for a cranial unit normal. */
const sagittalDeg = (n: readonly number[]): number => Math.atan2(-n[1]!, n[2]!) / DEG;

/**
 * An upper body (z 10…35 mm, y within ±18 mm of yShift, flat inferior endplate at z = 10) over a
 * disc and a lower body whose superior endplate rises posteriorly (+y) at `slopeDeg`:
 * z = −5 + tan(slopeDeg)·y for |y| ≤ 18, 30 mm deep. Bone 700 HU, everything else 40 HU.
 */
function lumbosacral(slopeDeg: number, yShift = 0): (x: number, y: number, z: number) => number {
  const t = Math.tan(slopeDeg * DEG);
  return (x, y, z) => {
    if (Math.abs(x) > 25) return 40;
    if (z >= 10 && z <= 35 && Math.abs(y - yShift) <= 18) return 700;
    const top = -5 + t * y;
    if (Math.abs(y) <= 18 && z <= top && z >= top - 30) return 700;
    return 40;
  };
}

function vertebra(index: number, label: VertebraLevel | null, over: Partial<VertebraResult> = {}): VertebraResult {
  const plane = (z: number) => ({ pointLps: [0, 0, z] as [number, number, number], normalLps: [0, 0, 1] as [number, number, number], rmsResidualMm: 0.3 });
  return {
    index,
    label,
    alternativeLabel: null,
    region: 'lumbar',
    confidence: 0.9,
    detectionConfidence: 0.9,
    centroidLps: [0, 0, 22],
    posteriorSuperiorCornerLps: [0, 18, 35],
    posteriorInferiorCornerLps: [0, 18, 10],
    axisLps: [0, 0, 1],
    superiorEndplate: plane(35),
    inferiorEndplate: plane(10),
    heightsMm: { anterior: 25, middle: 25, posterior: 25 },
    apDepthMm: 36,
    widthMm: 50,
    bodyVolumeMm3: 30000,
    trabecularHu: 200,
    canalApDiameterMm: 16,
    canalApAtDiscBelowMm: 16,
    hasRibs: false,
    ribScore: 0,
    isSacral: false,
    truncated: false,
    ...over,
  };
}

describe('firstEdgeBelowGap / longestStraightRun', () => {
  it('finds the half-way edge beyond a gap and skips the starting cortex', () => {
    // Bone (cortex) for the first 2 mm, disc, then bone from 8 mm on (samples every 0.5 mm from 0.5 mm).
    const values = Array.from({ length: 40 }, (_, k) => ((k + 1) * 0.5 <= 2 ? 800 : (k + 1) * 0.5 < 8 ? 80 : 800));
    const d = firstEdgeBelowGap(values);
    expect(d).toBeGreaterThan(7.4);
    expect(d).toBeLessThan(8.1);
    // Never leaving the bone (no disc crossed): no edge.
    expect(Number.isNaN(firstEdgeBelowGap(new Array(40).fill(800)))).toBe(true);
  });

  it('returns the longest collinear run, not the outliers around it', () => {
    const vs: number[] = [];
    const ds: number[] = [];
    for (let v = -30; v <= 30; v++) {
      vs.push(v);
      ds.push(v < -18 || v > 18 ? 30 - Math.abs(v) * 0.1 : 10 + 0.5 * v);
    }
    const run = longestStraightRun(vs, ds, 1)!;
    expect(run.slope).toBeCloseTo(0.5, 5);
    expect(run.intercept).toBeCloseTo(10, 5);
    expect(vs[run.from]).toBe(-18);
    expect(vs[run.to]).toBe(18);
  });
});

describe('measurePlateauBelow', () => {
  it('measures a 25° sacral plateau, its corners and AP length from the body above', () => {
    // (L5's inferior endplate flat: the disc wedge is 25°, within the 35° the search allows.)
    const sample = lumbosacral(25);
    const p = measurePlateauBelow(sample, vertebra(0, 'L5'))!;
    expect(p).not.toBeNull();
    expect(sagittalDeg(p.normalLps)).toBeCloseTo(25, 0);
    expect(Math.abs(p.normalLps[0])).toBeLessThan(0.02);
    // Corners at y = ∓18 on the plateau (anterior is −y), AP length 36 / cos 25°.
    expect(p.anteriorCornerLps[1]).toBeCloseTo(-18, 0);
    expect(p.posteriorCornerLps[1]).toBeCloseTo(18, 0);
    expect(p.anteriorCornerLps[2]).toBeCloseTo(-5 - 18 * Math.tan(25 * DEG), 0);
    expect(Math.abs(p.apLengthMm - 36 / Math.cos(25 * DEG))).toBeLessThan(1.5);
  });

  it('measures the inferior endplate of the body above from the body below (normal still cranial)', () => {
    // The upper body's inferior endplate (flat, z = 10) seen from the 25° plateau below it.
    const sample = lumbosacral(25);
    const n: [number, number, number] = [0, -Math.sin(25 * DEG), Math.cos(25 * DEG)];
    const lower = vertebra(1, 'S1', { superiorEndplate: { pointLps: [0, 0, -5], normalLps: n, rmsResidualMm: 0.3 } });
    const p = measureEndplateAbove(sample, lower)!;
    expect(p).not.toBeNull();
    expect(p.normalLps[2]).toBeGreaterThan(0.99);
    expect(Math.abs(sagittalDeg(p.normalLps))).toBeLessThan(1);
  });

  it('finds the postero-inferior corner of the upper body at its wall', () => {
    const c = posteriorInferiorCornerOf(lumbosacral(25, -9), vertebra(0, 'L5', { inferiorEndplate: { pointLps: [0, -9, 10], normalLps: [0, 0, 1], rmsResidualMm: 0.3 } }))!;
    expect(c).not.toBeNull();
    expect(c[1]).toBeCloseTo(9, 0);
  });
});

/**
 * `lumbosacral` scanned in slices of `spacingMm` (thickness = spacing, rectangular slice profile:
 * each slice the mean of the object over its thickness) centred at offsetMm + k·spacingMm, and
 * interpolated linearly between slice centres, as a trilinear sampler of the volume does. Both
 * endplates carry a 1 mm cortex (1000 HU) over cancellous bone (200 HU); disc 80 HU, around 40 HU.
 * `concavityMm`: the plateau dips this much at its centre (a paraboloid, zero at the rims, as the
 * phantom's endplates), so its rim-to-rim line keeps the slope.
 */
function thickSlices(slopeDeg: number, spacingMm: number, offsetMm: number, concavityMm = 0): (x: number, y: number, z: number) => number {
  const t = Math.tan(slopeDeg * DEG);
  const layers = (x: number, y: number): [number, number, number][] => {
    if (Math.abs(x) > 25 || Math.abs(y) > 18) return [];
    const top = -5 + t * y - concavityMm * Math.max(0, 1 - (x / 25) ** 2 - (y / 18) ** 2);
    return [[top - 30, top - 1, 200], [top - 1, top, 1000], [top, 10, 80], [10, 11, 1000], [11, 35, 200]];
  };
  const slice = (x: number, y: number, zc: number): number => {
    const a = zc - spacingMm / 2;
    const b = zc + spacingMm / 2;
    let sum = 0;
    let covered = 0;
    for (const [z0, z1, hu] of layers(x, y)) {
      const o = Math.max(0, Math.min(b, z1) - Math.max(a, z0));
      sum += o * hu;
      covered += o;
    }
    return (sum + (spacingMm - covered) * 40) / spacingMm;
  };
  return (x, y, z) => {
    const f = (z - offsetMm) / spacingMm;
    const k = Math.floor(f);
    const w = f - k;
    return (1 - w) * slice(x, y, offsetMm + k * spacingMm) + w * slice(x, y, offsetMm + (k + 1) * spacingMm);
  };
}

describe('measurePlateauBelow on thick slices', () => {
  it('removes the stair-step of 3 mm slices from the plateau\'s tilt, wherever the slices fall', () => {
    // The half-way edge locks to the slice grid: edges step by a slice along the plateau, and a
    // line through them tilts by up to 1.4° (14°) with the grid's offset. Given the grid, the
    // stair-step is fitted as a harmonic of the slice phase and the tilt is within 0.3°.
    const upper = { inferiorEndplate: { pointLps: [0, 0, 10], normalLps: [0, 0, 1] }, apDepthMm: 36, widthMm: 50 };
    for (const slope of [14, 24]) {
      let worst = 0;
      for (let offset = 0; offset < 3; offset += 0.25) {
        const slices = { originLps: [0, 0, offset], axisLps: [0, 0, 1], spacingMm: 3 };
        const p = measurePlateauBelow(thickSlices(slope, 3, offset), upper, slices)!;
        expect(p).not.toBeNull();
        worst = Math.max(worst, Math.abs(sagittalDeg(p.normalLps) - slope));
        expect(Math.abs(p.normalLps[0])).toBeLessThan(0.01);
      }
      expect(worst).toBeLessThan(0.3);
    }
  });

  it('takes the stair-step\'s phase on the concave endplate, not on its rim-to-rim plane', () => {
    // A 0.8 mm dip at the centre (the phantom's) moves the surface a quarter of a 3 mm slice off
    // the rim-to-rim plane: the slice phase taken on that plane misplaces the steps, and the fitted
    // harmonic tilts the line by up to 0.5° here. With the concavity in the fit, within 0.4°.
    const upper = { inferiorEndplate: { pointLps: [0, 0, 10], normalLps: [0, 0, 1] }, apDepthMm: 36, widthMm: 50 };
    for (const slope of [22, 26, 30]) {
      let worst = 0;
      for (let offset = 0; offset < 3; offset += 0.25) {
        const slices = { originLps: [0, 0, offset], axisLps: [0, 0, 1], spacingMm: 3 };
        const p = measurePlateauBelow(thickSlices(slope, 3, offset, 0.8), upper, slices)!;
        expect(p).not.toBeNull();
        worst = Math.max(worst, Math.abs(sagittalDeg(p.normalLps) - slope));
      }
      expect(worst).toBeLessThan(0.4);
    }
  });
});

describe('computeSpineMeasurements: lumbosacral level and sagittal angles', () => {
  it('grades an L5 slip along the directly measured sacral plateau (Meyerding)', () => {
    // L5 moved 12 mm anteriorly (−y) over a 30° plateau.
    const sample = lumbosacral(30, -12);
    const l5 = vertebra(4, 'L5', { inferiorEndplate: { pointLps: [0, -12, 10], normalLps: [0, 0, 1], rmsResidualMm: 0.3 }, posteriorInferiorCornerLps: [0, 6, 10] });
    const s1 = vertebra(5, 'S1', { isSacral: true, truncated: true, region: 'sacral', heightsMm: { anterior: null, middle: null, posterior: null } });
    const { vertebrae, sacralPlateau } = withSacralPlateau([l5, s1], sample);
    expect(sacralPlateau).not.toBeNull();
    expect(sagittalDeg(vertebrae[1]!.superiorEndplate.normalLps)).toBeCloseTo(30, 0);
    const m = computeSpineMeasurements(vertebrae, { sacralPlateau });
    const level = m.levels.find((l) => l.level === 'L5-S1')!;
    expect(level).toBeDefined();
    // Expected: L5's postero-inferior corner (0, 6, 10) against the plateau's posterior corner
    // (0, 18, −5 + 18 tan 30°), along the plateau (posterior → anterior), over its AP length.
    const t = Math.tan(30 * DEG);
    const post = [18, -5 + 18 * t];
    const dir = [-Math.cos(30 * DEG), -Math.sin(30 * DEG)];
    const expected = (100 * ((6 - post[0]!) * dir[0]! + (10 - post[1]!) * dir[1]!)) / (36 / Math.cos(30 * DEG));
    expect(Math.abs(level.slipPercent - expected)).toBeLessThan(3);
    expect(level.canalApMm).toBeNull();
    const listhesis = gradeFindings(vertebrae, m, defaultFindingThresholds, null).filter((f) => f.kind === 'spondylolisthesis');
    expect(listhesis.map((f) => `${f.level}:${f.grade.split(' ')[1]}`)).toEqual(['L5-S1:I']);
  });

  it('measures no lumbosacral level when the body above the sacrum is truncated', () => {
    const sample = lumbosacral(30);
    const l5 = vertebra(4, 'L5', { truncated: true });
    const s1 = vertebra(5, 'S1', { isSacral: true, truncated: true, region: 'sacral' });
    const { sacralPlateau } = withSacralPlateau([l5, s1], sample);
    expect(sacralPlateau).toBeNull();
    expect(computeSpineMeasurements([l5, s1]).levels).toEqual([]);
  });

  it('takes the L1 superior endplate measured across its disc for the lordosis', () => {
    const tilt = (deg: number): [number, number, number] => [0, -Math.sin(deg * DEG), Math.cos(deg * DEG)];
    const l1 = vertebra(1, 'L1', { superiorEndplate: { pointLps: [0, 0, 35], normalLps: tilt(-8), rmsResidualMm: 0.3 } });
    const s1 = vertebra(6, 'S1', { isSacral: true, truncated: true, superiorEndplate: { pointLps: [0, 0, -150], normalLps: tilt(40), rmsResidualMm: 0.3 } });
    expect(computeSpineMeasurements([l1, s1]).lordosisL1S1!.angleDeg).toBeCloseTo(48, 5);
    const m = computeSpineMeasurements([l1, s1], { sagittalEndplates: [{ index: 1, which: 'superior', normalLps: tilt(-11) }] });
    expect(m.lordosisL1S1!.angleDeg).toBeCloseTo(51, 5);
  });

  it('carries the endplate lines each sagittal angle was measured on, whose sagittal projections make the angle', () => {
    const tilt = (deg: number): [number, number, number] => [0, -Math.sin(deg * DEG), Math.cos(deg * DEG)];
    // L1 measured across its disc (centre and rims given), S1 on the sacral plateau; L1 turned 10° axially.
    const rho = 10 * DEG;
    const l1 = vertebra(1, 'L1', { posteriorAxisLps: [Math.sin(rho), Math.cos(rho), 0], superiorEndplate: { pointLps: [0, 0, 35], normalLps: tilt(-8), rmsResidualMm: 0.3 } });
    const s1 = vertebra(6, 'S1', { isSacral: true, truncated: true, superiorEndplate: { pointLps: [0, 10, -150], normalLps: tilt(40), rmsResidualMm: 0.3 } });
    const sacralPlateau = { index: 6, anteriorCornerLps: [0, -8, -165] as const, posteriorCornerLps: [0, 28, -135] as const, apLengthMm: 46.9, upperPosteriorCornerLps: null };
    const direct = { index: 1, which: 'superior' as const, normalLps: tilt(-11), pointLps: [0, 1, 36] as [number, number, number], anteriorCornerLps: [0, -16.7, 39.4] as [number, number, number], posteriorCornerLps: [0, 18.7, 32.6] as [number, number, number] };
    const lordosis = computeSpineMeasurements([l1, s1], { sacralPlateau, sagittalEndplates: [direct] }).lordosisL1S1!;
    expect(lordosis.angleDeg).toBeCloseTo(51, 5);
    const { upperLine, lowerLine } = lordosis;
    expect([upperLine?.vertebraIndex, upperLine?.endplate, upperLine?.source]).toEqual([1, 'superior', 'across-disc']);
    expect([lowerLine?.vertebraIndex, lowerLine?.endplate, lowerLine?.source]).toEqual([6, 'superior', 'sacral-plateau']);
    /** Sagittal inclination (deg) of a line from its anterior to its posterior end, as a lateral view shows it. */
    const lateralDeg = (l: { fromLps: readonly number[]; toLps: readonly number[] }) => Math.atan2(l.toLps[2]! - l.fromLps[2]!, l.toLps[1]! - l.fromLps[1]!) / DEG;
    expect(Math.abs(lateralDeg(upperLine!) - lateralDeg(lowerLine!))).toBeCloseTo(lordosis.angleDeg, 1);
    // Anterior end first, each line ⟂ its normal, through the measured rims (projected on the line).
    for (const [line, n] of [[upperLine!, direct.normalLps], [lowerLine!, s1.superiorEndplate.normalLps]] as const) {
      expect(line.fromLps[1]).toBeLessThan(line.toLps[1]);
      const d = [0, 1, 2].map((k) => line.toLps[k]! - line.fromLps[k]!);
      expect(Math.abs(d[0]! * n[0] + d[1]! * n[1] + d[2]! * n[2]) / Math.hypot(d[0]!, d[1]!, d[2]!)).toBeLessThan(1e-3);
    }
    expect(Math.hypot(upperLine!.fromLps[1] + 16.7, upperLine!.fromLps[2] - 39.4)).toBeLessThan(1);
    expect(Math.hypot(lowerLine!.toLps[1] - 28, lowerLine!.toLps[2] + 135)).toBeLessThan(1);
    // Without the direct endplate: the fitted plane through its centre, ± half the body's depth.
    const planeLine = computeSpineMeasurements([l1, s1]).lordosisL1S1!.upperLine!;
    expect(planeLine.source).toBe('endplate-plane');
    expect(Math.hypot(...[0, 1, 2].map((k) => planeLine.toLps[k]! - planeLine.fromLps[k]!))).toBeCloseTo(36, 1);
  });

  it('measures T4 superior across the T3–T4 disc, and drops a direct line far from the fit', () => {
    // T3 above (flat inferior endplate at z = 10), T4 below with a 15° superior endplate.
    const sample = lumbosacral(15);
    const t3 = vertebra(0, 'T3', { region: 'thoracic' });
    const fit = (deg: number) => ({ pointLps: [0, 0, -5] as [number, number, number], normalLps: [0, -Math.sin(deg * DEG), Math.cos(deg * DEG)] as [number, number, number], rmsResidualMm: 0.7 });
    const near = measureSagittalEndplates([t3, vertebra(1, 'T4', { region: 'thoracic', superiorEndplate: fit(11) })], sample);
    expect(near).toHaveLength(1);
    expect(sagittalDeg(near[0]!.normalLps!)).toBeCloseTo(15, 0);
    // Its rims are T4's anterior and posterior corners (y = ∓18 on the 15° plateau).
    expect(near[0]!.anteriorCornerLps![1]).toBeCloseTo(-18, 0);
    expect(near[0]!.posteriorCornerLps![1]).toBeCloseTo(18, 0);
    // A well-fitted plane 25° away from the direct line: the rays met another structure. T4 is then
    // listed at most with its symmetry axis (measureMidSagittalAxis.ts), without a normal.
    const far = measureSagittalEndplates([t3, vertebra(1, 'T4', { region: 'thoracic', superiorEndplate: fit(-10) })], sample);
    expect(far.filter((e) => e.normalLps !== undefined || e.pointLps !== undefined)).toEqual([]);
  });
});

describe('computeSpineMeasurements: coronal Cobb angle', () => {
  const tilted = (index: number, deg: number): VertebraResult => {
    const n: [number, number, number] = [Math.sin(deg * DEG), 0, Math.cos(deg * DEG)];
    return vertebra(index, null, {
      superiorEndplate: { pointLps: [0, 0, 35 - 40 * index], normalLps: n, rmsResidualMm: 0.3 },
      inferiorEndplate: { pointLps: [0, 0, 10 - 40 * index], normalLps: n, rmsResidualMm: 0.3 },
    });
  };
  it('reports the tilt difference of the most tilted vertebrae', () => {
    const m = computeSpineMeasurements([tilted(0, -6), tilted(1, 0), tilted(2, 6), tilted(3, 2)]);
    expect(m.cobb!.angleDeg).toBeCloseTo(12, 5);
    expect([m.cobb!.upperLevel, m.cobb!.lowerLevel]).toEqual(['#0', '#2']);
  });
  it('carries the end vertebrae\'s endplate lines, whose AP projections make the angle (despiked tilt included)', () => {
    // #2's raw tilt (+30°) is a spike beyond its neighbours' median (6°): its line takes the median.
    const m = computeSpineMeasurements([tilted(0, -6), tilted(1, 0), tilted(2, 30), tilted(3, 6), tilted(4, 2)]);
    /** Coronal angle (deg) of a line on an AP view. */
    const apDeg = (l: { fromLps: readonly number[]; toLps: readonly number[] }) => Math.atan2(l.toLps[2]! - l.fromLps[2]!, l.toLps[0]! - l.fromLps[0]!) / DEG;
    const { upperLine, lowerLine } = m.cobb!;
    expect(Math.abs(apDeg(upperLine!) - apDeg(lowerLine!))).toBeCloseTo(m.cobb!.angleDeg, 1);
    expect([upperLine!.endplate, lowerLine!.endplate]).toEqual(['superior', 'inferior']);
    expect(upperLine!.source).toBe('mean-of-endplates');
    expect(Math.hypot(...[0, 1, 2].map((k) => upperLine!.toLps[k]! - upperLine!.fromLps[k]!))).toBeCloseTo(50, 1); // the body's width
    expect(upperLine!.fromLps[0]).toBeLessThan(upperLine!.toLps[0]); // right → left
  });
  it('reports no curve below 5° (within the Cobb method variability)', () => {
    expect(computeSpineMeasurements([tilted(0, -2), tilted(1, 0), tilted(2, 2.5), tilted(3, 1)]).cobb).toBeNull();
  });
  it("reads each endplate's left–right line along the vertebra's own lateral axis under axial rotation", () => {
    // Vertebra frames R = Rz(ρ)·Rx(φ)·Ry(θ): coronal tilt θ, flexion φ, then axial rotation ρ (the
    // apical rotation of a lumbar curve). The AP view's endplate line is the lateral axis R·x; the
    // normal is R·z, the vertebra's posterior axis R·y.
    const frame = (thetaDeg: number, phiDeg: number, rhoDeg: number): number[][] => {
      const [t, p, r] = [thetaDeg * DEG, phiDeg * DEG, rhoDeg * DEG];
      const ry = [[Math.cos(t), 0, Math.sin(t)], [0, 1, 0], [-Math.sin(t), 0, Math.cos(t)]];
      const rx = [[1, 0, 0], [0, Math.cos(p), -Math.sin(p)], [0, Math.sin(p), Math.cos(p)]];
      const rz = [[Math.cos(r), -Math.sin(r), 0], [Math.sin(r), Math.cos(r), 0], [0, 0, 1]];
      const mul = (a: number[][], b: number[][]) => a.map((row) => [0, 1, 2].map((j) => row[0]! * b[0]![j]! + row[1]! * b[1]![j]! + row[2]! * b[2]![j]!));
      return mul(rz, mul(rx, ry));
    };
    const col = (m: number[][], j: number): [number, number, number] => [m[0]![j]!, m[1]![j]!, m[2]![j]!];
    const rotated = (index: number, m: number[][]): VertebraResult =>
      vertebra(index, null, {
        posteriorAxisLps: col(m, 1),
        superiorEndplate: { pointLps: [0, 0, 35 - 40 * index], normalLps: col(m, 2), rmsResidualMm: 0.3 },
        inferiorEndplate: { pointLps: [0, 0, 10 - 40 * index], normalLps: col(m, 2), rmsResidualMm: 0.3 },
      });
    const frames = [frame(8, 12, 4), frame(0, 8, 10), frame(-14, -10, 14)];
    const lineDeg = (m: number[][]) => (Math.atan2(m[2]![0]!, m[0]![0]!) * 180) / Math.PI;
    const truth = Math.abs(lineDeg(frames[0]!) - lineDeg(frames[2]!));
    const m = computeSpineMeasurements(frames.map((f, i) => rotated(i, f)));
    expect(m.cobb!.angleDeg).toBeCloseTo(truth, 3);
    // The lines drawn are the vertebrae's own lateral axes (R·x), whose AP projections make the angle.
    for (const [line, f] of [[m.cobb!.upperLine!, frames[0]!], [m.cobb!.lowerLine!, frames[2]!]] as const) {
      const d = [0, 1, 2].map((k) => line.toLps[k]! - line.fromLps[k]!);
      const cos = Math.abs(d[0]! * f[0]![0]! + d[1]! * f[1]![0]! + d[2]! * f[2]![0]!) / Math.hypot(d[0]!, d[1]!, d[2]!);
      expect(cos).toBeGreaterThan(Math.cos(0.1 * DEG));
    }
    // The tilt of the normal out of the sagittal plane, asin(n·x), misses it by more than a degree here.
    const asinDeg = (f: number[][]) => (Math.asin(f[0]![2]!) * 180) / Math.PI;
    expect(Math.abs(Math.abs(asinDeg(frames[0]!) - asinDeg(frames[2]!)) - truth)).toBeGreaterThan(1);
  });
});

describe('sagittalLineDeg', () => {
  it('gives the inclination of the AP line of an endplate also tilted coronally (not of its projected normal)', () => {
    // Flexed by φ = 15° (about x), then tilted coronally by θ = 40° (about y): the AP line's
    // sagittal slope is tan φ · cos θ, the projected normal's tan φ / cos θ.
    const phi = 15 * DEG;
    const theta = 40 * DEG;
    const n = [Math.cos(phi) * Math.sin(theta), -Math.sin(phi), Math.cos(phi) * Math.cos(theta)];
    expect(sagittalLineDeg(n)).toBeCloseTo(Math.atan(Math.tan(phi) * Math.cos(theta)) / DEG, 6);
    expect(sagittalLineDeg(n.map((x) => -x))).toBeCloseTo(sagittalLineDeg(n), 9);
    // Without coronal tilt it is the projected normal's inclination.
    expect(sagittalLineDeg([0, -Math.sin(phi), Math.cos(phi)])).toBeCloseTo(15, 6);
  });
  it("follows the vertebra's own AP axis: the line from its anterior to its posterior corner", () => {
    // Tilted coronally by θ = 30° about its AP axis, flexed by φ = 12°, rotated axially by ρ = 10°:
    // the AP line is R·y, the normal R·z (R = Rz(ρ)·Rx(φ)·Ry(θ)).
    const [t, p, r] = [30 * DEG, 12 * DEG, 10 * DEG];
    // R·y and R·z written out.
    const ap = [-Math.sin(r) * Math.cos(p), Math.cos(r) * Math.cos(p), Math.sin(p)];
    const n = [
      Math.cos(r) * Math.sin(t) + Math.sin(r) * Math.sin(p) * Math.cos(t),
      Math.sin(r) * Math.sin(t) - Math.cos(r) * Math.sin(p) * Math.cos(t),
      Math.cos(p) * Math.cos(t),
    ];
    const truth = Math.atan2(ap[2]!, ap[1]!) / DEG;
    expect(sagittalLineDeg(n, ap)).toBeCloseTo(truth, 6);
    // The patient's AP axis instead misreads this endplate by more than 3°.
    expect(Math.abs(sagittalLineDeg(n) - truth)).toBeGreaterThan(3);
  });
});

describe('gradeFindings: Meyerding grade only between well-fitted endplates', () => {
  const slipped = (rmsLowerSuperior: number) => {
    const up = vertebra(0, 'L4', { posteriorInferiorCornerLps: [0, 6, 10] });
    const lo = vertebra(1, 'L5', {
      centroidLps: [0, 0, -18],
      superiorEndplate: { pointLps: [0, 0, -5], normalLps: [0, 0, 1], rmsResidualMm: rmsLowerSuperior },
      inferiorEndplate: { pointLps: [0, 0, -30], normalLps: [0, 0, 1], rmsResidualMm: 0.3 },
      posteriorSuperiorCornerLps: [0, 18, -5],
      posteriorInferiorCornerLps: [0, 18, -30],
    });
    const m = computeSpineMeasurements([up, lo]);
    return { m, grades: gradeFindings([up, lo], m, defaultFindingThresholds, null).filter((f) => f.kind === 'spondylolisthesis').map((f) => `${f.level}:${f.grade.split(' ')[1]}`) };
  };
  it('grades a 12 mm slip over a 36 mm body as Meyerding II', () => {
    const { m, grades } = slipped(0.3);
    expect(m.levels[0]!.slipPercent).toBeCloseTo(100 * 12 / 36, 5);
    expect(grades).toEqual(['L4-L5:II']);
  });
  it('gives no grade when the lower endplate was not fitted as a plane (the level and its slip are still reported)', () => {
    const { m, grades } = slipped(2.4);
    expect(m.levels).toHaveLength(1);
    expect(grades).toEqual([]);
  });
});
