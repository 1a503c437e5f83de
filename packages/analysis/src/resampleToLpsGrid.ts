/**
 * Resamples a Volume of any orientation onto an LPS-aligned working grid (i → L, j → P, k → S)
 * with isotropic spacing, so detection can reason in anatomical directions whatever the patient
 * position (HFS, FFS, prone) or gantry tilt. Trilinear interpolation; metal clipped at 2500 HU.
 * Signed-permutation directions (all orthogonal acquisitions) take a separable fast path, which
 * interpolates each source slice it reads once along x and y and shares that plane between the
 * output slices on either side of it (the same values as per-voxel trilinear, bit for bit).
 * The output is Int16 HU (one 2-byte copy of the cropped region; issue 6, peak memory).
 */
import type { Volume } from '@vertebra/geometry';
import { createLpsSampler } from './createLpsSampler.js';

export interface LpsGrid {
  readonly data: Int16Array;
  readonly dims: readonly [number, number, number];
  readonly originLps: readonly [number, number, number];
  readonly spacingMm: number;
}

export function lpsBounds(volume: Volume): { min: [number, number, number]; max: [number, number, number] } {
  const [nx, ny, nz] = volume.dimensions;
  const min: [number, number, number] = [Infinity, Infinity, Infinity];
  const max: [number, number, number] = [-Infinity, -Infinity, -Infinity];
  const d = volume.direction;
  const s = volume.spacingMm;
  for (const ci of [0, nx - 1]) {
    for (const cj of [0, ny - 1]) {
      for (const ck of [0, nz - 1]) {
        const a = ci * s[0];
        const b = cj * s[1];
        const c = ck * s[2];
        const p = [
          volume.originLps[0] + d[0] * a + d[1] * b + d[2] * c,
          volume.originLps[1] + d[3] * a + d[4] * b + d[5] * c,
          volume.originLps[2] + d[6] * a + d[7] * b + d[8] * c,
        ];
        for (let ax = 0; ax < 3; ax++) {
          min[ax] = Math.min(min[ax]!, p[ax]!);
          max[ax] = Math.max(max[ax]!, p[ax]!);
        }
      }
    }
  }
  return { min, max };
}

/**
 * `crop` (LPS mm) restricts the grid to a box inside the volume's bounds (the working region
 * around the spine), so a finer spacing costs no more than the whole field of view would.
 */
export function resampleToLpsGrid(volume: Volume, spacingMm: number, crop?: { min: readonly number[]; max: readonly number[] }): LpsGrid {
  const bounds = lpsBounds(volume);
  const min: [number, number, number] = [0, 1, 2].map((ax) => Math.max(bounds.min[ax]!, crop?.min[ax] ?? -Infinity)) as [number, number, number];
  const max: [number, number, number] = [0, 1, 2].map((ax) => Math.min(bounds.max[ax]!, crop?.max[ax] ?? Infinity)) as [number, number, number];
  for (let ax = 0; ax < 3; ax++) if (!(max[ax]! > min[ax]!)) max[ax] = min[ax]!;
  const dims: [number, number, number] = [0, 1, 2].map((ax) => Math.max(1, Math.floor((max[ax]! - min[ax]!) / spacingMm) + 1)) as [number, number, number];
  const data = new Int16Array(dims[0] * dims[1] * dims[2]);
  const perm = axisPermutation(volume);
  if (perm) {
    resampleSeparable(volume, { perm, min, dims, spacingMm, data });
    return { data, dims, originLps: min, spacingMm };
  }
  const sampler = createLpsSampler(volume);
  let n = 0;
  for (let k = 0; k < dims[2]; k++) {
    const z = min[2] + k * spacingMm;
    for (let j = 0; j < dims[1]; j++) {
      const y = min[1] + j * spacingMm;
      for (let i = 0; i < dims[0]; i++, n++) {
        const v = sampler.sample(min[0] + i * spacingMm, y, z);
        data[n] = v === v ? Math.round(v) : -1024;
      }
    }
  }
  return { data, dims, originLps: min, spacingMm };
}

/**
 * For each LPS axis, the volume axis along it and the sign, when the direction matrix is a signed
 * permutation (every axial, coronal or sagittal acquisition, HFS/FFS/prone): null when oblique.
 */
function axisPermutation(volume: Volume): { axis: [number, number, number]; sign: [number, number, number] } | null {
  const d = volume.direction;
  const axis: [number, number, number] = [0, 0, 0];
  const sign: [number, number, number] = [1, 1, 1];
  const used = [false, false, false];
  for (let row = 0; row < 3; row++) {
    let found = -1;
    for (let col = 0; col < 3; col++) {
      const v = d[3 * row + col]!;
      if (Math.abs(Math.abs(v) - 1) < 1e-6) found = col;
      else if (Math.abs(v) > 1e-6) return null;
    }
    if (found < 0 || used[found]) return null;
    used[found] = true;
    axis[row] = found;
    sign[row] = d[3 * row + found]! > 0 ? 1 : -1;
  }
  return { axis, sign };
}

/** Separable trilinear resampling for signed-permutation directions: per-axis index/weight tables, no per-voxel matrix work. */
function resampleSeparable(
  volume: Volume,
  p: { perm: { axis: [number, number, number]; sign: [number, number, number] }; min: readonly number[]; dims: readonly [number, number, number]; spacingMm: number; data: Int16Array },
): void {
  const [nx, ny] = volume.dimensions;
  const strides = [1, nx, nx * ny];
  // For LPS axis a: volume axis va = perm.axis[a]; fractional index f = sign * (lps - origin[a]) / spacing[va].
  const tables = [0, 1, 2].map((a) => {
    const va = p.perm.axis[a]!;
    const n = p.dims[a]!;
    const size = volume.dimensions[va]!;
    const off0 = new Int32Array(n);
    const off1 = new Int32Array(n);
    const w = new Float32Array(n);
    const inside = new Uint8Array(n);
    for (let t = 0; t < n; t++) {
      const lps = p.min[a]! + t * p.spacingMm;
      const f = (p.perm.sign[a]! * (lps - volume.originLps[a]!)) / volume.spacingMm[va]!;
      if (f < -0.5 || f > size - 0.5) continue;
      inside[t] = 1;
      let i0 = Math.floor(f);
      let frac = f - i0;
      if (i0 < 0) {
        i0 = 0;
        frac = 0;
      }
      const i1 = i0 + 1 < size ? i0 + 1 : i0;
      off0[t] = i0 * strides[va]!;
      off1[t] = i1 * strides[va]!;
      w[t] = frac;
    }
    return { off0, off1, w, inside };
  });
  const [tx, ty, tz] = tables as [typeof tables[0], typeof tables[0], typeof tables[0]];
  const [dx, dy, dz] = p.dims;
  // Trilinear = x lerp, then y lerp, then z lerp (the order of the per-voxel formula, so the
  // result is identical): the x/y-interpolated plane of a source z position is shared by every
  // output slice that reads it, and the x-interpolated source row by every output row that reads
  // it. Two planes and two rows are kept, keyed by their source offset.
  const plane = dx * dy;
  const planes = [new Float64Array(plane), new Float64Array(plane)];
  const planeKey = [-1, -1];
  const rows = [new Float64Array(dx), new Float64Array(dx)];
  const rowKey = [-1, -1];
  const out = p.data;
  let n = 0;
  for (let k = 0; k < dz; k++) {
    if (!tz.inside[k]) {
      out.fill(-1024, n, n + plane);
      n += plane;
      continue;
    }
    const z0 = tz.off0[k]!;
    const z1 = tz.off1[k]!;
    const e0 = xyPlane(volume.data, z0, z1, tx, ty, planes, planeKey, rows, rowKey);
    const e1 = xyPlane(volume.data, z1, z0, tx, ty, planes, planeKey, rows, rowKey);
    const wz = tz.w[k]!;
    for (let m = 0; m < plane; m++, n++) out[n] = Math.round(e0[m]! + (e1[m]! - e0[m]!) * wz);
  }
}

interface AxisTable {
  readonly off0: Int32Array;
  readonly off1: Int32Array;
  readonly w: Float32Array;
  readonly inside: Uint8Array;
}

/** The source plane at offset `zOffset`, interpolated along x then y onto the output (i, j) grid; cached in one of two slots, never the one holding `keep`. */
function xyPlane(
  src: Volume['data'],
  zOffset: number,
  keep: number,
  tx: AxisTable,
  ty: AxisTable,
  planes: Float64Array[],
  planeKey: number[],
  rows: Float64Array[],
  rowKey: number[],
): Float64Array {
  if (planeKey[0] === zOffset) return planes[0]!;
  if (planeKey[1] === zOffset) return planes[1]!;
  const slot = planeKey[0] === keep ? 1 : 0;
  const e = planes[slot]!;
  planeKey[slot] = zOffset;
  const dx = tx.off0.length;
  const dy = ty.off0.length;
  // The output columns inside the source form one run [iLo, iHi) (the axis maps monotonically).
  const xIn = tx.inside;
  let iLo = 0;
  while (iLo < dx && !xIn[iLo]) iLo++;
  let iHi = iLo;
  while (iHi < dx && xIn[iHi]) iHi++;
  for (let j = 0, n = 0; j < dy; j++, n += dx) {
    if (!ty.inside[j] || iLo === iHi) {
      e.fill(-1024, n, n + dx);
      continue;
    }
    const y0 = zOffset + ty.off0[j]!;
    const y1 = zOffset + ty.off1[j]!;
    const a0 = xRow(src, y0, y1, tx, iLo, iHi, rows, rowKey);
    const a1 = xRow(src, y1, y0, tx, iLo, iHi, rows, rowKey);
    const wy = ty.w[j]!;
    if (iLo > 0) e.fill(-1024, n, n + iLo);
    for (let i = iLo; i < iHi; i++) e[n + i] = a0[i]! + (a1[i]! - a0[i]!) * wy;
    if (iHi < dx) e.fill(-1024, n + iHi, n + dx);
  }
  return e;
}

/** Source row at `offset` (values clipped to [-1024, 2500]) interpolated along x over the columns [iLo, iHi); cached in one of two slots, never the one holding `keep`. */
function xRow(src: Volume['data'], offset: number, keep: number, tx: AxisTable, iLo: number, iHi: number, rows: Float64Array[], rowKey: number[]): Float64Array {
  if (rowKey[0] === offset) return rows[0]!;
  if (rowKey[1] === offset) return rows[1]!;
  const slot = rowKey[0] === keep ? 1 : 0;
  const r = rows[slot]!;
  rowKey[slot] = offset;
  const off0 = tx.off0;
  const off1 = tx.off1;
  const w = tx.w;
  for (let i = iLo; i < iHi; i++) {
    let c0 = src[offset + off0[i]!]!;
    let c1 = src[offset + off1[i]!]!;
    c0 = c0 > 2500 ? 2500 : c0 < -1024 ? -1024 : c0;
    c1 = c1 > 2500 ? 2500 : c1 < -1024 ? -1024 : c1;
    r[i] = c0 + (c1 - c0) * w[i]!;
  }
  return r;
}
