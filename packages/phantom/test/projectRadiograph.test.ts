import { describe, expect, it } from 'vitest';
import { identityMat3, type Vec3, type Volume } from '@vertebra/geometry';
import { projectPointToDetector, projectRadiograph, type ProjectionGeometry } from '../src/projectRadiograph.js';

/** A water-background volume with one dense ball. */
function ballVolume(centre: Vec3): Volume<Int16Array> {
  const n = 80;
  const spacing = 2;
  const origin: Vec3 = [-79, -79, -79];
  const data = new Int16Array(n * n * n).fill(-1000);
  for (let k = 0; k < n; k += 1) {
    for (let j = 0; j < n; j += 1) {
      for (let i = 0; i < n; i += 1) {
        const p = [origin[0] + i * spacing, origin[1] + j * spacing, origin[2] + k * spacing];
        if (Math.hypot(p[0]! - centre[0], p[1]! - centre[1], p[2]! - centre[2]) < 9) data[i + n * (j + n * k)] = 2000;
      }
    }
  }
  return { dimensions: [n, n, n], spacingMm: [spacing, spacing, spacing], originLps: origin, direction: identityMat3, data, valueUnit: 'HU' };
}

describe('projectRadiograph', () => {
  for (const view of ['lateral', 'ap'] as const) {
    it(`puts a ball's projected centre of mass on its projected centre (${view})`, () => {
      const centre: Vec3 = [22, -31, 17];
      const geometry: ProjectionGeometry = { view, sourceToDetectorMm: 1200, sourceToPatientMm: 1000, isocentreLps: [0, 0, 0], columns: 401, rows: 301, imagerPixelSpacingMm: 0.5 };
      const { lineIntegrals } = projectRadiograph(ballVolume(centre), geometry);
      let sum = 0;
      let sc = 0;
      let sr = 0;
      for (let r = 0; r < geometry.rows; r += 1) {
        for (let c = 0; c < geometry.columns; c += 1) {
          const value = lineIntegrals[r * geometry.columns + c]!;
          sum += value;
          sc += value * c;
          sr += value * r;
        }
      }
      const [column, row] = projectPointToDetector(geometry, centre);
      expect(Math.abs(sc / sum - column)).toBeLessThan(0.5);
      expect(Math.abs(sr / sum - row)).toBeLessThan(0.5);
      // The ball is magnified: its shadow is SID/depth times its size, and its line integral through the centre ≈ μ·2r.
      const peak = lineIntegrals[Math.round(row) * geometry.columns + Math.round(column)]!;
      expect(peak).toBeGreaterThan(0.02 * 3 * 18 * 0.7);
      expect(peak).toBeLessThan(0.02 * 3 * 18 * 1.3);
    });
  }
});
