/**
 * Trilinear sampling of a Volume at LPS millimetre positions, through its direction matrix
 * (lps = origin + direction · diag(spacing) · ijk, DICOM PS3.3 C.7.6.2.1.1). Values are clipped
 * to [-1024, maxHu] so metal (> 2500 HU) cannot dominate means. Outside the grid: NaN.
 * No allocation per sample.
 */
import type { Volume } from '@vertebra/geometry';
import { mat3Inverse } from '@vertebra/geometry';

export interface LpsSampler {
  /** Trilinear HU at an LPS point, NaN outside the volume. */
  sample(x: number, y: number, z: number): number;
  /** Maps LPS → fractional voxel index into `out` (length 3). */
  toVoxel(x: number, y: number, z: number, out: Float64Array): void;
}

export function createLpsSampler(volume: Volume, maxHu = 2500): LpsSampler {
  const inv = mat3Inverse(volume.direction);
  const [sx, sy, sz] = volume.spacingMm;
  const a = [inv[0] / sx, inv[1] / sx, inv[2] / sx, inv[3] / sy, inv[4] / sy, inv[5] / sy, inv[6] / sz, inv[7] / sz, inv[8] / sz];
  const [a0, a1, a2, a3, a4, a5, a6, a7, a8] = a as [number, number, number, number, number, number, number, number, number];
  const [ox, oy, oz] = volume.originLps;
  const [nx, ny, nz] = volume.dimensions;
  const data = volume.data;
  const nxy = nx * ny;
  const lo = -1024;
  const clip = (v: number): number => (v > maxHu ? maxHu : v < lo ? lo : v);

  function sample(x: number, y: number, z: number): number {
    const dx = x - ox;
    const dy = y - oy;
    const dz = z - oz;
    const fi = a0 * dx + a1 * dy + a2 * dz;
    const fj = a3 * dx + a4 * dy + a5 * dz;
    const fk = a6 * dx + a7 * dy + a8 * dz;
    if (fi < -0.5 || fj < -0.5 || fk < -0.5 || fi > nx - 0.5 || fj > ny - 0.5 || fk > nz - 0.5) return Number.NaN;
    let i0 = Math.floor(fi);
    let j0 = Math.floor(fj);
    let k0 = Math.floor(fk);
    let ti = fi - i0;
    let tj = fj - j0;
    let tk = fk - k0;
    if (i0 < 0) { i0 = 0; ti = 0; }
    if (j0 < 0) { j0 = 0; tj = 0; }
    if (k0 < 0) { k0 = 0; tk = 0; }
    const i1 = i0 + 1 < nx ? i0 + 1 : i0;
    const j1 = j0 + 1 < ny ? j0 + 1 : j0;
    const k1 = k0 + 1 < nz ? k0 + 1 : k0;
    const b00 = j0 * nx + k0 * nxy;
    const b10 = j1 * nx + k0 * nxy;
    const b01 = j0 * nx + k1 * nxy;
    const b11 = j1 * nx + k1 * nxy;
    const c000 = clip(data[b00 + i0]!);
    const c100 = clip(data[b00 + i1]!);
    const c010 = clip(data[b10 + i0]!);
    const c110 = clip(data[b10 + i1]!);
    const c001 = clip(data[b01 + i0]!);
    const c101 = clip(data[b01 + i1]!);
    const c011 = clip(data[b11 + i0]!);
    const c111 = clip(data[b11 + i1]!);
    const c00 = c000 + (c100 - c000) * ti;
    const c10 = c010 + (c110 - c010) * ti;
    const c01 = c001 + (c101 - c001) * ti;
    const c11 = c011 + (c111 - c011) * ti;
    const c0 = c00 + (c10 - c00) * tj;
    const c1 = c01 + (c11 - c01) * tj;
    return c0 + (c1 - c0) * tk;
  }

  function toVoxel(x: number, y: number, z: number, out: Float64Array): void {
    const dx = x - ox;
    const dy = y - oy;
    const dz = z - oz;
    out[0] = a0 * dx + a1 * dy + a2 * dz;
    out[1] = a3 * dx + a4 * dy + a5 * dz;
    out[2] = a6 * dx + a7 * dy + a8 * dz;
  }

  return { sample, toVoxel };
}
