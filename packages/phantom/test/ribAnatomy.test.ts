/**
 * Rib anatomy of the phantom at the thoracolumbar junction: a lumbar rib is a short, rudimentary
 * rib on the transverse-process tip (under 38 mm, Yun et al., Korean J Radiol 2018;19:1140–7),
 * while a 12th rib runs far out (> 80 mm) and slopes down; and the CT field of view's cranial edge can be
 * moved inside a vertebra (the control for transitional-four-lumbar).
 */
import { describe, expect, it } from 'vitest';
import { buildAnatomy } from '../src/buildAnatomy.js';
import { buildSpineModel } from '../src/buildSpineModel.js';
import { computeGroundTruth } from '../src/computeGroundTruth.js';
import { generatePhantomCase } from '../src/generatePhantomCase.js';
import { defaultPhantomParameters, mergePhantomParameters, type PhantomParameterOverrides } from '../src/PhantomParameters.js';
import type { Solid } from '../src/implicitSolids.js';

type Point = [number, number, number];

/** Points (2 mm grid) inside the union of the solids. */
function insidePoints(solids: readonly Solid[], stepMm = 2): Point[] {
  const lo = [0, 1, 2].map((k) => Math.min(...solids.map((s) => s.boundsMin[k]!)));
  const hi = [0, 1, 2].map((k) => Math.max(...solids.map((s) => s.boundsMax[k]!)));
  const out: Point[] = [];
  for (let x = lo[0]!; x <= hi[0]!; x += stepMm) {
    for (let y = lo[1]!; y <= hi[1]!; y += stepMm) {
      for (let z = lo[2]!; z <= hi[2]!; z += stepMm) if (solids.some((s) => s.sdf(x, y, z) < 0)) out.push([x, y, z]);
    }
  }
  return out;
}

/** Longest distance between two points of the set, mm (a rib's length head to tip, with its rounded ends). */
function extentMm(points: readonly Point[]): number {
  let best = 0;
  for (let i = 0; i < points.length; i++) {
    for (let j = i + 1; j < points.length; j++) best = Math.max(best, Math.hypot(points[i]![0] - points[j]![0], points[i]![1] - points[j]![1], points[i]![2] - points[j]![2]));
  }
  return best;
}

function ribSolids(overrides: PhantomParameterOverrides, level: string, side: 1 | -1): Solid[] {
  const model = buildSpineModel(mergePhantomParameters(defaultPhantomParameters, overrides));
  const anatomy = buildAnatomy(model, { patientPosition: 'HFS' });
  const midline = model.vertebrae.find((v) => v.level === level)!.frame.origin[0];
  return anatomy.solids.filter((s) => s.name === `${level} rib` && Math.sign((s.boundsMin[0] + s.boundsMax[0]) / 2 - midline) === side);
}

describe('phantom rib anatomy', () => {
  it('models a lumbar rib as a short rib (< 38 mm) and the 12th rib as a long rib that slopes down', () => {
    const lumbar = ribSolids({ variant: { lumbarCount: 5, ribPairs: 13 } }, 'L1', 1);
    expect(lumbar.length).toBeGreaterThan(0);
    // Capsule of radius 3.5 mm: head-to-tip length plus the two rounded ends.
    expect(extentMm(insidePoints(lumbar)) - 7).toBeLessThan(38);
    const t12 = ribSolids({}, 'T12', 1);
    const pts = insidePoints(t12, 3);
    expect(extentMm(pts)).toBeGreaterThan(80);
    // The 12th rib's lateral end lies lower than its head (it slopes down as it runs out).
    const lateral = pts.reduce((a, b) => (b[0] > a[0] ? b : a));
    const medial = pts.reduce((a, b) => (b[0] < a[0] ? b : a));
    expect(lateral[2]).toBeLessThan(medial[2] - 5);
  });

  it('moves the CT cranial edge to a vertebra named by ct.cranialEdgeLevel, and rejects an unknown level', () => {
    const ct = { columns: 64, rows: 64, pixelSpacingMm: 5, sliceThicknessMm: 3 } as const;
    const truth = computeGroundTruth(buildSpineModel(mergePhantomParameters(defaultPhantomParameters, {})));
    const l1 = truth.vertebrae.find((v) => v.level === 'L1')!.centroidLps[2];
    const cut = generatePhantomCase({ preset: 'normal', seed: 3, modalities: ['ct'], ct: { ...ct, cranialEdgeLevel: 'L1', cranialEdgeAboveMm: 8 } });
    const visit = cut.groundTruth.visits[0]!;
    const top = visit.ct!.volumeOriginLps[2] + (visit.ct!.dimensions[2] - 1) * visit.ct!.spacingMm[2];
    expect(Math.abs(top - (l1 + 8))).toBeLessThanOrEqual(3);
    expect(() => generatePhantomCase({ preset: 'normal', seed: 3, modalities: ['ct'], ct: { ...ct, cranialEdgeLevel: 'T13' } })).toThrowError(/"T13" is not a vertebra of this phantom/);
  });
});
