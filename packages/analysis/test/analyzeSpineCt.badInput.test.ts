/**
 * Bad input never crashes and never invents vertebrae: empty, too few slices, a head-like
 * sphere, a knee-like field of view cut by its posterior edge, MR intensities (declared as MR or
 * mislabelled as HU), a bone-free soft-tissue block.
 */
import { describe, expect, it } from 'vitest';
import type { Mat3, Volume } from '@vertebra/geometry';
import { analyzeSpineCt } from '../src/index.js';

const identity: Mat3 = [1, 0, 0, 0, 1, 0, 0, 0, 1];

function volumeOf(dims: [number, number, number], spacing: number, valueUnit: string, value: (x: number, y: number, z: number) => number): Volume<Int16Array> {
  const data = new Int16Array(dims[0] * dims[1] * dims[2]);
  let n = 0;
  for (let k = 0; k < dims[2]; k++) {
    for (let j = 0; j < dims[1]; j++) {
      for (let i = 0; i < dims[0]; i++, n++) {
        data[n] = value((i - dims[0] / 2) * spacing, (j - dims[1] / 2) * spacing, (k - dims[2] / 2) * spacing);
      }
    }
  }
  return { dimensions: dims, spacingMm: [spacing, spacing, spacing], originLps: [0, 0, 0], direction: identity, data, valueUnit };
}

function expectNoSpine(volume: Volume, reason: RegExp): void {
  const result = analyzeSpineCt(volume);
  expect(result.status).toBe('no-spine');
  expect(result.reason).toMatch(reason);
  expect(result.vertebrae).toEqual([]);
  expect(result.findings).toEqual([]);
  expect(result.anchorsUsed).toEqual([]);
  expect(result.algorithmVersion).toBeTruthy();
}

describe('analyzeSpineCt on bad input', () => {
  it('an empty volume', () => {
    expectNoSpine({ dimensions: [0, 0, 0], spacingMm: [1, 1, 1], originLps: [0, 0, 0], direction: identity, data: new Int16Array(0), valueUnit: 'HU' }, /empty/);
  });

  it('a 5-slice volume', () => {
    expectNoSpine(volumeOf([64, 64, 5], 1, 'HU', (x, y) => (Math.hypot(x, y) < 10 ? 700 : -100)), /5 samples/);
  });

  it('a head-like sphere: skull shell around brain', () => {
    const head = volumeOf([100, 100, 100], 1.6, 'HU', (x, y, z) => {
      const r = Math.hypot(x, y * 1.15, z);
      return r > 76 ? -1000 : r > 70 ? 1200 : r > 67 ? -60 : 35;
    });
    expectNoSpine(head, /no spinal canal/);
  });

  it('a knee-like field of view: femur and tibia cut by the posterior edge', () => {
    // Cortical shafts (1300 HU, fatty marrow −80 HU) above a 75 mm wide trabecular condyle/plateau
    // block (200 HU) with a 6 mm joint space, all centred on the posterior edge: no canal, and no
    // body column (a shaft's cut shows two thin cortices, the condyles are wider than any body).
    const knee = volumeOf([100, 60, 120], 1.5, 'HU', (x, y, z) => {
      const shaft = Math.hypot(x, (y - 45) * 1.1);
      if (Math.abs(z) < 3) return shaft < 38 ? 20 : -90;
      if (Math.abs(z) < 40) return Math.hypot(x * 0.5, y - 45) < 19 ? 200 : 35;
      return shaft > 15 ? 35 : shaft > 10 ? 1300 : -80;
    });
    expectNoSpine(knee, /no spinal canal|disc spaces|no vertebral body/);
  });

  it('an MR volume, declared as MR or mislabelled as HU', () => {
    const mr = (unit: string): Volume => volumeOf([60, 60, 60], 2, unit, (x, y) => (Math.hypot(x, y) < 40 ? 600 + ((x * 7 + y * 3) % 200) : 0));
    expectNoSpine(mr('arbitrary'), /not Hounsfield/);
    expectNoSpine(mr('HU'), /do not look like CT/);
  });

  it('a volume with a singular direction matrix', () => {
    const v = volumeOf([40, 40, 40], 2, 'HU', (x, y) => (Math.hypot(x, y) < 10 ? 700 : -100));
    expectNoSpine({ ...v, direction: [1, 0, 0, 1, 0, 0, 0, 0, 1] }, /could not run|matrix/);
  });

  it('a soft-tissue block without bone', () => {
    expectNoSpine(volumeOf([60, 60, 60], 2, 'HU', (x, y) => (Math.hypot(x, y) < 50 ? 40 : -1000)), /no skeleton/);
  });
});
