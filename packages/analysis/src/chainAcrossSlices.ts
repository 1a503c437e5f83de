/**
 * The longest consistent chain of per-slice candidates (dynamic programming over candidates sorted
 * by slice index k): each link scores 1 − 0.02 per mm of z gap − the caller's cost for the in-plane
 * step, links across more than `maxGapMm` of z or rejected by the caller are not made. Used for
 * the spinal canal (traceSpinalCanal) and, where the canal is out of view, for the front of the
 * vertebral column along the field of view's edge (traceBodyColumnAtEdge).
 * The caller also sees where the best chain ending at `from` came from (its nearest candidate at
 * least `TREND_BACK_MM` of z earlier), so a step may be judged against the chain's own direction.
 */
export interface SliceCandidate {
  /** Slice index on the working grid. */
  readonly k: number;
}

/** Least z distance (mm) back along the chain ending at `from` to its trend candidate: the pedicle run of one vertebra. */
export const TREND_BACK_MM = 15;

/**
 * @param stepCost in-plane cost of linking `from` to `to` across `dzMm` of z, or null where the
 *   step is not anatomically possible. `back` is the nearest candidate at least TREND_BACK_MM of
 *   z below `from` on the best chain ending at `from` (the chain's first candidate when it is
 *   shorter), undefined when `from` starts its chain.
 * @returns the chain, cranio-caudal order as the candidates (empty when there are none).
 */
export function chainAcrossSlices<T extends SliceCandidate>(
  candidates: readonly T[],
  sliceSpacingMm: number,
  maxGapMm: number,
  stepCost: (from: T, to: T, dzMm: number, back: T | undefined) => number | null,
): T[] {
  const n = candidates.length;
  if (n === 0) return [];
  const best = new Float64Array(n);
  const prev = new Int32Array(n).fill(-1);
  const back = new Int32Array(n).fill(-1);
  let start = 0;
  for (let c = 0; c < n; c++) {
    const cc = candidates[c]!;
    best[c] = 1;
    while (start < c && (cc.k - candidates[start]!.k) * sliceSpacingMm > maxGapMm) start++;
    for (let p = start; p < c; p++) {
      const pc = candidates[p]!;
      const dk = cc.k - pc.k;
      if (dk <= 0) continue;
      const dz = dk * sliceSpacingMm;
      const b = back[p]!;
      const cost = stepCost(pc, cc, dz, b >= 0 ? candidates[b] : undefined);
      if (cost === null) continue;
      const score = best[p]! + 1 - 0.02 * dz - cost;
      if (score > best[c]!) {
        best[c] = score;
        prev[c] = p;
      }
    }
    // Trend candidate of the chain ending at c (fixed from here on: later candidates only link to it).
    let b = prev[c]!;
    while (b >= 0 && prev[b]! >= 0 && (cc.k - candidates[b]!.k) * sliceSpacingMm < TREND_BACK_MM) b = prev[b]!;
    back[c] = b;
  }
  let end = 0;
  for (let c = 1; c < n; c++) if (best[c]! > best[end]!) end = c;
  const chain: T[] = [];
  for (let c = end; c >= 0; c = prev[c]!) chain.push(candidates[c]!);
  return chain.reverse();
}
