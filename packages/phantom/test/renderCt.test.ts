import { describe, expect, it } from 'vitest';
import type { Mask } from '@vertebra/geometry';
import { buildAnatomy } from '../src/buildAnatomy.js';
import { buildSpineModel } from '../src/buildSpineModel.js';
import { computeGroundTruth, type PhantomGroundTruth } from '../src/computeGroundTruth.js';
import { defaultPhantomParameters, mergePhantomParameters, type PhantomParameterOverrides } from '../src/PhantomParameters.js';
import { phantomPresets } from '../src/phantomPresets.js';
import { renderCtVolume } from '../src/renderCtVolume.js';

/** Centroid (LPS) of each label in a world-aligned label volume. */
function labelCentroids(labels: Mask): Map<number, { count: number; lps: [number, number, number] }> {
  const [nx, ny, nz] = labels.dimensions;
  const sums = new Map<number, number[]>();
  for (let k = 0; k < nz; k += 1) {
    for (let j = 0; j < ny; j += 1) {
      for (let i = 0; i < nx; i += 1) {
        const label = labels.data[i + nx * (j + ny * k)]!;
        if (label === 0) continue;
        const sum = sums.get(label) ?? [0, 0, 0, 0];
        sum[0]! += 1;
        sum[1]! += i;
        sum[2]! += j;
        sum[3]! += k;
        sums.set(label, sum);
      }
    }
  }
  const out = new Map<number, { count: number; lps: [number, number, number] }>();
  for (const [label, [count, i, j, k]] of sums) {
    out.set(label, {
      count: count!,
      lps: [labels.originLps[0] + (i! / count!) * labels.spacingMm[0], labels.originLps[1] + (j! / count!) * labels.spacingMm[1], labels.originLps[2] + (k! / count!) * labels.spacingMm[2]],
    });
  }
  return out;
}

function render(overrides: PhantomParameterOverrides, zLevels: readonly [string, string], spacing: { pixel: number; slice: number }) {
  const model = buildSpineModel(mergePhantomParameters(defaultPhantomParameters, overrides));
  const truth = computeGroundTruth(model);
  const anatomy = buildAnatomy(model, { patientPosition: 'HFS' });
  const top = truth.vertebrae.find((v) => v.level === zLevels[0])!.superiorEndplate.centreLps[2] + 30;
  const bottom = truth.vertebrae.find((v) => v.level === zLevels[1])!.inferiorEndplate.centreLps[2] - 30;
  const ct = renderCtVolume(anatomy, {
    columns: Math.round(320 / spacing.pixel),
    rows: Math.round(320 / spacing.pixel),
    pixelSpacingMm: spacing.pixel,
    sliceThicknessMm: spacing.slice,
    sliceSpacingMm: spacing.slice,
    centreXY: [0, 0],
    zRange: [bottom, top],
    noiseHu: 10,
    noiseSeed: 'test',
  });
  return { truth, ct, top, bottom };
}

function checkCentroids(truth: PhantomGroundTruth, labels: Mask, levels: readonly string[]): number {
  const centroids = labelCentroids(labels);
  let worst = 0;
  for (const level of levels) {
    const v = truth.vertebrae.find((candidate) => candidate.level === level)!;
    const measured = centroids.get(v.bodyLabel);
    expect(measured, `${level} body rendered`).toBeDefined();
    const voxelVolume = labels.spacingMm[0] * labels.spacingMm[1] * labels.spacingMm[2];
    expect(Math.abs(measured!.count * voxelVolume - v.bodyVolumeMm3) / v.bodyVolumeMm3).toBeLessThan(0.08);
    const error = Math.hypot(measured!.lps[0] - v.centroidLps[0], measured!.lps[1] - v.centroidLps[1], measured!.lps[2] - v.centroidLps[2]);
    worst = Math.max(worst, error);
    expect(error, `${level} centroid error (mm)`).toBeLessThan(0.5);
  }
  return worst;
}

describe('CT renderer', () => {
  it('renders lumbar bodies whose labelled centroids match the ground truth within 0.5 mm (2 mm voxels)', () => {
    const { truth, ct } = render({}, ['T12', 'L5'], { pixel: 2, slice: 2 });
    checkCentroids(truth, ct.labels!, ['T12', 'L1', 'L2', 'L3', 'L4', 'L5']);
    // Tissue values where they belong: bone in the L3 body, air outside the body.
    const l3 = truth.vertebrae.find((v) => v.level === 'L3')!;
    const [nx, ny] = ct.volume.dimensions;
    const index = (p: readonly number[]) => {
      const i = Math.round((p[0]! - ct.volume.originLps[0]) / 2);
      const j = Math.round((p[1]! - ct.volume.originLps[1]) / 2);
      const k = Math.round((p[2]! - ct.volume.originLps[2]) / 2);
      return i + nx * (j + ny * k);
    };
    expect(ct.volume.data[index(l3.centroidLps)]!).toBeGreaterThan(120);
    expect(ct.volume.data[index(l3.centroidLps)]!).toBeLessThan(320);
    expect(ct.labels!.data[index(l3.centroidLps)]).toBe(l3.bodyLabel);
    // The stated trabecular density is what a 10 mm cube at each lumbar centroid measures (noise averages out).
    for (const level of ['L1', 'L2', 'L3', 'L4']) {
      const v = truth.vertebrae.find((candidate) => candidate.level === level)!;
      let sum = 0;
      let count = 0;
      for (let dz = -4; dz <= 4; dz += 2) for (let dy = -4; dy <= 4; dy += 2) for (let dx = -4; dx <= 4; dx += 2) {
        sum += ct.volume.data[index([v.centroidLps[0] + dx, v.centroidLps[1] + dy, v.centroidLps[2] + dz])]!;
        count += 1;
      }
      expect(Math.abs(sum / count - v.trabecularHu), level).toBeLessThan(5);
      // Pedicle centres lie in the posterior-element label of their vertebra.
      for (const pedicle of [v.posteriorLandmarksLps!.leftPedicle, v.posteriorLandmarksLps!.rightPedicle]) {
        expect(ct.labels!.data[index(pedicle)], `${level} pedicle`).toBe(v.posteriorElementsLabel);
      }
    }
    expect(ct.volume.data[0]!).toBeLessThan(-900);
  });

  it('keeps centroids within 0.5 mm in a rotated scoliotic thoracic spine with thick slices', () => {
    const { truth, ct } = render(phantomPresets.scoliosis.overrides, ['T5', 'T12'], { pixel: 1.5, slice: 3 });
    checkCentroids(truth, ct.labels!, ['T6', 'T7', 'T8', 'T9', 'T10', 'T11']);
  });

  it('keeps centroids within 0.5 mm for the small cervical bodies and the atlas ring (1 mm voxels)', () => {
    const { truth, ct } = render({}, ['C1', 'C7'], { pixel: 1, slice: 1 });
    checkCentroids(truth, ct.labels!, ['C1', 'C2', 'C3', 'C4', 'C5', 'C6', 'C7']);
  });

  it('renders fractures, stenosis and implants into the pixels', () => {
    const { truth, ct } = render(
      { fractures: [{ level: 'L2', grade: 3, shape: 'wedge' }], implants: { screwLevels: ['L4', 'L5'], rods: true }, stenosis: [{ level: 'L3', canalApMm: 5 }] },
      ['L2', 'L5'],
      { pixel: 2, slice: 2 },
    );
    checkCentroids(truth, ct.labels!, ['L2', 'L3']);
    let metal = 0;
    for (const value of ct.volume.data) if (value > 2500) metal += 1;
    expect(metal).toBeGreaterThan(100);
  });
});
