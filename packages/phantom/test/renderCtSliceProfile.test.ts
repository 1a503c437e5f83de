/**
 * The CT renderer's slice sensitivity profile: a thick slice is the mean of the anatomy across
 * its thickness (rectangular SSP, Kalender, Computed Tomography, §2.3), so a thin horizontal
 * cortex partial-volumes into the slice instead of appearing at full density or vanishing
 * depending on where the slice centre falls. Checked on a block whose 1 mm cortex (1000 HU)
 * over a 100 HU core lies horizontally across the field of view, against the exact means.
 */
import { describe, expect, it } from 'vitest';
import type { PhantomAnatomy } from '../src/buildAnatomy.js';
import { RoundedBoxSolid } from '../src/implicitSolids.js';
import { renderCtVolume, subsectionCount } from '../src/renderCtVolume.js';

const identity = [1, 0, 0, 0, 1, 0, 0, 0, 1] as const;
const cortexHu = 1000;
const coreHu = 100;
const airHu = -1000;

/** A 200 × 200 × 20 mm block (faces at z = ±10 mm), 1 mm cortex; no body outline, no table. */
function blockAnatomy(): PhantomAnatomy {
  const block = new RoundedBoxSolid('block', 7, { shellHu: cortexHu, coreHu, shellMm: 1 }, { origin: [0, 0, 0], rotation: identity as never }, [100, 100, 10], 0);
  return {
    solids: [block],
    outline: [{ z: 1000, cx: 0, cy: 0, halfWidth: 1, halfDepth: 1 }, { z: 1001, cx: 0, cy: 0, halfWidth: 1, halfDepth: 1 }],
    fatThicknessMm: 0,
    airPockets: [],
    table: { surfaceY: 5000, side: 'posterior', halfWidth: 1 },
    zRange: [-20, 20],
  };
}

/** HU of the block along the z axis through its centre. */
function profileHu(z: number): number {
  const depth = 10 - Math.abs(z); // distance inside the nearest horizontal face
  return depth < 0 ? airHu : depth < 1 ? cortexHu : coreHu;
}

/** Exact mean of profileHu over [z − t/2, z + t/2] (piecewise constant; integrated on a 1 µm grid). */
function exactSlabMean(z: number, thicknessMm: number): number {
  const steps = Math.round(thicknessMm * 1000);
  let sum = 0;
  for (let s = 0; s < steps; s += 1) sum += profileHu(z - thicknessMm / 2 + (s + 0.5) / 1000);
  return sum / steps;
}

/** The centre voxel's value of each slice of a 3 mm stack whose first slice is centred at z0. */
function centreColumn(profile: 'rectangular' | 'centre', z0: number, z1: number, thicknessMm = 3, spacingMm = thicknessMm): { values: number[]; labels: number[] } {
  const ct = renderCtVolume(blockAnatomy(), {
    columns: 8,
    rows: 8,
    pixelSpacingMm: 1,
    sliceThicknessMm: thicknessMm,
    sliceSpacingMm: spacingMm,
    centreXY: [0, 0],
    zRange: [z0, z1],
    noiseHu: 0,
    noiseSeed: 'none',
    sliceProfile: profile,
  });
  const [nx, ny, nz] = ct.volume.dimensions;
  const centre = 4 + nx * 4;
  const values: number[] = [];
  const labels: number[] = [];
  for (let k = 0; k < nz; k += 1) {
    values.push(ct.volume.data[centre + k * nx * ny]!);
    labels.push(ct.labels!.data[centre + k * nx * ny]!);
  }
  return { values, labels };
}

describe('CT slice sensitivity profile', () => {
  it('averages sub-sections at most 0.5 mm apart, an odd count so the central plane is one of them', () => {
    expect(subsectionCount(0.5)).toBe(1);
    expect(subsectionCount(1)).toBe(3);
    expect(subsectionCount(1.5)).toBe(3);
    expect(subsectionCount(2)).toBe(5);
    expect(subsectionCount(3)).toBe(7);
  });

  it('partial-volumes a 1 mm cortex into a 3 mm slice by its share of the thickness', () => {
    // Slice 7…10 mm: 1 mm cortex + 2 mm core → (1000 + 2·100) / 3 = 400 HU. Point sampling at
    // z = 8.5 (core) reads 100: the cortex vanishes.
    const inside = centreColumn('rectangular', 8.5, 8.5).values[0]!;
    expect(Math.abs(inside - (cortexHu + 2 * coreHu) / 3)).toBeLessThan(25);
    expect(centreColumn('centre', 8.5, 8.5).values[0]!).toBeLessThan(150);
    // Slice 8…11 mm: core, cortex and air, 1 mm each → (100 + 1000 − 1000) / 3 ≈ 33 HU.
    const edge = centreColumn('rectangular', 9.5, 9.5).values[0]!;
    expect(Math.abs(edge - (coreHu + cortexHu + airHu) / 3)).toBeLessThan(25);
  });

  it('gives every slice the exact mean over its thickness, wherever the slices fall (contiguous and overlapping)', () => {
    for (const [thicknessMm, spacingMm] of [[3, 3], [3, 1], [2, 1.5], [1, 1]] as const) {
      for (const offset of [0, 0.37, 1.1, 2.3]) {
        const z0 = -14 + offset;
        const { values } = centreColumn('rectangular', z0, z0 + 26, thicknessMm, spacingMm);
        values.forEach((value, k) => {
          const z = z0 + k * spacingMm;
          expect(Math.abs(value - exactSlabMean(z, thicknessMm)), `${thicknessMm} mm every ${spacingMm} mm, slice at ${z.toFixed(2)} mm`).toBeLessThan(3);
        });
      }
    }
  });

  it('labels the voxels whose centre lies inside the solid, in the central plane', () => {
    const { labels } = centreColumn('rectangular', 8.5, 11.5, 3, 1);
    // Slice centres 8.5, 9.5 (inside, faces at z = 10), 10.5, 11.5 (outside).
    expect(labels).toEqual([7, 7, 0, 0]);
  });
});
