/**
 * Disc spaces from synthetic body-axis profiles (findDiscSpaces.ts): bone fraction and cortical
 * ring along a 1 mm axis, bodies between discs every 25 mm. Two failure modes seen on real and
 * phantom CT: the dim trabecular interior of a low-density body under a partial ring (the ring's
 * radius overestimated) taken for a disc (real abdomen series, T12), and a disc missed where an
 * osteoporotic body is as dark as its disc and its endplate fell between thick slices
 * (fracture-multiple-thoracic, T8/T9), found again from the pitch rhythm (Panjabi 1991/1992); and
 * the dim interior of a low-density body cut by the field of view, whose ring is as high above
 * the dip as at it, taken for a disc (fracture-wedge-g3 in 3 mm-averaged slices).
 */
import { describe, expect, it } from 'vitest';
import { findDiscSpaces, segmentBetweenDiscs } from '../src/findDiscSpaces.js';
import { syntheticSpineAxis } from './support/syntheticSpineAxis.js';

/** Bodies (interior 0.8, 2 mm endplates 0.95, ring 1) with 5 mm discs (0.15, ring 0) centred at `discs`. */
function column(n: number, discs: readonly number[]): { profile: Float64Array; ring: Float64Array } {
  const profile = new Float64Array(n).fill(0.8);
  const ring = new Float64Array(n).fill(1);
  for (const d of discs) {
    for (let m = d - 4; m <= d + 4; m++) {
      if (m < 0 || m >= n) continue;
      const off = Math.abs(m - d);
      profile[m] = off <= 2 ? 0.15 + 0.05 * off : 0.95;
      ring[m] = off <= 2 ? 0 : 1;
    }
  }
  return { profile, ring };
}

describe('findDiscSpaces', () => {
  it('finds the discs of a regular column', () => {
    const truth = [12, 37, 62, 87, 112, 137];
    const { profile, ring } = column(150, truth);
    expect(findDiscSpaces(syntheticSpineAxis(profile, ring))).toEqual(truth);
  });

  it('does not take the 16 mm dim interior of a low-density body under a partial ring for a disc', () => {
    const truth = [12, 37, 62, 87, 112, 137];
    const { profile, ring } = column(150, truth);
    // Body between the discs at 62 and 87: its whole 16 mm interior is a 0.52–0.56 plateau,
    // and the ring (radius overestimated) meets bone in only 56 % of the directions there.
    for (let m = 67; m <= 82; m++) {
      profile[m] = 0.52 + 0.005 * Math.abs(m - 74);
      ring[m] = 0.56;
    }
    expect(findDiscSpaces(syntheticSpineAxis(profile, ring))).toEqual(truth);
  });

  it('still takes a narrow dip under the same partial ring (a disc with rib heads beside it)', () => {
    const truth = [12, 37, 62, 87, 112, 137];
    const { profile, ring } = column(150, truth);
    // The disc at 87 is shallow (0.55 between 0.75 endplates) and only 6 mm wide, its ring 0.56.
    for (let m = 82; m <= 92; m++) {
      profile[m] = Math.abs(m - 87) <= 2 ? 0.55 + 0.03 * Math.abs(m - 87) : 0.75;
      ring[m] = 0.56;
    }
    expect(findDiscSpaces(syntheticSpineAxis(profile, ring))).toEqual(truth);
  });

  it('does not take a shallow dip inside a low-density body cut by the field of view for a disc (its ring as high above it)', () => {
    const truth = [26, 61, 96, 131];
    const { profile, ring } = column(140, truth);
    // The axis starts inside a wedged low-density body (fracture-wedge-g3, L1 at the top of the
    // view): a 0.13-deep dip at 9 mm under the body's partial ring (0.56 from the edge down to the
    // dip and beyond), its inferior endplate rising to 0.65 below, then the disc at 26.
    const top = [0.52, 0.52, 0.52, 0.52, 0.52, 0.52, 0.52, 0.45, 0.41, 0.39, 0.41, 0.43, 0.46, 0.5, 0.55, 0.58, 0.6, 0.63, 0.65, 0.62, 0.6, 0.6];
    top.forEach((value, m) => {
      profile[m] = value;
      ring[m] = m <= 13 ? 0.56 : 1;
    });
    expect(findDiscSpaces(syntheticSpineAxis(profile, ring))).toEqual(truth);
  });

  it('splits a gap twice the pitch of its neighbours where the cortical ring opens (a dark body beside its disc)', () => {
    const truth = [12, 37, 62, 87, 112, 137, 162];
    const { profile, ring } = column(175, truth);
    // The disc at 87 and the osteoporotic body below it are equally dark (0.24) down to the next
    // body's endplate: no profile minimum; only the ring opens at the disc (0.75 instead of 1).
    for (let m = 85; m <= 107; m++) profile[m] = 0.24;
    for (let m = 85; m <= 89; m++) ring[m] = m === 87 ? 0.75 : 0.81;
    const found = findDiscSpaces(syntheticSpineAxis(profile, ring));
    expect(found).toHaveLength(truth.length);
    found.forEach((d, i) => expect(Math.abs(d - truth[i]!)).toBeLessThanOrEqual(1));
  });

  it('leaves a long gap alone when nothing inside it marks a disc', () => {
    const truth = [12, 37, 62, 112, 137, 162];
    const { profile, ring } = column(175, truth);
    // A 50 mm segment of uniform bone (a fused block): no minimum, no ring opening, no split.
    expect(findDiscSpaces(syntheticSpineAxis(profile, ring))).toEqual(truth);
  });

  it('keeps a body cut by the first slice when 12 mm of it are in view up to the edge of that slice\'s slab', () => {
    // Axis from the centre of the first (3 mm) slice: the cut body's disc 11 mm below it, so the
    // body is in view over 11 mm to the slice centre and 12.5 mm to the slab's edge.
    const truth = [11, 36, 61, 86, 111];
    const { profile, ring } = column(125, truth);
    const axis = syntheticSpineAxis(profile, ring);
    const discs = findDiscSpaces(axis);
    expect(discs).toEqual(truth);
    const cut = segmentBetweenDiscs(axis, discs, { viewBeyondEndsMm: [1.5, 0] })[0]!;
    expect(cut).toMatchObject({ upper: 0, lower: 11, complete: false });
    // Counted to the slice centre only, 11 mm < 12 mm: not a body.
    expect(segmentBetweenDiscs(axis, discs)[0]).toMatchObject({ upper: 11, lower: 36, complete: true });
    // Half a slice does not make a body of a sliver: 8 mm + 1.5 mm stay below 12 mm.
    const sliver = column(125, [8, 33, 58, 83, 108]);
    const sliverAxis = syntheticSpineAxis(sliver.profile, sliver.ring);
    expect(segmentBetweenDiscs(sliverAxis, findDiscSpaces(sliverAxis), { viewBeyondEndsMm: [1.5, 0] })[0]).toMatchObject({ upper: 8, complete: true });
  });
});
