/**
 * Separable [1 2 1]/4 binomial smoothing of the working grid along i, j and k (a small Gaussian,
 * σ ≈ 0.7 voxel): suppresses CT quantum noise before thresholding so thin cortical rings stay
 * closed and soft-tissue speckles do not become bone. Returns a new grid.
 */
import type { LpsGrid } from './resampleToLpsGrid.js';

export function smoothLpsGrid(grid: LpsGrid): LpsGrid {
  const [nx, ny, nz] = grid.dims;
  const a = new Float32Array(grid.data.length);
  const b = new Float32Array(grid.data.length);
  const src = grid.data;
  const strides = [1, nx, nx * ny];
  const sizes = [nx, ny, nz];
  for (let n = 0; n < src.length; n++) a[n] = src[n]!;
  let input = a;
  let output = b;
  for (let ax = 0; ax < 3; ax++) {
    const stride = strides[ax]!;
    const size = sizes[ax]!;
    if (size < 3) continue;
    let n = 0;
    for (let k = 0; k < nz; k++) {
      for (let j = 0; j < ny; j++) {
        for (let i = 0; i < nx; i++, n++) {
          const pos = ax === 0 ? i : ax === 1 ? j : k;
          const lo = pos > 0 ? input[n - stride]! : input[n]!;
          const hi = pos < size - 1 ? input[n + stride]! : input[n]!;
          output[n] = 0.25 * lo + 0.5 * input[n]! + 0.25 * hi;
        }
      }
    }
    const t = input;
    input = output;
    output = t;
  }
  const data = new Int16Array(src.length);
  for (let n = 0; n < src.length; n++) data[n] = Math.round(input[n]!);
  return { data, dims: grid.dims, originLps: grid.originLps, spacingMm: grid.spacingMm };
}
