/**
 * Trilinear sampling of the LPS-aligned working grid at LPS millimetre positions
 * (outside the grid: NaN). No allocation per sample.
 */
import type { LpsGrid } from './resampleToLpsGrid.js';

export type GridSampler = (x: number, y: number, z: number) => number;

export function createGridSampler(grid: LpsGrid): GridSampler {
  const [nx, ny, nz] = grid.dims;
  const [ox, oy, oz] = grid.originLps;
  const inv = 1 / grid.spacingMm;
  const data = grid.data;
  const nxy = nx * ny;
  return (x, y, z) => {
    const fi = (x - ox) * inv;
    const fj = (y - oy) * inv;
    const fk = (z - oz) * inv;
    if (!(fi >= 0 && fj >= 0 && fk >= 0 && fi <= nx - 1 && fj <= ny - 1 && fk <= nz - 1)) return Number.NaN;
    const i0 = Math.min(Math.floor(fi), nx - 2 < 0 ? 0 : nx - 2);
    const j0 = Math.min(Math.floor(fj), ny - 2 < 0 ? 0 : ny - 2);
    const k0 = Math.min(Math.floor(fk), nz - 2 < 0 ? 0 : nz - 2);
    const ti = fi - i0;
    const tj = fj - j0;
    const tk = fk - k0;
    const i1 = i0 + 1 < nx ? 1 : 0;
    const j1 = j0 + 1 < ny ? nx : 0;
    const k1 = k0 + 1 < nz ? nxy : 0;
    const b = i0 + nx * j0 + nxy * k0;
    const c00 = data[b]! + (data[b + i1]! - data[b]!) * ti;
    const c10 = data[b + j1]! + (data[b + j1 + i1]! - data[b + j1]!) * ti;
    const c01 = data[b + k1]! + (data[b + k1 + i1]! - data[b + k1]!) * ti;
    const c11 = data[b + j1 + k1]! + (data[b + j1 + k1 + i1]! - data[b + j1 + k1]!) * ti;
    const c0 = c00 + (c10 - c00) * tj;
    const c1 = c01 + (c11 - c01) * tj;
    return c0 + (c1 - c0) * tk;
  };
}
