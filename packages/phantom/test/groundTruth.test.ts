import { describe, expect, it } from 'vitest';
import type { Vec3 } from '@vertebra/geometry';
import { buildSpineModel } from '../src/buildSpineModel.js';
import { computeGroundTruth, type EndplateTruth, type PhantomGroundTruth } from '../src/computeGroundTruth.js';
import { defaultPhantomParameters, mergePhantomParameters, type PhantomParameterOverrides } from '../src/PhantomParameters.js';
import { phantomPresets } from '../src/phantomPresets.js';

const deg = (rad: number): number => (rad * 180) / Math.PI;

// Independent re-computation from the stated corner points (radiographic definitions).
const coronal = (e: EndplateTruth): number => deg(Math.atan2(e.corners.left[2] - e.corners.right[2], e.corners.left[0] - e.corners.right[0]));
const sagittal = (e: EndplateTruth): number => deg(Math.atan2(e.corners.posterior[2] - e.corners.anterior[2], e.corners.posterior[1] - e.corners.anterior[1]));

function truthFor(overrides: PhantomParameterOverrides): PhantomGroundTruth {
  return computeGroundTruth(buildSpineModel(mergePhantomParameters(defaultPhantomParameters, overrides)));
}

function vertebra(truth: PhantomGroundTruth, level: string) {
  return truth.vertebrae.find((v) => v.level === level)!;
}

function recomputeAlignment(truth: PhantomGroundTruth) {
  const s1 = truth.sacrum.s1SuperiorEndplate;
  const ss = sagittal(s1);
  const hip: Vec3 = [
    (truth.femoralHeadCentresLps[0][0] + truth.femoralHeadCentresLps[1][0]) / 2,
    (truth.femoralHeadCentresLps[0][1] + truth.femoralHeadCentresLps[1][1]) / 2,
    (truth.femoralHeadCentresLps[0][2] + truth.femoralHeadCentresLps[1][2]) / 2,
  ];
  const mid: Vec3 = [(s1.corners.anterior[0] + s1.corners.posterior[0]) / 2, (s1.corners.anterior[1] + s1.corners.posterior[1]) / 2, (s1.corners.anterior[2] + s1.corners.posterior[2]) / 2];
  const pt = deg(Math.atan2(mid[1] - hip[1], mid[2] - hip[2]));
  // PI: angle between the perpendicular to the S1 endplate line and the line to the hip axis (sagittal projection).
  const line = [s1.corners.posterior[1] - s1.corners.anterior[1], s1.corners.posterior[2] - s1.corners.anterior[2]] as const;
  const perpendicular = [line[1], -line[0]] as const; // rotate towards caudal
  const toHip = [hip[1] - mid[1], hip[2] - mid[2]] as const;
  const pi = deg(Math.acos((perpendicular[0] * toHip[0] + perpendicular[1] * toHip[1]) / (Math.hypot(...perpendicular) * Math.hypot(...toHip))));
  return {
    kyphosis: sagittal(vertebra(truth, 'T4').superiorEndplate) - sagittal(vertebra(truth, 'T12').inferiorEndplate),
    lordosis: ss - sagittal(vertebra(truth, 'L1').superiorEndplate),
    ss,
    pt,
    pi,
    sva: s1.corners.posterior[1] - vertebra(truth, 'C7').centroidLps[1],
  };
}

describe('ground truth', () => {
  it('states angles that agree with its own endplates within 0.1° and match the request (scoliosis)', () => {
    const truth = truthFor({ ...phantomPresets.scoliosis.overrides, svaMm: 30 });
    const recomputed = recomputeAlignment(truth);
    const a = truth.alignment;
    expect(Math.abs(recomputed.kyphosis - a.thoracicKyphosisDeg)).toBeLessThan(0.1);
    expect(Math.abs(recomputed.lordosis - a.lumbarLordosisDeg)).toBeLessThan(0.1);
    expect(Math.abs(recomputed.ss - a.sacralSlopeDeg)).toBeLessThan(0.1);
    expect(Math.abs(recomputed.pt - a.pelvicTiltDeg)).toBeLessThan(0.1);
    expect(Math.abs(recomputed.pi - a.pelvicIncidenceDeg)).toBeLessThan(0.1);
    expect(Math.abs(recomputed.sva - a.svaMm)).toBeLessThan(0.1);
    // Requested values are what the model delivers.
    expect(a.thoracicKyphosisDeg).toBeCloseTo(25, 1);
    expect(a.lumbarLordosisDeg).toBeCloseTo(50, 1);
    expect(a.pelvicIncidenceDeg).toBeCloseTo(52, 6);
    expect(a.pelvicTiltDeg).toBeCloseTo(13, 6);
    expect(a.svaMm).toBeCloseTo(30, 0);
    expect(a.pelvicIncidenceDeg).toBeCloseTo(a.pelvicTiltDeg + a.sacralSlopeDeg, 6);
    // Cobb angles from the stated endplates, end vertebrae as requested.
    const thoracic = a.cobbAngles.find((curve) => curve.upperEndVertebra === 'T5')!;
    expect(thoracic.lowerEndVertebra).toBe('T12');
    expect(Math.abs(thoracic.angleDeg - 45)).toBeLessThan(0.1);
    expect(Math.abs(Math.abs(coronal(vertebra(truth, 'T5').superiorEndplate) - coronal(vertebra(truth, 'T12').inferiorEndplate)) - thoracic.angleDeg)).toBeLessThan(0.1);
    const lumbar = a.cobbAngles.find((curve) => curve.upperEndVertebra === 'T12')!;
    expect(lumbar.lowerEndVertebra).toBe('L4');
    expect(Math.abs(lumbar.angleDeg - 28)).toBeLessThan(0.1);
    // Apex rotated towards the convexity; end vertebrae neutral.
    expect(Math.abs(vertebra(truth, 'T8').axialRotationDeg)).toBeGreaterThan(10);
  });

  it('has no curve, aligned posterior walls and realistic sizes for the normal spine', () => {
    const truth = truthFor({});
    expect(truth.alignment.cobbAngles).toEqual([]);
    expect(truth.levels).toHaveLength(24);
    for (const disc of truth.discs) expect(Math.abs(disc.slipPercent)).toBeLessThan(1e-6);
    const l3 = vertebra(truth, 'L3');
    expect(l3.heightsMm.posterior).toBeCloseTo(25.5, 6);
    expect(l3.bodyVolumeMm3).toBeGreaterThan(20_000);
    expect(l3.bodyVolumeMm3).toBeLessThan(45_000);
    // Vertebrae stack cranially and the canal lies behind the bodies.
    for (let index = 1; index < truth.vertebrae.length; index += 1) {
      expect(truth.vertebrae[index]!.centroidLps[2]).toBeLessThan(truth.vertebrae[index - 1]!.centroidLps[2]);
    }
    const recomputed = recomputeAlignment(truth);
    expect(recomputed.kyphosis).toBeCloseTo(40, 1);
    expect(recomputed.lordosis).toBeCloseTo(50, 1);
  });

  it('models fractures by Genant grade and shape', () => {
    const truth = truthFor({
      fractures: [
        { level: 'L1', grade: 2, shape: 'wedge' },
        { level: 'L3', grade: 3, shape: 'biconcave' },
        { level: 'T11', grade: 1, shape: 'crush' },
      ],
    });
    const l1 = vertebra(truth, 'L1').heightsMm;
    expect(1 - l1.anterior / l1.posterior).toBeCloseTo(0.32, 6);
    const l3 = vertebra(truth, 'L3').heightsMm;
    expect(1 - l3.middle / l3.posterior).toBeCloseTo(0.45, 6);
    const t11 = vertebra(truth, 'T11').heightsMm;
    expect(t11.posterior).toBeCloseTo(23 * 0.78, 6);
    expect(vertebra(truth, 'L1').fracture).toEqual({ grade: 2, shape: 'wedge' });
  });

  it('states the requested slip, canal diameter and disc height loss', () => {
    const truth = truthFor({ listhesis: [{ level: 'L5', slipPercent: 30 }], stenosis: [{ level: 'L4', canalApMm: 6 }], discDegeneration: [{ level: 'L3', heightLossPercent: 50 }] });
    const l5s1 = truth.discs.find((disc) => disc.upper === 'L5')!;
    expect(l5s1.slipPercent).toBeCloseTo(30, 6);
    expect(truth.discs.find((disc) => disc.upper === 'L4')!.canalApMm).toBe(6);
    expect(truth.discs.find((disc) => disc.upper === 'L3')!.heightMm).toBeCloseTo(5.5, 0);
  });

  it('represents transitional anatomy', () => {
    const l6 = truthFor({ variant: { lumbarCount: 6 } });
    expect(l6.levels.slice(-2)).toEqual(['L5', 'L6']);
    expect(l6.discs.at(-1)).toMatchObject({ upper: 'L6', lower: 'S1' });
    const t13 = truthFor({ variant: { thoracicCount: 13, ribPairs: 13 } });
    expect(t13.levels).toContain('T13');
    expect(t13.variant.ribLevels).toHaveLength(13);
    const ribs11 = truthFor({ variant: { ribPairs: 11 } });
    expect(ribs11.variant.ribLevels).not.toContain('T12');
    const sacralised = truthFor({ variant: { sacralizedLastLumbar: true } });
    expect(sacralised.discs.at(-1)).toMatchObject({ upper: 'L5', fused: true, label: null });
  });
});
