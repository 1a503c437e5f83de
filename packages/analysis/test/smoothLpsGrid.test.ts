/**
 * The streaming [1 2 1]/4 smoothing (three slice buffers, optionally in place) equals three
 * whole-volume separable passes with Float32 intermediates, voxel for voxel.
 */
import { describe, expect, it } from 'vitest';
import type { LpsGrid } from '../src/resampleToLpsGrid.js';
import { smoothLpsGrid } from '../src/smoothLpsGrid.js';

/** Reference: pass i, then j, then k over the whole grid, each stored to float32; edges repeat; axes < 3 voxels skipped. */
function referenceSmooth(grid: LpsGrid): Int16Array {
  const [nx, ny, nz] = grid.dims;
  let input = Float32Array.from(grid.data);
  let output = new Float32Array(input.length);
  const strides = [1, nx, nx * ny];
  const sizes = [nx, ny, nz];
  for (let ax = 0; ax < 3; ax++) {
    if (sizes[ax]! < 3) continue;
    let n = 0;
    for (let k = 0; k < nz; k++) {
      for (let j = 0; j < ny; j++) {
        for (let i = 0; i < nx; i++, n++) {
          const pos = [i, j, k][ax]!;
          const lo = pos > 0 ? input[n - strides[ax]!]! : input[n]!;
          const hi = pos < sizes[ax]! - 1 ? input[n + strides[ax]!]! : input[n]!;
          output[n] = 0.25 * lo + 0.5 * input[n]! + 0.25 * hi;
        }
      }
    }
    [input, output] = [output, input];
  }
  return Int16Array.from(input, (v) => Math.round(v));
}

function randomGrid(dims: [number, number, number], seed: number): LpsGrid {
  const data = new Int16Array(dims[0] * dims[1] * dims[2]);
  let s = seed;
  for (let n = 0; n < data.length; n++) {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    // CT-like range with sharp bone/air edges, so that rounding ties and large steps both occur.
    data[n] = (s % 3525) - 1024;
  }
  return { data, dims, originLps: [1, 2, 3], spacingMm: 1.5 };
}

describe('smoothLpsGrid', () => {
  const shapes: [number, number, number][] = [
    [17, 13, 11],
    [40, 31, 3],
    [2, 9, 7],
    [9, 1, 6],
    [8, 7, 2],
    [1, 1, 5],
    [5, 4, 1],
  ];
  it.each(shapes)('equals three whole-volume float32 passes on a %i×%i×%i grid, new or in place', (nx, ny, nz) => {
    const grid = randomGrid([nx, ny, nz], nx * 1000 + ny * 10 + nz);
    const before = grid.data.slice();
    const expected = referenceSmooth(grid);
    const copy = smoothLpsGrid(grid);
    expect(grid.data).toEqual(before);
    expect(copy.data).not.toBe(grid.data);
    expect(Array.from(copy.data)).toEqual(Array.from(expected));
    const inPlace = smoothLpsGrid(grid, { inPlace: true });
    expect(inPlace.data).toBe(grid.data);
    expect(Array.from(inPlace.data)).toEqual(Array.from(expected));
    expect(inPlace.dims).toEqual(grid.dims);
    expect(inPlace.originLps).toEqual(grid.originLps);
  });
});
