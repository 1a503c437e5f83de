/**
 * The C2 anchor when the detection splits C2 in two (findDensAbove in detectDens.ts): above the
 * lower piece the dens rises over continuous bone (no disc: the atlanto-axial joints are synovial;
 * Gray's Anatomy, 41st ed., ch. 43), above C3 a disc intervenes, and the upper piece (the top of C2
 * with the dens) is itself the dens. Analytic cervical model: C3 body, C2/C3 disc, C2 body, dens,
 * the atlas' anterior arch in front of the dens.
 */
import { describe, expect, it } from 'vitest';
import { detectDens, findDensAbove } from '../src/detectDens.js';
import { densCylinder } from './support/densCylinder.js';

const sample = (x: number, y: number, z: number): number =>
  densCylinder(x, y, z, 8, 0, 12, 200) ?? // C3
  (Math.hypot(x, y) <= 8 && z > 12 && z < 17 ? 90 : null) ?? // C2/C3 disc
  densCylinder(x, y, z, 8, 17, 32, 150) ?? // C2 body (dim core, as in the split case)
  densCylinder(x, y, z, 5, 31, 47, 200) ?? // dens
  (Math.abs(x) <= 10 && y >= -16 && y <= -12 && z >= 36 && z <= 44 ? 700 : null) ?? // anterior arch of C1 (anterior is −y)
  40;
const frame = (superiorZ: number, centroidZ: number, normal: readonly number[] = [0, 0, 1]) => ({
  superior: { point: [0, 0, superiorZ], normal },
  anterior: [0, -1, 0],
  left: [1, 0, 0],
  centroid: [0, 0, centroidZ],
});

describe('findDensAbove', () => {
  it('finds the dens above the lower piece of a split C2 whose detected endplate lies mid-body and is tilted', () => {
    const lower = frame(24, 20.5, [0.3, 0, 0.954]);
    expect(detectDens(sample, lower)).toBe(false);
    const base = findDensAbove(sample, lower, { centroid: [0, 0, 6] });
    expect(base).not.toBeNull();
    expect(Math.abs(base!.point[2] - 32)).toBeLessThanOrEqual(2.5);
    expect(Math.hypot(base!.point[0], base!.point[1])).toBeLessThanOrEqual(1.5);
    expect(base!.normal[2]).toBeGreaterThan(0.97);
    // The strict test passes from the base it found.
    expect(detectDens(sample, { ...lower, superior: { point: base!.point, normal: base!.normal } })).toBe(true);
  });

  it('does not take C3 for C2 (a disc lies between it and the dens)', () => {
    expect(findDensAbove(sample, frame(12, 6), { centroid: [0, 0, -10] })).toBeNull();
  });

  it('does not take the upper piece (the top of C2 with the dens) for C2', () => {
    expect(findDensAbove(sample, frame(40, 36), { centroid: [0, 0, 20.5] })).toBeNull();
  });

  it('finds nothing above a thoracic-like column (disc above, no dens)', () => {
    const column = (x: number, y: number, z: number): number => densCylinder(x, y, z, 14, 0, 20, 180) ?? densCylinder(x, y, z, 14, 25, 45, 180) ?? (Math.hypot(x, y) <= 14 && z > 20 && z < 25 ? 90 : 40);
    expect(findDensAbove(column, frame(20, 10), { centroid: [0, 0, -12] })).toBeNull();
  });
});
