/**
 * The body axis below the canal chain's caudal end (buildSpineAxis.ts): where a slipped L5 carried
 * its canal forward, the body line hung on the extrapolated canal ran 10–27 mm in front of the
 * sacrum, the L5–S1 disc was not found (L5 reported cut) and S1 was missing. The line now follows
 * the bone column itself there. Checked on a synthetic column (followBodyColumnBelow) and on the
 * phantom case listhesis-l5-50 (Meyerding grade II at L5–S1; Meyerding HW, Surg Gynecol Obstet
 * 1932;54:371-7) rendered on the small test grid of phantomAccuracy.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { assembleVolumeAsync } from '@vertebra/dicom';
import { generatePhantomCase, phantomSuite } from '@vertebra/phantom';
import { followBodyColumnBelow } from '../src/buildSpineAxis.js';
import { analyzeSpineCt } from '../src/index.js';

/** Bone (400 HU) where `inside(y, z)` holds, soft tissue (40 HU) elsewhere; x ignored. */
function sagittalSampler(inside: (y: number, z: number) => boolean): (x: number, y: number, z: number) => number {
  return (_x, y, z) => (inside(y, z) ? 400 : 40);
}

describe('followBodyColumnBelow', () => {
  const sliceMm = 1.5;
  const zs = Float64Array.from({ length: 40 }, (_, q) => -60 + q * sliceMm); // −60 … −1.5 mm, caudal first
  const xs = new Float64Array(zs.length);

  it('keeps a straight column: half a body depth behind its front', () => {
    // One body 36 mm deep (y −40 … −4) over the whole range.
    const sample = sagittalSampler((y) => y >= -40 && y <= -4);
    const ys = followBodyColumnBelow(sample, xs, zs, -22, 18, sliceMm);
    // (The front is searched in 0.75 mm steps.)
    for (const y of ys) expect(Math.abs(y - -22)).toBeLessThanOrEqual(0.75);
  });

  it('leaves a slipped body for the column behind and below it, at most 4 mm per mm of z', () => {
    // Upper body y −40 … −4 down to z = −20; below a 4 mm gap the lower column starts 20 mm
    // further back (y −20 … +40): a 20 mm (≈ 55 %) slip.
    const sample = sagittalSampler((y, z) => (z >= -20 ? y >= -40 && y <= -4 : z <= -24 && y >= -20 && y <= 40));
    const ys = followBodyColumnBelow(sample, xs, zs, -22, 18, sliceMm);
    // In the lower column the line lies half a body depth behind its front (−20 + 18 = −2).
    expect(Math.abs(ys[0]! - -2)).toBeLessThanOrEqual(0.75);
    // Still in the upper body just above the gap.
    const qUpper = zs.findIndex((z) => z >= -19);
    expect(Math.abs(ys[qUpper]! - -22)).toBeLessThanOrEqual(0.75);
    for (let q = 1; q < ys.length; q++) expect(Math.abs(ys[q]! - ys[q - 1]!)).toBeLessThanOrEqual(4 * sliceMm + 1e-9);
  });

  it('goes straight on where no front is found', () => {
    const sample = sagittalSampler(() => false);
    const ys = followBodyColumnBelow(sample, xs, zs, -22, 18, sliceMm);
    for (const y of ys) expect(y).toBe(-22);
  });
});

describe('listhesis-l5-50 phantom: the body axis reaches S1 below the slipped L5', () => {
  it('finds the L5–S1 disc (L5 complete) and the sacrum below it, inside the sacrum', async () => {
    const options = phantomSuite().find((c) => c.caseId === 'listhesis-l5-50')!;
    const phantom = generatePhantomCase({ ...options, modalities: ['ct'], ct: { ...options.ct, columns: 256, rows: 256, pixelSpacingMm: 1.6, sliceThicknessMm: 2 } });
    const anatomy = phantom.groundTruth.visits[0]!.anatomy;
    const { volume } = await assembleVolumeAsync(phantom.files.filter((f) => f.path.endsWith('.dcm')).map((f) => f.bytes));
    const result = analyzeSpineCt(volume);
    const l5 = result.vertebrae.find((v) => v.label === 'L5');
    const s1 = result.vertebrae.find((v) => v.label === 'S1');
    expect(l5).toBeDefined();
    // Before: the body line ran in front of the sacrum, no disc below L5 was found and L5 was
    // reported cut (truncated), with no sacrum below it.
    expect(l5!.truncated).toBe(false);
    expect(s1).toBeDefined();
    expect(s1!.isSacral).toBe(true);
    expect(s1!.index).toBe(l5!.index + 1);
    // The S1 detection lies in the sacrum: below the phantom's S1 plateau (the promontory
    // behind the slipped L5), not in front of it.
    const plateau = anatomy.sacrum.s1SuperiorEndplate;
    const d = [0, 1, 2].map((k) => s1!.centroidLps[k]! - plateau.centreLps[k]!);
    const below = -(d[0]! * plateau.normalLps[0] + d[1]! * plateau.normalLps[1] + d[2]! * plateau.normalLps[2]);
    expect(below).toBeGreaterThan(5);
    expect(Math.hypot(d[0]!, d[1]!, d[2]!)).toBeLessThan(40);
  }, 60_000);
});
