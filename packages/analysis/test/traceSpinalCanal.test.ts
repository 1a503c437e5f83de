/**
 * Canal tracing along a spine bent far off the scanner's z axis: a synthetic column (canal in a
 * bony ring at pedicle levels, vertebral bodies with cortical shells in front, 6 mm discs every
 * 30 mm) runs vertically, bends anteriorly on a 100 mm radius through 60° (hyperkyphosis-like)
 * and continues straight at 60° from z. Axial slices cut the oblique part's foramen obliquely, so
 * the axial chain alone stops near the bend; oblique tracking must follow it to the end.
 */
import { describe, expect, it } from 'vitest';
import { buildSpineAxis } from '../src/buildSpineAxis.js';
import { createGridSampler } from '../src/createGridSampler.js';
import { findDiscSpaces } from '../src/findDiscSpaces.js';
import { syntheticSpineAxis } from './support/syntheticSpineAxis.js';
import type { LpsGrid } from '../src/resampleToLpsGrid.js';
import { traceSpinalCanal } from '../src/traceSpinalCanal.js';
import { COLUMN_PITCH_MM, syntheticColumnHu } from './support/syntheticColumnHu.js';

const L0 = 60; // vertical part (mm of arc)
const R = 100; // bend radius (mm)
const BEND = Math.PI / 3; // 60°
const L1 = L0 + R * BEND; // end of the bend
const L2 = L1 + 70; // end of the straight oblique part

type V3 = [number, number, number];

/** Canal centre and frame (tangent t, anterior a) at arc length u. */
function frameAt(u: number): { c: V3; t: V3; a: V3 } {
  if (u <= L0) return { c: [0, 0, u], t: [0, 0, 1], a: [0, -1, 0] };
  const phi = Math.min(u - L0, R * BEND) / R;
  const c: V3 = [0, -R + R * Math.cos(phi), L0 + R * Math.sin(phi)];
  const t: V3 = [0, -Math.sin(phi), Math.cos(phi)];
  const a: V3 = [0, -Math.cos(phi), -Math.sin(phi)];
  if (u <= L1) return { c, t, a };
  const e = u - L1;
  return { c: [c[0], c[1] + t[1] * e, c[2] + t[2] * e], t, a };
}

/** Local coordinates (u along the canal, v anterior, w lateral) of a point, nearest piece. */
function localOf(p: V3): { u: number; v: number; w: number } {
  const candidates: { u: number; v: number; d: number }[] = [];
  // Vertical piece.
  const u0 = Math.max(-40, Math.min(L0, p[2]));
  candidates.push({ u: u0, v: -p[1], d: Math.hypot(p[1], p[2] - u0) });
  // Bend: polar angle around its centre (y = −R, z = L0) in the y–z plane.
  const phi = Math.max(0, Math.min(BEND, Math.atan2(p[2] - L0, p[1] + R)));
  const f1 = frameAt(L0 + R * phi);
  const d1 = [p[1] - f1.c[1], p[2] - f1.c[2]];
  candidates.push({ u: L0 + R * phi, v: d1[0]! * f1.a[1] + d1[1]! * f1.a[2], d: Math.hypot(d1[0]!, d1[1]!) });
  // Oblique straight piece.
  const f2 = frameAt(L1);
  const along = Math.max(0, Math.min(L2 - L1, (p[1] - f2.c[1]) * f2.t[1] + (p[2] - f2.c[2]) * f2.t[2]));
  const f3 = frameAt(L1 + along);
  const d3 = [p[1] - f3.c[1], p[2] - f3.c[2]];
  candidates.push({ u: L1 + along, v: d3[0]! * f3.a[1] + d3[1]! * f3.a[2], d: Math.hypot(d3[0]!, d3[1]!) });
  const best = candidates.reduce((x, y) => (y.d < x.d ? y : x));
  return { u: best.u, v: best.v, w: p[0] };
}

function huAt(p: V3): number {
  const { u, v, w } = localOf(p);
  return syntheticColumnHu(u, v, w);
}

function renderGrid(spacingMm: number): LpsGrid {
  const origin: V3 = [-36, -170, -30];
  const dims: [number, number, number] = [Math.round(72 / spacingMm), Math.round(200 / spacingMm), Math.round(230 / spacingMm)];
  const data = new Int16Array(dims[0] * dims[1] * dims[2]);
  let n = 0;
  for (let k = 0; k < dims[2]; k++) {
    for (let j = 0; j < dims[1]; j++) {
      for (let i = 0; i < dims[0]; i++, n++) {
        data[n] = huAt([origin[0] + i * spacingMm, origin[1] + j * spacingMm, origin[2] + k * spacingMm]);
      }
    }
  }
  return { data, dims, originLps: origin, spacingMm };
}

/** Distance from the true canal centre at arc u to the nearest point of the traced centreline. */
function traceError(points: Float64Array, u: number): number {
  const c = frameAt(u).c;
  let best = Infinity;
  for (let q = 0; q < points.length / 3; q++) {
    best = Math.min(best, Math.hypot(points[3 * q]! - c[0], points[3 * q + 1]! - c[1], points[3 * q + 2]! - c[2]));
  }
  return best;
}

describe('traceSpinalCanal on a spine bent 60° off the z axis', () => {
  const grid = renderGrid(1.5);

  it('follows the canal through the bend and along the oblique part (oblique tracking)', () => {
    const trace = traceSpinalCanal(grid, { oblique: true });
    expect(trace).not.toBeNull();
    for (let u = 10; u <= L2 - 10; u += 5) expect(traceError(trace!.pointsLps, u)).toBeLessThan(3);
    // Oblique-tracked centres lie past 45° of bend.
    expect(trace!.tracked.some((p) => p[1] < frameAt(L0 + R * (Math.PI / 4)).c[1])).toBe(true);
  });

  it('oblique tracking is the default on this 1.5 mm grid; without it the axial chain does not reach the 60° part', () => {
    expect(traceSpinalCanal(grid)!.tracked.length).toBeGreaterThan(0);
    const trace = traceSpinalCanal(grid, { oblique: false });
    expect(trace).not.toBeNull();
    expect(traceError(trace!.pointsLps, L2 - 10)).toBeGreaterThan(10);
  });

  it('finds the discs along the bent axis (profile sampled perpendicular to the curve)', () => {
    const trace = traceSpinalCanal(grid, { oblique: true })!;
    const sample = createGridSampler(grid);
    const axis = buildSpineAxis(grid, trace, sample);
    expect(axis).not.toBeNull();
    const discs = findDiscSpaces(axis!).map((m) => [axis!.points[3 * m]!, axis!.points[3 * m + 1]!, axis!.points[3 * m + 2]!] as V3);
    // True disc centres (every 30 mm of arc from u = 0, the column's first disc level) in view.
    const truth: V3[] = [];
    for (let u = 0; u < L2 - 10; u += COLUMN_PITCH_MM) {
      const f = frameAt(u);
      truth.push([f.c[0] + f.a[0] * 28, f.c[1] + f.a[1] * 28, f.c[2] + f.a[2] * 28]);
    }
    for (const d of truth) {
      const nearest = Math.min(...discs.map((x) => Math.hypot(x[0] - d[0], x[1] - d[1], x[2] - d[2])));
      expect(nearest).toBeLessThan(4);
    }
    // No spurious discs inside the bodies.
    expect(discs.length).toBeLessThanOrEqual(truth.length + 1);
  });
});

describe('findDiscSpaces', () => {
  it('finds thin thoracic discs blurred by 3 mm slices (a 4 mm notch to 0.7 between bright endplates, rib heads in the ring)', () => {
    // Bodies 17 mm (0.95 at the endplates, 0.9 inside), discs 4 mm whose minimum partial volume
    // lifts to 0.72; ring 0.7 at the discs (rib heads), 1 in the bodies. Values from normal-whole.
    const profile: number[] = [];
    const ring: number[] = [];
    const discs: number[] = [];
    for (let level = 0; level < 6; level++) {
      for (let d = 0; d < 17; d++) {
        profile.push(d < 2 || d > 14 ? 0.95 : 0.9);
        ring.push(1);
      }
      discs.push(profile.length + 1);
      for (const v of [0.85, 0.72, 0.85]) {
        profile.push(v);
        ring.push(0.7);
      }
    }
    for (let d = 0; d < 17; d++) {
      profile.push(0.95);
      ring.push(1);
    }
    expect(findDiscSpaces(syntheticSpineAxis(profile, ring))).toEqual(discs);
  });

  it('does not split a body at a broad dip in its interior (an osteoporotic body: dark inside, bright endplates)', () => {
    const profile: number[] = [];
    const ring: number[] = [];
    for (let d = 0; d < 60; d++) {
      // Endplates at 0–3 and 56–59 (0.95), a 0.4 interior with a shallow 0.35 dip at 30.
      profile.push(d < 4 || d > 55 ? 0.95 : d === 30 ? 0.35 : 0.4);
      ring.push(0.85);
    }
    expect(findDiscSpaces(syntheticSpineAxis(profile, ring))).toEqual([]);
  });

  /**
   * Osteoporotic thoracic column (values from fracture-multiple-thoracic, 3 mm slices): 14 mm body
   * interiors at 0.4, 2 mm endplates at 0.9, 4 mm discs lifted to 0.72 by partial volume, a
   * cortical ring everywhere but under 0.92 (rib heads at the discs), and a dark dip in each body
   * interior that passes the classic minimum test.
   */
  function osteoporoticColumn(): { profile: number[]; discs: number[] } {
    const profile: number[] = [];
    const discs: number[] = [];
    for (let level = 0; level < 7; level++) {
      for (let d = 0; d < 18; d++) profile.push(d < 2 || d > 15 ? 0.9 : d === 9 ? 0.36 : 0.4);
      if (level === 6) break;
      discs.push(profile.length + 1);
      profile.push(0.8, 0.72, 0.8);
    }
    return { profile, discs };
  }

  it('finds the discs of an osteoporotic column between bright endplates, not in the dark body interiors', () => {
    const { profile, discs } = osteoporoticColumn();
    const found = findDiscSpaces(syntheticSpineAxis(profile, profile.map(() => 0.9)));
    // Between the first and the last disc exactly the discs (the dips of the two end bodies, with
    // no band beyond them, are still taken by the classic test).
    expect(found.filter((f) => f >= discs[0]! - 2 && f <= discs[discs.length - 1]! + 2)).toEqual(discs);
  });

  it('finds the discs of bodies seen only through their anterior rim (canal out of view) as endplate bands', () => {
    const { profile, discs } = osteoporoticColumn();
    const flat = profile.map(() => 0);
    expect(findDiscSpaces(syntheticSpineAxis(profile, flat), { canalOutOfView: true })).toEqual(discs);
  });
});
