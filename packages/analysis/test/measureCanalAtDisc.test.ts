/**
 * Canal AP at the disc level on a constructed mid-sagittal profile (no image): disc, anterior
 * epidural fat, dural sac (CSF), posterior epidural fat, ligamentum flavum, lamina. The canal is
 * the space between the disc and the flavum (Verbiest 1954; the fat pad lies between dura and
 * flavum: Beaujeux 1997).
 */
import { describe, expect, it } from 'vitest';
import { measureCanalAtDisc, measureCanalAtDiscSegment } from '../src/measureCanalAtDisc.js';

/** HU along LPS +y (posterior) from the disc centre at y = 0; uniform in x and z. */
function sampler(profile: (y: number) => number) {
  return (_x: number, y: number, _z: number): number => profile(y);
}

const body = (z: number) => ({ axis: [0, 0, 1], superior: { point: [0, 0, z + 12], normal: [0, 0, 1] }, inferior: { point: [0, 0, z - 12], normal: [0, 0, 1] }, apDepth: 34 });
const upper = body(17);
const lower = body(-17);

/** Disc to y = 15, fat 15–16.5, CSF to 30, fat 30–32, flavum (45 HU) 32–36, lamina from 36. */
const lumbar = (y: number): number => (y < 15 ? 85 : y < 16.5 ? -70 : y < 30 ? 8 : y < 32 ? -70 : y < 36 ? 45 : 400);

describe('measureCanalAtDisc', () => {
  it('ends the canal at the ligamentum flavum behind the posterior epidural fat, even below 50 HU', () => {
    const d = measureCanalAtDisc(sampler(lumbar), upper, lower);
    expect(d).not.toBeNull();
    expect(Math.abs(d! - 17)).toBeLessThan(0.8); // disc edge 15 mm to flavum 32 mm (the 50 HU rule alone reads 21 mm, to the lamina)
  });

  it('returns the measured segment: from the disc edge to the flavum on the disc mid-plane, as long as the value', () => {
    const s = measureCanalAtDiscSegment(sampler(lumbar), upper, lower)!;
    expect(s.apMm).toBe(measureCanalAtDisc(sampler(lumbar), upper, lower));
    expect(Math.hypot(s.toLps[0] - s.fromLps[0], s.toLps[1] - s.fromLps[1], s.toLps[2] - s.fromLps[2])).toBeCloseTo(s.apMm, 9);
    // Front edge at the disc (y = 15), back edge at the flavum (y = 32), at the disc centre (x = 0, z = 0).
    expect(Math.abs(s.fromLps[1] - 15)).toBeLessThan(0.8);
    expect(Math.abs(s.toLps[1] - 32)).toBeLessThan(0.8);
    for (const p of [s.fromLps, s.toLps]) {
      expect(p[0]).toBeCloseTo(0, 9);
      expect(p[2]).toBeCloseTo(0, 9);
    }
  });

  it('is not ended at once by values around 50 HU at the front edge (noise, partial volume)', () => {
    // The annulus fades through 45 and 55 HU before the fat: the first drop below 50 HU is the front
    // edge; the 55 HU sample just behind it is not the back of the canal (read 0.5 mm before).
    const noisy = (y: number): number => (y >= 15 && y < 15.5 ? 45 : y >= 15.5 && y < 16 ? 55 : lumbar(y));
    const d = measureCanalAtDisc(sampler(noisy), upper, lower);
    expect(d).not.toBeNull();
    expect(Math.abs(d! - 17)).toBeLessThan(0.8);
  });

  it('without posterior fat (a narrowed canal) ends at the first tissue denser than 50 HU', () => {
    // Disc bulge to y = 15, CSF to 21, hypertrophied flavum (70 HU) from 21: 6 mm, absolute stenosis.
    const narrow = (y: number): number => (y < 15 ? 85 : y < 21 ? 8 : y < 26 ? 70 : 400);
    const d = measureCanalAtDisc(sampler(narrow), upper, lower);
    expect(d).not.toBeNull();
    expect(Math.abs(d! - 6)).toBeLessThan(0.8);
  });

  it('at a slipped level measures from the lower body\'s postero-superior corner, not the gap behind the upper body', () => {
    // L4 slipped 9 mm forward on L5 (Meyerding I). Bodies: upper z 5…29, y −26…8; lower z −29…−5,
    // y −17…17, its posterior rim rising to z = 1 at y 10…17; disc between them in line with the
    // upper body. Behind each wall: epidural fat 1.5 mm, CSF, posterior fat 32–34, lamina from 34.
    const slipped = (_x: number, y: number, z: number): number => {
      if (z >= 5 && z <= 29 && y >= -26 && y <= 8) return 700;
      if (z >= -29 && z <= -5 && y >= -17 && y <= 17) return 700;
      if (z > -5 && z < 1 && y > 10 && y <= 17) return 700;
      if (z > -5 && z < 5 && y >= -26 && y <= 8) return 85;
      if (y >= 34) return 400;
      if (y >= 32) return -70;
      const wall = z >= 1 ? 8 : 17;
      if (y > wall && y < wall + 1.5) return -70;
      return y > wall ? 8 : 40;
    };
    const l4Plain = { ...body(17), superior: { point: [0, -9, 29], normal: [0, 0, 1] }, inferior: { point: [0, -9, 5], normal: [0, 0, 1] } };
    const l4 = { ...l4Plain, posteriorSuperiorCorner: [0, 8, 29], posteriorInferiorCorner: [0, 8, 5] };
    const l5 = { ...body(-17), superior: { point: [0, 0, -5], normal: [0, 0, 1] }, inferior: { point: [0, 0, -29], normal: [0, 0, 1] }, posteriorSuperiorCorner: [0, 17, -5], posteriorInferiorCorner: [0, 17, -29] };
    const d = measureCanalAtDisc(slipped, l4, l5);
    expect(d).not.toBeNull();
    expect(Math.abs(d! - 17)).toBeLessThan(0.8); // wall of L5 at 17 mm to the flavum fat edge at 34 mm
    // Without the corners (the mid-plane walk) the gap behind L4's wall is read as the canal.
    const plain = measureCanalAtDisc(slipped, l4Plain, l5);
    expect(plain === null || plain < 10).toBe(true);
  });
});
