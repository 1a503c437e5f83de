/**
 * progressiveRedrawDue: a streaming volume is redrawn at most once per interval, never once complete, at once while
 * there is no rate yet (the first slice: the redraw that makes the texture where it was not made ahead), and not when
 * the rest is expected within the skip time at the rate so far.
 */
import { describe, expect, it } from 'vitest';
import { progressiveRedrawDue } from '../src/cornerstone/progressiveRedrawDue.js';

const at = (nowMs: number, slicesLoaded: number, lastRedrawMs = Number.NEGATIVE_INFINITY) => ({ nowMs, firstSliceMs: 1000, lastRedrawMs, slicesLoaded, slicesTotal: 300 });

describe('progressiveRedrawDue', () => {
  it('waits out the interval and never redraws a complete volume', () => {
    expect(progressiveRedrawDue(at(2500, 30, 1000), 2000, 1000)).toBe(false);
    expect(progressiveRedrawDue(at(3000, 30, 1000), 2000, 1000)).toBe(true);
    expect(progressiveRedrawDue(at(9000, 300, 1000), 2000, 1000)).toBe(false);
  });

  it('redraws at the first slice when nothing was drawn yet (no rate to go by)', () => {
    expect(progressiveRedrawDue({ nowMs: 1000, firstSliceMs: 1000, lastRedrawMs: Number.NEGATIVE_INFINITY, slicesLoaded: 1, slicesTotal: 300 }, 2000, 1000)).toBe(true);
  });

  it('skips the redraw when the rest comes within the skip time at the rate so far', () => {
    // 2 s for 200 slices after the first: 100 slices to go ≈ 1.0 s → skipped; 150 slices after 2 s: 150 to go ≈ 2 s → redrawn.
    expect(progressiveRedrawDue(at(3000, 201, 1000), 2000, 1100)).toBe(false);
    expect(progressiveRedrawDue(at(3000, 151, 1000), 2000, 1100)).toBe(true);
    // A slow load (30 slices in 2 s) keeps showing progress.
    expect(progressiveRedrawDue(at(3000, 31, 1000), 2000, 1000)).toBe(true);
  });
});
