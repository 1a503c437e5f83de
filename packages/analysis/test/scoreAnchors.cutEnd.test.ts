/**
 * A body cut by the field of view whose rib is seen only far laterally in its slab
 * (scoreAnchors.ts, ribScoreNear): such a section may be the shaft of a rib from the level above
 * passing beside the body. Between the body's detected open end and the edge of the view, a rib
 * joined to the vertebra on both sides shows it is the body's own rib (ribScoreNear = ribScore);
 * a shaft that is not joined to it there leaves ribScoreNear at 0. Analytic model: an upright body
 * (canal 25 mm behind it), the view ending at z = 10 mm, the body detected up to z = 2 mm.
 */
import { describe, expect, it } from 'vitest';
import { scoreAnchors } from '../src/scoreAnchors.js';

const VIEW_TOP_MM = 10;

/**
 * `joined`: a rib pair leaving the body sideways at z = 8 mm and, from 85 mm lateral, descending
 * (0.4 mm per mm, ≈ 22°) through the body's slab; otherwise only that descending shaft, from
 * 85 mm outwards (a rib from above passing beside the body).
 */
function cutVertebra(joined: boolean) {
  return (x: number, y: number, z: number): number => {
    if (z > VIEW_TOP_MM) return Number.NaN;
    const r = Math.hypot(x, y);
    if (r <= 20 && Math.abs(z) <= 12) return r > 19 || Math.abs(z) > 11 ? 1000 : 200;
    const u = Math.abs(x);
    if (u >= (joined ? 20 : 85) && u <= 125) {
      const centre = u <= 85 ? 8 : 8 - 0.4 * (u - 85);
      const d = Math.hypot(y - 30, z - centre);
      if (d <= 4.5) return d > 3.3 ? 900 : 300;
    }
    return 40;
  };
}

const frame = {
  canalCentre: [0, 25, 0],
  axis: [0, 0, 1],
  anterior: [0, -1, 0],
  left: [1, 0, 0],
  superior: { point: [0, 0, 2], normal: [0, 0, 1] },
  inferior: { point: [0, 0, -12], normal: [0, 0, 1] },
  width: 40,
};

describe('scoreAnchors: a rib beside a body cut by the field of view', () => {
  it('a rib seen only far laterally in the slab but joined to the vertebra towards the edge of the view is the body’s own (ribScoreNear = ribScore)', () => {
    const s = scoreAnchors(cutVertebra(true), frame, { truncated: true });
    expect(s.ribScore).toBeGreaterThanOrEqual(0.5);
    expect(s.ribScoreNear).toBe(s.ribScore);
  });

  it('a shaft seen only far laterally and never joined to the vertebra in view may come from above (ribScoreNear 0)', () => {
    const s = scoreAnchors(cutVertebra(false), frame, { truncated: true });
    expect(s.ribScore).toBeGreaterThanOrEqual(0.5);
    expect(s.ribScoreNear).toBe(0);
  });
});
