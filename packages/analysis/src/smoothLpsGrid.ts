/**
 * Separable [1 2 1]/4 binomial smoothing of the working grid along i, j and k (a small Gaussian,
 * σ ≈ 0.7 voxel): suppresses CT quantum noise before thresholding so thin cortical rings stay
 * closed and soft-tissue speckles do not become bone. Edges repeat the border voxel; an axis
 * shorter than 3 voxels is not smoothed.
 *
 * Streams slice by slice: each k-slice is smoothed along i and j into a Float32 slice buffer, and
 * the k pass combines three such buffers, so the working memory is three slices, not two Float32
 * copies of the grid (issue 6: peak memory). The arithmetic is that of three whole-volume passes
 * with Float32 intermediates (each pass stored to float32, the result rounded), bit for bit.
 * `inPlace` writes the result over `grid.data` (safe: slice k + 1 is read before slice k is written);
 * by default a new grid is returned.
 */
import type { LpsGrid } from './resampleToLpsGrid.js';

export function smoothLpsGrid(grid: LpsGrid, options: { inPlace?: boolean } = {}): LpsGrid {
  const [nx, ny, nz] = grid.dims;
  const nxy = nx * ny;
  const src = grid.data;
  const out = options.inPlace ? src : new Int16Array(src.length);
  // Ring of three i/j-smoothed slices (k − 1, k, k + 1) and one scratch slice for the j pass.
  let below = new Float32Array(nxy);
  let mid = new Float32Array(nxy);
  let above = new Float32Array(nxy);
  const scratch = new Float32Array(nxy);
  if (nz < 3) {
    for (let k = 0; k < nz; k++) {
      smoothSliceIJ(src, k * nxy, nx, ny, scratch, mid);
      roundSlice(mid, out, k * nxy);
    }
    return { data: out, dims: grid.dims, originLps: grid.originLps, spacingMm: grid.spacingMm };
  }
  // k pass: slice k needs i/j-smoothed slices k − 1, k, k + 1 (the edge slice repeats itself).
  // Slice k + 1 is read from src before slice k is written, so `out` may alias `src`.
  smoothSliceIJ(src, 0, nx, ny, scratch, mid);
  below.set(mid);
  for (let k = 0; k < nz; k++) {
    if (k < nz - 1) smoothSliceIJ(src, (k + 1) * nxy, nx, ny, scratch, above);
    else above.set(mid);
    combineK(below, mid, above, out, k * nxy);
    const t = below;
    below = mid;
    mid = above;
    above = t;
  }
  return { data: out, dims: grid.dims, originLps: grid.originLps, spacingMm: grid.spacingMm };
}

/** Slice at `base` of `src`, smoothed along i (when nx ≥ 3) then j (when ny ≥ 3), into `dst` (float32 after each pass). */
function smoothSliceIJ(src: Int16Array, base: number, nx: number, ny: number, scratch: Float32Array, dst: Float32Array): void {
  const iOut = ny >= 3 ? scratch : dst;
  if (nx >= 3) {
    // Border voxels repeat themselves: lo = hi = the voxel at the edge.
    for (let j = 0, r = 0; j < ny; j++, r += nx) {
      const row = base + r;
      iOut[r] = 0.75 * src[row]! + 0.25 * src[row + 1]!;
      for (let i = 1; i < nx - 1; i++) iOut[r + i] = 0.25 * src[row + i - 1]! + 0.5 * src[row + i]! + 0.25 * src[row + i + 1]!;
      iOut[r + nx - 1] = 0.25 * src[row + nx - 2]! + 0.75 * src[row + nx - 1]!;
    }
  } else {
    for (let n = 0; n < nx * ny; n++) iOut[n] = src[base + n]!;
  }
  if (ny < 3) return;
  for (let j = 0; j < ny; j++) {
    const r = j * nx;
    const rLo = j > 0 ? r - nx : r;
    const rHi = j < ny - 1 ? r + nx : r;
    for (let i = 0; i < nx; i++) dst[r + i] = 0.25 * scratch[rLo + i]! + 0.5 * scratch[r + i]! + 0.25 * scratch[rHi + i]!;
  }
}

/** k pass of one slice: [1 2 1]/4 of three i/j-smoothed slices, stored to float32, then rounded into `out`. */
function combineK(below: Float32Array, mid: Float32Array, above: Float32Array, out: Int16Array, base: number): void {
  for (let n = 0; n < mid.length; n++) out[base + n] = Math.round(Math.fround(0.25 * below[n]! + 0.5 * mid[n]! + 0.25 * above[n]!));
}

function roundSlice(slice: Float32Array, out: Int16Array, base: number): void {
  for (let n = 0; n < slice.length; n++) out[base + n] = Math.round(slice[n]!);
}
