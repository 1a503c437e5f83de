/** Test helper: per-label centroids (LPS mm) of a label mask, optionally restricted by a second mask's labels. */
import type { Vec3, Volume } from '@vertebra/geometry';
import { voxelToLps } from '@vertebra/geometry';

export function maskCentroids(mask: Volume, restrict?: { mask: Volume; labels: readonly number[] }): Map<number, { centroidLps: Vec3; voxels: number }> {
  const [nx, ny, nz] = mask.dimensions;
  const acc = new Map<number, [number, number, number, number]>();
  const allowed = restrict ? new Set(restrict.labels) : null;
  let n = 0;
  for (let k = 0; k < nz; k++) {
    for (let j = 0; j < ny; j++) {
      for (let i = 0; i < nx; i++, n++) {
        const l = mask.data[n]!;
        if (!l) continue;
        if (allowed && !allowed.has(restrict!.mask.data[n]!)) continue;
        const a = acc.get(l) ?? [0, 0, 0, 0];
        a[0] += i;
        a[1] += j;
        a[2] += k;
        a[3]++;
        acc.set(l, a);
      }
    }
  }
  const out = new Map<number, { centroidLps: Vec3; voxels: number }>();
  for (const [l, a] of acc) out.set(l, { centroidLps: voxelToLps(mask, [a[0] / a[3], a[1] / a[3], a[2] / a[3]]), voxels: a[3] });
  return out;
}
