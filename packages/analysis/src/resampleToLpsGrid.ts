/**
 * Resamples a Volume of any orientation onto an LPS-aligned working grid (i → L, j → P, k → S)
 * with isotropic spacing, so detection can reason in anatomical directions whatever the patient
 * position (HFS, FFS, prone) or gantry tilt. Trilinear interpolation; metal clipped at 2500 HU.
 * Signed-permutation directions (all orthogonal acquisitions) take a separable fast path.
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
  const src = volume.data;
  const lo = -1024;
  const hi = 2500;
  const [dx, dy, dz] = p.dims;
  let n = 0;
  for (let k = 0; k < dz; k++) {
    const zIn = tz.inside[k]!;
    const z0 = tz.off0[k]!;
    const z1 = tz.off1[k]!;
    const wz = tz.w[k]!;
    for (let j = 0; j < dy; j++) {
      const yIn = ty.inside[j]!;
      const y0 = ty.off0[j]!;
      const y1 = ty.off1[j]!;
      const wy = ty.w[j]!;
      const b00 = z0 + y0;
      const b01 = z0 + y1;
      const b10 = z1 + y0;
      const b11 = z1 + y1;
      for (let i = 0; i < dx; i++, n++) {
        if (!(zIn && yIn && tx.inside[i])) {
          p.data[n] = lo;
          continue;
        }
        const x0 = tx.off0[i]!;
        const x1 = tx.off1[i]!;
        const wx = tx.w[i]!;
        let c000 = src[b00 + x0]!, c100 = src[b00 + x1]!, c010 = src[b01 + x0]!, c110 = src[b01 + x1]!;
        let c001 = src[b10 + x0]!, c101 = src[b10 + x1]!, c011 = src[b11 + x0]!, c111 = src[b11 + x1]!;
        c000 = c000 > hi ? hi : c000 < lo ? lo : c000;
        c100 = c100 > hi ? hi : c100 < lo ? lo : c100;
        c010 = c010 > hi ? hi : c010 < lo ? lo : c010;
        c110 = c110 > hi ? hi : c110 < lo ? lo : c110;
        c001 = c001 > hi ? hi : c001 < lo ? lo : c001;
        c101 = c101 > hi ? hi : c101 < lo ? lo : c101;
        c011 = c011 > hi ? hi : c011 < lo ? lo : c011;
        c111 = c111 > hi ? hi : c111 < lo ? lo : c111;
        const a0 = c000 + (c100 - c000) * wx;
        const a1 = c010 + (c110 - c010) * wx;
        const a2 = c001 + (c101 - c001) * wx;
        const a3 = c011 + (c111 - c011) * wx;
        const e0 = a0 + (a1 - a0) * wy;
        const e1 = a2 + (a3 - a2) * wy;
        p.data[n] = Math.round(e0 + (e1 - e0) * wz);
      }
    }
  }
}
