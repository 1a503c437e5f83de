/**
 * The separable resampling (shared x/y-interpolated planes and rows) gives exactly the per-voxel
 * trilinear value (x lerp, y lerp, z lerp of the 8 clipped neighbours, rounded), on signed-
 * permutation grids (axial, flipped, sagittal), with and without a crop.
 */
import { describe, expect, it } from 'vitest';
import type { Mat3, Volume } from '@vertebra/geometry';
import { resampleToLpsGrid } from '../src/resampleToLpsGrid.js';

/** Per-voxel reference for a signed-permutation direction (the formula the fast path must keep). */
function referenceValue(volume: Volume, lps: readonly number[]): number {
  const d = volume.direction;
  const strides = [1, volume.dimensions[0], volume.dimensions[0] * volume.dimensions[1]];
  const idx: { o0: number; o1: number; w: number }[] = [];
  for (let a = 0; a < 3; a++) {
    const va = [0, 1, 2].find((c) => Math.abs(d[3 * a + c]!) > 0.5)!;
    const sign = d[3 * a + va]! > 0 ? 1 : -1;
    const size = volume.dimensions[va]!;
    const f = (sign * (lps[a]! - volume.originLps[a]!)) / volume.spacingMm[va]!;
    if (f < -0.5 || f > size - 0.5) return -1024;
    let i0 = Math.floor(f);
    let w = Math.fround(f - i0);
    if (i0 < 0) {
      i0 = 0;
      w = 0;
    }
    const i1 = i0 + 1 < size ? i0 + 1 : i0;
    idx.push({ o0: i0 * strides[va]!, o1: i1 * strides[va]!, w });
  }
  const [x, y, z] = idx as [typeof idx[0], typeof idx[0], typeof idx[0]];
  const c = (o: number): number => Math.max(-1024, Math.min(2500, volume.data[o]!));
  const lerpX = (base: number): number => c(base + x.o0) + (c(base + x.o1) - c(base + x.o0)) * x.w;
  const e = (zo: number): number => lerpX(zo + y.o0) + (lerpX(zo + y.o1) - lerpX(zo + y.o0)) * y.w;
  return Math.round(e(z.o0) + (e(z.o1) - e(z.o0)) * z.w);
}

function randomVolume(dimensions: [number, number, number], direction: Mat3, spacingMm: [number, number, number], float: boolean): Volume {
  const n = dimensions[0] * dimensions[1] * dimensions[2];
  const data = float ? new Float32Array(n) : new Int16Array(n);
  let s = 7;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    data[i] = (s % 4200) - 1400 + (float ? 0.3 : 0); // beyond both clip limits
  }
  return { dimensions, spacingMm, originLps: [-10.2, 4.7, -30.1], direction, data, valueUnit: 'HU' } as Volume;
}

describe('resampleToLpsGrid separable path', () => {
  const cases: [string, Volume][] = [
    ['axial HFS', randomVolume([23, 19, 17], [1, 0, 0, 0, 1, 0, 0, 0, 1], [0.8, 0.8, 1], false)],
    ['flipped FFS-like', randomVolume([21, 18, 15], [-1, 0, 0, 0, 1, 0, 0, 0, -1], [0.9, 0.7, 2], false)],
    ['sagittal (permuted), float voxels', randomVolume([16, 22, 19], [0, 0, 1, 1, 0, 0, 0, -1, 0], [1.1, 0.6, 0.9], true)],
  ];
  for (const [name, volume] of cases) {
    for (const spacing of [0.65, 1.25, 4]) {
      for (const crop of [undefined, { min: [-8, 0, -1e9], max: [3.3, 12, 1e9] }]) {
        it(`${name}, ${spacing} mm${crop ? ', cropped' : ''}: every voxel equals the per-voxel trilinear value`, () => {
          const grid = resampleToLpsGrid(volume, spacing, crop);
          let n = 0;
          let mismatches = 0;
          for (let k = 0; k < grid.dims[2]; k++) {
            for (let j = 0; j < grid.dims[1]; j++) {
              for (let i = 0; i < grid.dims[0]; i++, n++) {
                const lps = [grid.originLps[0] + i * spacing, grid.originLps[1] + j * spacing, grid.originLps[2] + k * spacing];
                if (grid.data[n] !== referenceValue(volume, lps)) mismatches++;
              }
            }
          }
          expect(mismatches).toBe(0);
          expect(n).toBeGreaterThan(0);
        });
      }
    }
  }
});
