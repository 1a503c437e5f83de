/**
 * The body outline (star-shaped sections along 24 rays) ends at the body, not beyond a fat plane
 * nor inside a posterior wall without a cortical peak (measureVertebralBody.ts). Analytic scene
 * in LPS mm (x left, y posterior, z superior): an elliptic-cylinder body (22 mm LR, 17 mm AP
 * semi-axes, z −12…12) with a 1.5 mm cortex, discs above and below and the next bodies beyond,
 * the canal behind, soft tissue around. The exact body centroid is the origin. Seen on the real
 * abdomen series (T12, 2026-11-27): the anterior-left rays crossed a 2–3 mm fat plane to a
 * calcified aortic wall, and the rays facing the canal were cut inside a posterior wall that dims
 * towards the basivertebral foramen.
 */
import { describe, expect, it } from 'vitest';
import type { SpineAxis } from '../src/buildSpineAxis.js';
import type { AxisSegment } from '../src/findDiscSpaces.js';
import { measureVertebralBody } from '../src/measureVertebralBody.js';

const A = 22;
const B = 17;
const CANAL_Y = B + 10; // canal radius 9 mm: its front 1 mm behind the body's wall

type Scene = (x: number, y: number, z: number) => number;

/** Body, discs, neighbouring bodies, canal and arch; `extra` may override any point (NaN: no override). */
function scene(extra: (x: number, y: number, z: number, r: number) => number, interior: (x: number, y: number) => number = () => 200): Scene {
  return (x, y, z) => {
    const r = Math.hypot(x / A, y / B); // 1 on the body's outer surface
    const e = extra(x, y, z, r);
    if (e === e) return e;
    if (Math.abs(z) > 44) return 40;
    const zb = Math.abs(z) <= 12 ? 12 : Math.abs(z) >= 20 ? 44 : NaN; // body half-height band, NaN: disc
    if (r <= 1) {
      if (!(zb === zb)) return 80; // disc
      const inner = Math.abs(z) <= 12 ? 12 - Math.abs(z) : Math.min(Math.abs(z) - 20, 44 - Math.abs(z));
      if (inner < 1.5 || (1 - r) * B < 1.5) return 600; // endplate or cortex
      return interior(x, y);
    }
    const dc = Math.hypot(x, y - CANAL_Y);
    if (dc < 9) return 10; // CSF
    if (dc < 13 && y > CANAL_Y) return 500; // laminae (the pedicles are left out)
    return 40;
  };
}

function measure(hu: Scene): { centroid: [number, number, number]; volume: number } {
  const n = 81; // z +40 … −40, 1 mm apart
  const points = new Float64Array(3 * n);
  const canal = new Float64Array(3 * n);
  const tangents = new Float64Array(3 * n);
  for (let m = 0; m < n; m++) {
    points[3 * m + 2] = 40 - m;
    canal[3 * m + 1] = CANAL_Y;
    canal[3 * m + 2] = 40 - m;
    tangents[3 * m + 2] = 1;
  }
  const axis: SpineAxis = { length: n, points, tangents, canal, halfDepthMm: new Float64Array(n).fill(B), profile: new Float64Array(n), ring: new Float64Array(n) };
  // Disc centres at z = +16 and −16.
  const segment: AxisSegment = { upper: 24, lower: 56, complete: true, contrast: 1 };
  const body = measureVertebralBody(axis, segment, { grid: hu, native: { sample: hu, toVoxel: () => undefined } });
  expect(body).not.toBeNull();
  return { centroid: body!.centroid, volume: body!.volume };
}

describe('measureVertebralBody: body outline', () => {
  it('measures the plain body at its centroid', () => {
    const { centroid } = measure(scene(() => NaN));
    // In the plane 0.14 mm; along z 0.4 mm (the endplate edges on this unblurred scene).
    expect(Math.hypot(centroid[0], centroid[1])).toBeLessThan(0.25);
    expect(Math.abs(centroid[2])).toBeLessThan(0.6);
  });

  it('ends anterior-left rays at the fat plane, not at the calcified aortic wall beyond it', () => {
    // A 2.5 mm fat plane (−100 HU) before the anterior-left cortex, 30–70° from left towards
    // anterior (−y), then a 2 mm calcified aortic wall (700 HU): the mid-section walls (straight
    // ahead and to the side) do not meet it, only the section rays do.
    const aorta = (x: number, y: number, z: number, r: number): number => {
      if (Math.abs(z) > 12 || r <= 1) return NaN;
      const deg = (Math.atan2(-y, x) * 180) / Math.PI;
      if (deg < 30 || deg > 70) return NaN;
      const out = (r - 1) * Math.hypot(A * Math.cos((deg * Math.PI) / 180), B * Math.sin((deg * Math.PI) / 180)); // ≈ mm outside the body
      if (out < 2.5) return -100;
      if (out < 4.5) return 700;
      return NaN;
    };
    const { centroid, volume } = measure(scene(aorta));
    // As for the plain body (0.14 mm in the plane, 28.75 cm³); without the fat stop the outline
    // took the fat plane and the wall: 0.46 mm anterior-left, 29.64 cm³.
    expect(Math.hypot(centroid[0], centroid[1])).toBeLessThan(0.25);
    expect(volume).toBeLessThan(29000);
  });

  it('keeps the rays facing the canal out to where the bone ends, where the posterior wall dims without a cortical peak', () => {
    // Over the middle 24 mm of the posterior wall (basivertebral foramen, thin cortex blurred by
    // thick slices) the bone dims from 260 HU, 12 mm inside the wall, to 155 HU 1 mm inside it, then
    // falls to the canal's 10 HU over 4 mm: bone (≥ 150 HU) ends ~1 mm inside the wall, with no
    // cortical peak. The vessel cut (half-way between the ray's peak and the first sample below
    // bone, ~145 HU) must not pull the rays facing the canal into the body.
    const wallBlur = (x: number, y: number, z: number): number => {
      if (Math.abs(z) > 10.5 || Math.abs(x) > 12 || y < 0) return NaN;
      const w = B * Math.sqrt(1 - (x / A) ** 2) - y; // mm inside the posterior wall
      if (w >= 12) return NaN;
      if (w >= 1) return 155 + ((w - 1) / 11) * 105;
      if (w > -3) return 155 - ((1 - w) / 4) * 145;
      return NaN;
    };
    const { centroid } = measure(scene(wallBlur, () => 260));
    // Measured y −0.20 mm; with the vessel cut on these rays they ended ~5 mm inside the wall: −1.05 mm.
    expect(centroid[1]).toBeGreaterThan(-0.4);
  });
});
