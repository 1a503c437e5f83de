/**
 * detectDens when C2's superior endplate centre is off the dens' axis (a small C2 tilted by a
 * compensatory cervical curve: 1.5–2 mm in scoliosis-double-major, where the dens was missed and
 * C1 not found): the peg's centre is looked for within 3 mm. A disc above the body (C3) is still
 * no dens from any of those centres. Analytic model as in findDensAbove.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { detectDens } from '../src/detectDens.js';
import { densCylinder } from './support/densCylinder.js';

const sample = (x: number, y: number, z: number): number =>
  densCylinder(x, y, z, 8, 0, 12, 200) ?? // C3
  (Math.hypot(x, y) <= 8 && z > 12 && z < 17 ? 90 : null) ?? // C2/C3 disc
  densCylinder(x, y, z, 8, 17, 32, 250) ?? // C2 body
  densCylinder(x, y, z, 5, 31, 47, 200) ?? // dens
  (Math.abs(x) <= 10 && y >= -16 && y <= -12 && z >= 36 && z <= 44 ? 700 : null) ?? // anterior arch of C1 (anterior is −y)
  40;
const frame = (x: number, y: number, superiorZ: number) => ({ superior: { point: [x, y, superiorZ], normal: [0, 0, 1] }, anterior: [0, -1, 0], left: [1, 0, 0] });

describe('detectDens: superior endplate centre off the dens axis', () => {
  it('finds the dens from a centre 3 mm beside its axis (the far side of its shell 8 mm away)', () => {
    expect(detectDens(sample, frame(0, 0, 32))).toBe(true);
    expect(detectDens(sample, frame(3, 0, 32))).toBe(true);
    expect(detectDens(sample, frame(-2.5, 2.5, 32))).toBe(true);
  });

  it('finds no dens above C3 (the C2/C3 disc), from its centre or 3 mm beside it', () => {
    expect(detectDens(sample, frame(0, 0, 12))).toBe(false);
    expect(detectDens(sample, frame(3, 0, 12))).toBe(false);
  });
});
