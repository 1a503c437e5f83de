/**
 * Where the body-by-body count may be broken between consecutive detections (labels are never
 * counted across such a place):
 * - the two segments do not share their disc (a segment in between could not be measured);
 * - either segment is implausibly long or short for its place in the column: disc-to-disc
 *   pitch changes by less than ~25 % between adjacent levels in every region (Panjabi MM et al.,
 *   Spine 1991;16:888–901 and 1992;17:299–306), so a pitch over 1.6× or under 0.6× the median of
 *   its complete neighbours (two on each side) means a missed disc (two bodies taken as one) or a
 *   false one (a body split in two); a pitch over 1.5 × the body's own AP depth (normally
 *   0.8–1.1 ×) is two bodies whatever the neighbours. Truncated and sacral segments are not judged.
 */
export interface GapBody {
  readonly segment: { readonly upper: number; readonly lower: number; readonly complete: boolean };
  /** Body AP depth, mm (the axis is sampled at 1 mm, so a pitch in samples is in mm). */
  readonly apDepth: number;
}

export function findDetectionGaps(bodies: readonly GapBody[], sacral: readonly boolean[] = []): boolean[] {
  const n = bodies.length;
  const pitch = bodies.map((b) => b.segment.lower - b.segment.upper);
  const judged = bodies.map((b, i) => b.segment.complete && !sacral[i]);
  const suspicious = bodies.map((b, i) => {
    if (!judged[i]) return false;
    // Disc-to-disc pitch is 0.8–1.1 × the body's AP depth at every level (Panjabi 1991/1992):
    // over 1.5 × it is two bodies (a missed disc), whatever the neighbours look like.
    if (pitch[i]! > 1.5 * b.apDepth) return true;
    const near: number[] = [];
    for (let d = -2; d <= 2; d++) {
      const j = i + d;
      if (d !== 0 && j >= 0 && j < n && judged[j]) near.push(pitch[j]!);
    }
    if (near.length === 0) return false;
    near.sort((a, b) => a - b);
    const median = near.length % 2 ? near[near.length >> 1]! : (near[near.length / 2 - 1]! + near[near.length / 2]!) / 2;
    const ratio = pitch[i]! / median;
    return ratio > 1.6 || ratio < 0.6;
  });
  return bodies.map((b, i) => {
    if (i === 0) return false;
    const up = bodies[i - 1]!;
    return up.segment.lower !== b.segment.upper || suspicious[i]! || suspicious[i - 1]!;
  });
}
