/**
 * A synthetic body axis for findDiscSpaces tests: `profile.length` samples 1 mm apart running
 * caudally along z, with the given bone-fraction profile and cortical-ring values (the axis's
 * geometry is not read by findDiscSpaces).
 */
import type { SpineAxis } from '../../src/buildSpineAxis.js';

export function syntheticSpineAxis(profile: ArrayLike<number>, ring: ArrayLike<number>): SpineAxis {
  const n = profile.length;
  const points = new Float64Array(3 * n);
  const tangents = new Float64Array(3 * n);
  for (let m = 0; m < n; m++) {
    points[3 * m + 2] = -m;
    tangents[3 * m + 2] = 1;
  }
  return { length: n, points, tangents, canal: points.slice(), halfDepthMm: new Float64Array(n).fill(15), profile: Float64Array.from(profile), ring: Float64Array.from(ring) };
}
