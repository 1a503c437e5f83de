import { describe, expect, it } from 'vitest';
import { angleBetweenDeg, cross, mat3Inverse, mat3MultiplyVec3, type Mat3 } from './vectors.js';
import { lpsToVoxel, voxelToLps, type VolumeGeometry } from './Volume.js';

describe('vectors', () => {
  it('computes cross products and angles', () => {
    expect(cross([1, 0, 0], [0, 1, 0])).toEqual([0, 0, 1]);
    expect(angleBetweenDeg([1, 0, 0], [1, 1, 0])).toBeCloseTo(45, 10);
  });

  it('inverts a rotation-and-scale matrix', () => {
    const m: Mat3 = [0, -2, 0, 1, 0, 0, 0, 0, 3];
    const back = mat3MultiplyVec3(mat3Inverse(m), mat3MultiplyVec3(m, [1, 2, 3]));
    back.forEach((value, index) => expect(value).toBeCloseTo([1, 2, 3][index]!, 12));
  });
});

describe('voxel ↔ LPS', () => {
  it('round-trips through an oblique, flipped geometry', () => {
    const c = Math.cos(0.3);
    const s = Math.sin(0.3);
    const geometry: VolumeGeometry = {
      dimensions: [10, 20, 30],
      spacingMm: [0.7, 0.8, 2.5],
      originLps: [-100, 50, 1200],
      direction: [c, 0, s, 0, -1, 0, -s, 0, c],
    };
    const lps = voxelToLps(geometry, [3, 4, 5]);
    expect(lps[1]).toBeCloseTo(50 - 4 * 0.8, 10);
    const ijk = lpsToVoxel(geometry, lps);
    ijk.forEach((value, index) => expect(value).toBeCloseTo([3, 4, 5][index]!, 10));
  });
});
