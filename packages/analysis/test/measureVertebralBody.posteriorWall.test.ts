/**
 * The posterior wall of a body whose section is centred off its midline (measureVertebralBody.ts):
 * the wall is walked on the line through the canal lumen's centre, between the pedicles, not on
 * the grid's midline. Phantom: scoliosis-right-thoracic on the eval grid (512², 157 slices). T4
 * lies in a 30° coronal lean; one lateral wall was read on the rib head at its costovertebral joint
 * and the section was centred 5 mm to the right, so that the band of the wall walk reached the
 * right pedicle root (2026-11-27, before: T4 postero-superior corner 5.0 mm inside the canal, AP
 * depth 25.9 mm for 22, T3–T4 slip 12.8 % graded Meyerding I; after: 1.7 mm, 24.4 mm, −0.5 %).
 * Every posterior corner of the phantom reads 0.2–1.9 mm behind the truth corner (the blur of the
 * cortex).
 */
import { describe, expect, it } from 'vitest';
import { analyzeSpineCt } from '../src/index.js';
import { loadSuiteCaseCt } from './support/loadSuiteCaseCt.js';

const sub = (p: readonly number[], q: readonly number[]): number[] => [p[0]! - q[0]!, p[1]! - q[1]!, p[2]! - q[2]!];

describe('measureVertebralBody: posterior wall on the canal line', () => {
  it('reads every posterior corner of scoliosis-right-thoracic within 2.5 mm along the AP axis, and grades no slip', async () => {
    const { volume, anatomy } = await loadSuiteCaseCt('scoliosis-right-thoracic');
    const result = analyzeSpineCt(volume);
    const errors: string[] = [];
    let checked = 0;
    for (const v of result.vertebrae) {
      const truth = anatomy.vertebrae.find((t) => t.level === v.label);
      if (!truth || v.truncated) continue;
      for (const [got, plate] of [
        [v.posteriorSuperiorCornerLps, truth.superiorEndplate],
        [v.posteriorInferiorCornerLps, truth.inferiorEndplate],
      ] as const) {
        // Signed distance behind the truth corner along the endplate's anterior → posterior line.
        const ap = sub(plate.corners.posterior, plate.corners.anterior);
        const n = Math.hypot(ap[0]!, ap[1]!, ap[2]!);
        const d = sub(got, plate.corners.posterior);
        const behind = (d[0]! * ap[0]! + d[1]! * ap[1]! + d[2]! * ap[2]!) / n;
        checked++;
        if (Math.abs(behind) > 2.5) errors.push(`${v.label} ${plate === truth.superiorEndplate ? 'superior' : 'inferior'} ${behind.toFixed(1)} mm`);
      }
    }
    expect(checked).toBeGreaterThanOrEqual(20);
    expect(errors).toEqual([]);
    expect(result.findings.filter((f) => f.kind === 'spondylolisthesis')).toEqual([]);
  }, 120_000);
});
