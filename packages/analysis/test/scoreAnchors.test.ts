/**
 * Rib evidence in planes normal to the vertebra's own axis (scoreAnchors.ts). At the apex of a
 * severe, rotated curve the fitted endplates of a vertebra disagree by 20–28° although its true
 * endplates are parallel; a rib plane tilted by 10° is 10 mm off the rib at 60 mm lateral. The
 * superior endplate's normal is then tried beside the endplate-to-endplate line, and a rib-free
 * vertebra stays rib-free whichever is used. Analytic model: a body tilted 10° in the coronal
 * plane, with or without a rib pair in its upper half.
 */
import { describe, expect, it } from 'vitest';
import { scoreAnchors } from '../src/scoreAnchors.js';

const deg = Math.PI / 180;
const tilt = 10 * deg;
/** The vertebra's own frame: x' (left), y (posterior, LPS), z' (its axis). */
const ex = [Math.cos(tilt), 0, -Math.sin(tilt)];
const ez = [Math.sin(tilt), 0, Math.cos(tilt)];
const dot = (p: readonly number[], e: readonly number[]): number => p[0]! * e[0]! + p[1]! * e[1]! + p[2]! * e[2]!;

function vertebra(withRibs: boolean) {
  return (x: number, y: number, z: number): number => {
    const p = [x, y, z];
    const u = dot(p, ex);
    const h = dot(p, ez);
    const r = Math.hypot(u, y);
    if (r <= 20 && Math.abs(h) <= 12) return r > 19 || Math.abs(h) > 11 ? 1000 : 200;
    if (withRibs) {
      // A rib pair leaving the body sideways in its upper half (head at 22 mm, out to 120 mm).
      const d = Math.hypot(y - 30, h - 6);
      if (Math.abs(u) >= 22 && Math.abs(u) <= 120 && d <= 4.5) return d > 3.3 ? 900 : 300;
    }
    return 40;
  };
}

const scale = (e: readonly number[], s: number): number[] => e.map((x) => x * s);
const add = (a: readonly number[], b: readonly number[]): number[] => a.map((x, k) => x + b[k]!);
/** Endplates fitted as at the apex of scoliosis-severe: the superior one right, the inferior one 25° off and its centre 5 mm aside. */
const misfitInferior = [Math.sin(35 * deg), 0, Math.cos(35 * deg)];
const frame = (inferiorNormal: readonly number[], inferiorShiftMm: number) => ({
  canalCentre: [0, 25, 0],
  axis: ((): number[] => {
    const m = add(ez, inferiorNormal);
    const n = Math.hypot(m[0]!, m[1]!, m[2]!);
    return m.map((x) => x / n);
  })(),
  anterior: [0, -1, 0],
  left: [1, 0, 0],
  superior: { point: scale(ez, 12), normal: ez },
  inferior: { point: add(scale(ez, -12), scale(ex, inferiorShiftMm)), normal: inferiorNormal },
  width: 40,
});

describe('scoreAnchors', () => {
  it('finds the rib pair of a vertebra whose inferior endplate fit is 25° off (the superior normal is tried)', () => {
    const scores = scoreAnchors(vertebra(true), frame(misfitInferior, 5));
    expect(scores.ribScore).toBeGreaterThanOrEqual(0.5);
  });

  it('finds the same rib pair with consistent endplates', () => {
    expect(scoreAnchors(vertebra(true), frame(ez, 0)).ribScore).toBeGreaterThanOrEqual(0.5);
  });

  it('keeps a rib-free vertebra rib-free under the same misfit', () => {
    const scores = scoreAnchors(vertebra(false), frame(misfitInferior, 5));
    expect(scores.ribScore).toBe(0);
    expect(scores.oneSidedRibScore).toBe(0);
  });
});
