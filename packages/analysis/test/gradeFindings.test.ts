/**
 * Genant grading on constructed measurements (no images): the reference height comes from the
 * adjacent normal vertebrae (Genant 1993), cervical bodies from C3 down are graded, and bodies
 * that are not single vertebrae (a segment spanning a missed disc) neither get a grade nor serve
 * as a reference.
 */
import { describe, expect, it } from 'vitest';
import { computeSpineMeasurements } from '../src/computeSpineMeasurements.js';
import { defaultFindingThresholds } from '../src/findingThresholds.js';
import { gradeFindings } from '../src/gradeFindings.js';
import type { SpineMeasurements, SpineRegion, VertebraLevel, VertebraResult } from '../src/SpineAnalysisResult.js';

const noLevels: SpineMeasurements = { levels: [], cobb: null, kyphosisT4T12: null, lordosisL1S1: null };

/** A body at height z (mm, cranial positive) with anterior / middle / posterior heights. */
function body(index: number, label: VertebraLevel | null, z: number, h: [number, number, number], region: SpineRegion = 'lumbar'): VertebraResult {
  const plane = (dz: number) => ({ pointLps: [0, 0, z + dz] as [number, number, number], normalLps: [0, 0, 1] as [number, number, number], rmsResidualMm: 0.3 });
  return {
    index,
    label,
    alternativeLabel: null,
    region,
    confidence: 0.9,
    detectionConfidence: 0.9,
    centroidLps: [0, 0, z],
    posteriorSuperiorCornerLps: [0, 15, z + h[2] / 2],
    posteriorInferiorCornerLps: [0, 15, z - h[2] / 2],
    axisLps: [0, 0, 1],
    superiorEndplate: plane(h[1] / 2),
    inferiorEndplate: plane(-h[1] / 2),
    heightsMm: { anterior: h[0], middle: h[1], posterior: h[2] },
    apDepthMm: 30,
    widthMm: 45,
    bodyVolumeMm3: 30000,
    trabecularHu: 200,
    canalApDiameterMm: 16,
    canalApAtDiscBelowMm: 16,
    hasRibs: region === 'thoracic',
    ribScore: 0,
    isSacral: false,
    truncated: false,
  };
}

const fractures = (vs: VertebraResult[]) =>
  gradeFindings(vs, noLevels, defaultFindingThresholds, null)
    .filter((f) => f.kind === 'vertebral-fracture')
    .map((f) => `${f.level}:${f.grade.replace('Genant grade ', '')}`);

describe('gradeFindings: Genant grades', () => {
  it('grades a crush fracture against its two adjacent normal neighbours', () => {
    // L3 uniformly ~15 mm between 25 mm neighbours: 39 % loss (grade 2: 25–40 %); by its own
    // heights alone it would be normal.
    const vs = [body(0, 'L2', 80, [25, 24, 25]), body(1, 'L3', 45, [15.6, 15.2, 15.6]), body(2, 'L4', 10, [25, 24, 25])];
    expect(fractures(vs)).toEqual(['L3:2']);
  });

  it('does not take a neighbour that is itself deformed as the reference (its own tallest height is used)', () => {
    // T8 is wedged (42 % anterior loss, grade 3) with a tall posterior wall; T7 above it is
    // normal-shaped. Compared with the mean of T6 and the wedged T8's tallest height (21 mm), T7
    // would lose 24 % (a false grade 1); T8 is not a normal neighbour, so T7 is its own reference.
    const vs = [
      body(0, 'T6', 60, [17.5, 17.5, 18], 'thoracic'),
      body(1, 'T7', 38, [16, 16, 16.5], 'thoracic'),
      body(2, 'T8', 16, [14, 19, 24], 'thoracic'),
      body(3, 'T9', -8, [20, 20, 20.5], 'thoracic'),
    ];
    expect(fractures(vs)).toEqual(['T8:3']);
  });

  it('ignores a "neighbour" that spans a missed disc (taller than any vertebral body)', () => {
    // The body above T9 is a merged T2–T8 detection, 80 mm tall and proportioned like a body.
    const vs = [body(0, null, 120, [78, 80, 82], 'thoracic'), body(1, 'T9', 60, [20, 19.5, 20.5], 'thoracic'), body(2, 'T10', 38, [21, 20.5, 21.5], 'thoracic')];
    expect(fractures(vs)).toEqual([]);
  });

  it('ignores a neighbour that is not adjacent (a level missed between them)', () => {
    // L1 is two levels (70 mm) above L3; against the mean of L1 and L4 (31 mm) L3 would lose 24 %.
    const vs = [body(0, 'L1', 115, [36, 36, 36]), body(1, 'L3', 45, [24, 23.5, 24.5]), body(2, 'L4', 10, [26, 25, 26])];
    expect(fractures(vs)).toEqual([]);
  });

  it('grades cervical bodies from C3 down, never C2 (dens) or C1', () => {
    const vs = [
      body(0, 'C2', 90, [10, 16, 14], 'cervical'),
      body(1, 'C4', 60, [11.5, 11.5, 11.5], 'cervical'),
      body(2, 'C5', 43, [7.3, 7.8, 8], 'cervical'),
      body(3, 'C6', 26, [12, 11.7, 12], 'cervical'),
    ];
    expect(fractures(vs)).toEqual(['C5:2']);
  });

  it('grades a crush fracture against a single normal neighbour, allowing for the size step between levels', () => {
    // T12 uniformly ~12.5 mm under a 22 mm T11, L1 below cut by the field of view (no heights):
    // against T11 less 8 % (20.2 mm) it loses 41 % (grade 3); by its own heights it is normal.
    const l1 = { ...body(2, 'L1', 150, [24, 23, 25], 'lumbar'), truncated: true, heightsMm: { anterior: null, middle: null, posterior: null } };
    const vs = [body(0, 'T11', 210, [20.6, 22, 21.4], 'thoracic'), body(1, 'T12', 185, [11.9, 12.8, 13.5], 'thoracic'), l1];
    expect(fractures(vs)).toEqual(['T12:3']);
    // A normal body 10 % shorter than its single neighbour (a size step) is not a fracture.
    const step = [body(0, 'T12', 210, [23.5, 22, 24], 'thoracic'), body(1, 'L1', 183, [21.7, 21, 21.8]), l1];
    expect(fractures(step)).toEqual([]);
  });

  it('grades no body whose endplate is not fitted as one surface (RMS residual above 1.5 mm)', () => {
    // T4's posterior height reads short from an inferior endplate fit that mixed in other bone.
    const t4 = body(1, 'T4', 60, [16, 16.5, 9], 'thoracic');
    const vs = [body(0, 'T3', 80, [16, 16, 16.5], 'thoracic'), { ...t4, inferiorEndplate: { ...t4.inferiorEndplate, rmsResidualMm: 2.2 } }, body(2, 'T5', 40, [17, 17, 17.5], 'thoracic')];
    expect(fractures(vs)).toEqual([]);
    expect(fractures([vs[0]!, t4, vs[2]!])).toEqual(['T4:3']);
  });

  it('grades a body cut by the field of view when its heights were measured (both endplates in view)', () => {
    const l1 = { ...body(0, 'L1', 150, [13.8, 17.8, 24.4]), truncated: true };
    const vs = [l1, body(1, 'L2', 120, [25.5, 24.8, 26]), body(2, 'L3', 90, [25.5, 25.2, 25.8])];
    const found = gradeFindings(vs, noLevels, defaultFindingThresholds, null).filter((f) => f.kind === 'vertebral-fracture');
    expect(found.map((f) => `${f.level}:${f.grade}`)).toEqual(['L1:Genant grade 3']);
    const cut = { ...l1, heightsMm: { anterior: null, middle: null, posterior: null } };
    expect(fractures([cut, vs[1]!, vs[2]!])).toEqual([]);
  });
});

describe('gradeFindings: crush reference (posterior height)', () => {
  it('compares a posterior height with the neighbours\' posterior heights, not the body\'s own anterior height', () => {
    // Cervical bodies whose posterior heights all read ~1.5 mm below their anterior ones: C3's
    // 9.6 mm against its own 12.5 mm anterior height would be a 23 % "crush" (grade 1); against
    // C4's posterior height (10.6 mm, less the 8 % step allowed for one neighbour) it is normal
    // (Eastell 1991: crush = posterior height / the one predicted from adjacent vertebrae).
    const vs = [
      body(0, 'C2', 100, [16, 15, 14], 'cervical'),
      body(1, 'C3', 80, [12.5, 12, 9.6], 'cervical'),
      body(2, 'C4', 63, [11.8, 11.4, 10.6], 'cervical'),
      body(3, 'C5', 46, [11.9, 11.7, 10.7], 'cervical'),
    ];
    expect(fractures(vs)).toEqual([]);
  });

  it('still grades a posterior height reduced against the neighbours\' posterior heights', () => {
    // T8's posterior wall 14 mm between T7 / T9 walls of 18.5 / 20.5 mm: 28 % loss (grade 2).
    const vs = [body(0, 'T7', 60, [18, 17.5, 18.5], 'thoracic'), body(1, 'T8', 38, [20, 19.5, 14], 'thoracic'), body(2, 'T9', 14, [20, 19.5, 20.5], 'thoracic')];
    const found = gradeFindings(vs, noLevels, defaultFindingThresholds, null).filter((f) => f.kind === 'vertebral-fracture');
    expect(found.map((f) => `${f.level}:${f.grade}`)).toEqual(['T8:Genant grade 2']);
    expect(found[0]!.description).toBe('posterior (crush) height 14.0 mm vs expected 19.5 mm');
    // Without a usable neighbour its own tallest height stays the reference (30 % loss, grade 2).
    expect(fractures([vs[1]!])).toEqual(['T8:2']);
  });
});

describe('gradeFindings: middle height of a crushed body', () => {
  it('compares the middle of a crushed body with the neighbours\' middle heights (its normal endplate concavity is no loss)', () => {
    // T11 crushed by ~21 % (posterior 18.4 mm against T10 / T12 posterior walls of 22.0 / 24.8 mm),
    // its concave middle 17.2 mm: against the neighbours' tallest heights (23.4 mm) that middle
    // would be a 26.5 % loss (grade 2); against their middle heights (21.65 mm) it is 20.6 %, and
    // the body's largest loss is its anterior wall's 22.6 % (grade 1). Heights as measured on the
    // phantom osteoporosis case (T11 crush grade 1, 22 %).
    const vs = [
      body(0, 'T10', 50, [20.4, 20.1, 22.0], 'thoracic'),
      body(1, 'T11', 27, [18.1, 17.2, 18.4], 'thoracic'),
      body(2, 'T12', 2, [24.0, 23.2, 24.8], 'thoracic'),
    ];
    const found = gradeFindings(vs, noLevels, defaultFindingThresholds, null).filter((f) => f.kind === 'vertebral-fracture');
    expect(found.map((f) => `${f.level}:${f.grade}`)).toEqual(['T11:Genant grade 1']);
    expect(found[0]!.description).toBe('anterior (crush) height 18.1 mm vs expected 23.4 mm');
  });

  it('keeps comparing the middle of a body whose walls are not reduced with the walls (biconcave)', () => {
    // L2's walls within 10 % of its neighbours', its middle 18.7 mm: 26.8 % below the neighbours'
    // tallest heights (grade 2), as measured on the phantom fracture-biconcave-g2 case.
    const vs = [body(0, 'L1', 60, [24.0, 23.9, 25.3]), body(1, 'L2', 30, [22.7, 18.7, 23.1]), body(2, 'L3', 0, [25.8, 25.2, 25.7])];
    expect(fractures(vs)).toEqual(['L2:2']);
  });
});

describe('gradeFindings: L1 bone density', () => {
  const density = (vs: VertebraResult[]) => gradeFindings(vs, noLevels, defaultFindingThresholds, null).filter((f) => f.kind === 'low-bone-density');

  it('reads L1 cut by the field of view when its central ROI was measured, with less confidence', () => {
    const whole = { ...body(0, 'L1', 150, [24, 23, 25]), trabecularHu: 92 };
    const cut = { ...whole, truncated: true, heightsMm: { anterior: null, middle: null, posterior: null } };
    const [a] = density([whole]);
    const [b] = density([cut]);
    expect(a?.grade).toBe('osteoporosis likely');
    expect(b?.grade).toBe('osteoporosis likely');
    expect(b!.confidence).toBeLessThan(a!.confidence);
    // The ROI partly outside the volume: no value, no finding.
    expect(density([{ ...cut, trabecularHu: Number.NaN }])).toEqual([]);
  });
});

describe('gradeFindings: scoliosis', () => {
  const curve = (angleDeg: number, upperLevel: string, lowerLevel: string, convexity: 'right' | 'left') => ({ angleDeg, upperLevel, lowerLevel, confidence: 0.8, convexity });
  const scoliosis = (m: SpineMeasurements) => gradeFindings([], m, defaultFindingThresholds, null).filter((f) => f.kind === 'scoliosis');

  it('grades every coronal curve of 10° or more (SRS), each with its end vertebrae and side', () => {
    // Double major: right thoracic T5–T11 40°, left lumbar T11–L4 35°, and a 7° curve above (no scoliosis).
    const curves = [curve(7, 'C7', 'T5', 'left'), curve(40, 'T5', 'T11', 'right'), curve(35, 'T11', 'L4', 'left')];
    const found = scoliosis({ ...noLevels, cobb: curves[1]!, cobbCurves: curves });
    expect(found.map((f) => `${f.level}:${f.grade}:${f.measuredValue}`)).toEqual(['T5-T11:severe:40', 'T11-L4:moderate:35']);
    expect(found[1]!.description).toBe('coronal Cobb angle 35.0 deg between T11 and L4 (convex to the left)');
  });

  it('grades the largest curve of a result without the curve list (older results)', () => {
    const found = scoliosis({ ...noLevels, cobb: { angleDeg: 22, upperLevel: 'L1', lowerLevel: 'L4', confidence: 0.9 } });
    expect(found.map((f) => `${f.level}:${f.grade}`)).toEqual(['L1-L4:mild']);
    expect(found[0]!.description).toBe('coronal Cobb angle 22.0 deg between L1 and L4');
  });
});

describe('computeSpineMeasurements: levels', () => {
  it('measures no slip against a body that spans a missed disc', () => {
    // Adjacent endplates (disc 10 mm) but the lower "body" is 70 mm tall.
    const merged = body(1, null, 15, [60, 70, 67]);
    const vs = [body(0, 'L4', 60, [26, 25, 26]), { ...merged, superiorEndplate: { ...merged.superiorEndplate, pointLps: [0, 0, 37.5] as [number, number, number] } }];
    expect(computeSpineMeasurements(vs).levels).toEqual([]);
    const normal = [body(0, 'L4', 60, [26, 25, 26]), body(1, 'L5', 24, [26, 25, 26])];
    expect(computeSpineMeasurements(normal).levels.map((l) => l.level)).toEqual(['L4-L5']);
  });
});
