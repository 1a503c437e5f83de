/**
 * Spinal canal detection and centreline. On every axial slice of the LPS working grid the canal
 * appears, at pedicle level, as a soft-tissue hole enclosed by bone (vertebral foramen) with the
 * vertebral body directly anterior. Holes are found by flood-filling the non-bone background
 * from the slice border; candidates are filtered by area, HU and the anterior-body test, then
 * chained cranio-caudally by dynamic programming (gaps at disc levels allowed) and interpolated
 * into a smooth centreline, extrapolated linearly beyond the chain (50 mm caudally, to reach the
 * sacrum). Works on the LPS grid, so patient position does not matter.
 */
import type { LpsGrid } from './resampleToLpsGrid.js';

export interface CanalCandidate {
  readonly k: number;
  readonly x: number;
  readonly y: number;
  readonly areaMm2: number;
  readonly meanHu: number;
}

export interface CanalTrace {
  /** Slice range [k0, k1] of the grid covered by the centreline. */
  readonly k0: number;
  readonly k1: number;
  /** Centre x and y (LPS mm) per slice k in [k0, k1]. */
  readonly xMm: Float64Array;
  readonly yMm: Float64Array;
  /** Chained candidates (the enclosed-canal slices). */
  readonly chain: readonly CanalCandidate[];
  /** Fraction of the covered slices with an enclosed canal. */
  readonly enclosedFraction: number;
}

export interface TraceSpinalCanalOptions {
  readonly boneHu?: number;
  /** Examine every n-th slice (default: every slice up to 2 mm apart, i.e. 1 at ≥ 2 mm, 2 below). */
  readonly sliceStep?: number;
}

const DIRS: readonly (readonly [number, number])[] = [
  [1, 0], [-1, 0], [0, 1], [0, -1], [1, 1], [1, -1], [-1, 1], [-1, -1],
];

/**
 * Per-slice canal candidates. A pixel is canal-like when it is soft tissue and bone is hit
 * within a few centimetres anteriorly (posterior body wall), posteriorly (lamina) and to both
 * sides (pedicles): distances to bone along 8 directions come from one linear scan each.
 * Connected canal-like pixels form a candidate when a vertebral body lies anterior to them.
 */
export function findCanalCandidates(grid: LpsGrid, options: TraceSpinalCanalOptions = {}): CanalCandidate[] {
  const boneHu = options.boneHu ?? 150;
  const [nx, ny, nz] = grid.dims;
  const s = grid.spacingMm;
  const plane = nx * ny;
  const far = 255;
  const dist = DIRS.map(() => new Uint8Array(plane));
  const cand = new Int32Array(plane);
  const stack = new Int32Array(plane);
  const out: CanalCandidate[] = [];
  const antMax = Math.round(16 / s);
  const postMax = Math.round(22 / s);
  const latMax = Math.round(20 / s);
  const diagMax = Math.round(22 / s / Math.SQRT2);
  const sliceStep = options.sliceStep ?? (s < 2 ? 2 : 1);
  for (let k = 0; k < nz; k += sliceStep) {
    const base = k * plane;
    for (let d = 0; d < DIRS.length; d++) {
      const [dx, dy] = DIRS[d]!;
      const map = dist[d]!;
      const jStart = dy > 0 ? ny - 1 : 0;
      const jEnd = dy > 0 ? -1 : ny;
      const jStep = dy > 0 ? -1 : 1;
      const iStart = dx > 0 ? nx - 1 : 0;
      const iEnd = dx > 0 ? -1 : nx;
      const iStep = dx > 0 ? -1 : 1;
      for (let j = jStart; j !== jEnd; j += jStep) {
        for (let i = iStart; i !== iEnd; i += iStep) {
          const p = j * nx + i;
          if (grid.data[base + p]! >= boneHu) {
            map[p] = 0;
            continue;
          }
          const i2 = i + dx;
          const j2 = j + dy;
          if (i2 < 0 || i2 >= nx || j2 < 0 || j2 >= ny) {
            map[p] = far;
            continue;
          }
          const next = map[j2 * nx + i2]!;
          map[p] = next >= far ? far : next + 1;
        }
      }
    }
    const [dL, dR, dP, dA, d4, d5, d6, d7] = dist as [Uint8Array, Uint8Array, Uint8Array, Uint8Array, Uint8Array, Uint8Array, Uint8Array, Uint8Array];
    for (let p = 0; p < plane; p++) {
      const v = grid.data[base + p]!;
      let ok = v > -150 && v < 115;
      if (ok) ok = dA[p]! <= antMax && dP[p]! <= postMax && dL[p]! <= latMax && dR[p]! <= latMax;
      if (ok) {
        const ap = (dA[p]! + dP[p]!) * s;
        const lr = (dL[p]! + dR[p]!) * s;
        ok = ap >= 7 && ap <= 32 && lr >= 9 && lr <= 38;
      }
      if (ok) {
        let diag = 0;
        if (d4[p]! <= diagMax) diag++;
        if (d5[p]! <= diagMax) diag++;
        if (d6[p]! <= diagMax) diag++;
        if (d7[p]! <= diagMax) diag++;
        ok = diag >= 3;
      }
      cand[p] = ok ? 0 : -1;
    }
    let id = 0;
    for (let p0 = 0; p0 < plane; p0++) {
      if (cand[p0] !== 0) continue;
      id++;
      let count = 0;
      let sumI = 0;
      let sumJ = 0;
      let sumHu = 0;
      let jMin = ny;
      cand[p0] = id;
      stack[0] = p0;
      let top = 1;
      while (top > 0) {
        const p = stack[--top]!;
        const i = p % nx;
        const j = (p - i) / nx;
        count++;
        sumI += i;
        sumJ += j;
        sumHu += grid.data[base + p]!;
        if (j < jMin) jMin = j;
        if (i > 0 && cand[p - 1] === 0) { cand[p - 1] = id; stack[top++] = p - 1; }
        if (i < nx - 1 && cand[p + 1] === 0) { cand[p + 1] = id; stack[top++] = p + 1; }
        if (p >= nx && cand[p - nx] === 0) { cand[p - nx] = id; stack[top++] = p - nx; }
        if (p < plane - nx && cand[p + nx] === 0) { cand[p + nx] = id; stack[top++] = p + nx; }
      }
      const areaMm2 = count * s * s;
      if (areaMm2 < 12) continue;
      const ci = Math.round(sumI / count);
      const cj = Math.round(sumJ / count);
      if (!hasBodyAnterior(grid, { base, i: ci, j: cj, boneHu })) continue;
      out.push({ k, x: grid.originLps[0] + (sumI / count) * s, y: grid.originLps[1] + (sumJ / count) * s, areaMm2, meanHu: sumHu / count });
    }
  }
  return out;
}

/** A vertebral body anterior to (i, j): bone within 16 mm, and bone again 12–50 mm further on (its front cortex), laterally enclosed. */
function hasBodyAnterior(grid: LpsGrid, at: { base: number; i: number; j: number; boneHu: number }): boolean {
  const [nx] = grid.dims;
  const s = grid.spacingMm;
  const { base, i, boneHu } = at;
  const bone = (ii: number, jj: number): boolean => jj >= 0 && ii >= 0 && ii < nx && grid.data[base + jj * nx + ii]! >= boneHu;
  let j = at.j;
  const jFirstLimit = at.j - Math.round(16 / s);
  while (j >= 0 && j >= jFirstLimit && !bone(i, j)) j--;
  if (j < 0 || j < jFirstLimit) return false;
  const jWall = j;
  // Farthest bone within 50 mm anterior of the posterior wall, with at least 12 mm of depth.
  let jFront = -1;
  for (let jj = jWall - 1; jj >= Math.max(0, jWall - Math.round(50 / s)); jj--) {
    if (bone(i, jj) || bone(i - 1, jj) || bone(i + 1, jj)) jFront = jj;
    else if (jFront >= 0 && (jFront - jj) * s > 38) break; // an osteoporotic interior can be ~35 mm of soft HU
  }
  if (jFront < 0 || (jWall - jFront) * s < 12) return false;
  // Lateral enclosure at mid-depth: bone on both sides within 35 mm.
  const jm = Math.round((jWall + jFront) / 2);
  let left = false;
  let right = false;
  for (let di = 0; di <= Math.round(35 / s); di++) {
    if (!left && bone(i + di, jm)) left = true;
    if (!right && bone(i - di, jm)) right = true;
  }
  return left && right;
}

export function traceSpinalCanal(grid: LpsGrid, options: TraceSpinalCanalOptions = {}): CanalTrace | null {
  const candidates = findCanalCandidates(grid, options);
  if (candidates.length === 0) return null;
  const s = grid.spacingMm;
  const maxGapMm = 32;
  // Dynamic programming over candidates sorted by slice: longest consistent chain.
  const n = candidates.length;
  const best = new Float64Array(n);
  const prev = new Int32Array(n).fill(-1);
  let start = 0;
  for (let c = 0; c < n; c++) {
    const cc = candidates[c]!;
    best[c] = 1;
    while (start < c && (cc.k - candidates[start]!.k) * s > maxGapMm) start++;
    for (let p = start; p < c; p++) {
      const pc = candidates[p]!;
      const dk = cc.k - pc.k;
      if (dk <= 0) continue;
      const dz = dk * s;
      const dxy = Math.hypot(cc.x - pc.x, cc.y - pc.y);
      if (dxy > 4 + 0.6 * dz) continue; // allows a listhesis step across a disc gap
      const score = best[p]! + 1 - 0.02 * dz - 0.1 * dxy;
      if (score > best[c]!) {
        best[c] = score;
        prev[c] = p;
      }
    }
  }
  let end = 0;
  for (let c = 1; c < n; c++) if (best[c]! > best[end]!) end = c;
  const rawChain: CanalCandidate[] = [];
  for (let c = end; c >= 0; c = prev[c]!) rawChain.push(candidates[c]!);
  rawChain.reverse();
  // Median of x and y over ±2 chain neighbours removes single wrong candidates.
  const med = (vals: number[]): number => vals.sort((p, q) => p - q)[vals.length >> 1]!;
  const chain: CanalCandidate[] = rawChain.map((cc, q) => {
    const win = rawChain.slice(Math.max(0, q - 2), q + 3);
    return { ...cc, x: med(win.map((w) => w.x)), y: med(win.map((w) => w.y)) };
  });
  if (chain.length < 3) return null;
  const first = chain[0]!;
  const last = chain[chain.length - 1]!;
  const nz = grid.dims[2];
  // Beyond the enclosed-canal chain the centreline is extrapolated linearly (slope over the last
  // 20 mm of chain): 50 mm caudally, so that the L5/S1 disc and the sacrum (whose canal is not an
  // enclosed ring at S1 in many scans) are reached; 25 mm cranially.
  const kCaudal = Math.min(first.k, Math.round(50 / s));
  const kCranial = Math.round(25 / s);
  const k0 = Math.max(0, first.k - kCaudal);
  const k1 = Math.min(nz - 1, last.k + kCranial);
  const slope = (fromStart: boolean): [number, number] => {
    const ref = fromStart ? first : last;
    const near = chain.filter((cc) => Math.abs(cc.k - ref.k) * s <= 20);
    const far = near.reduce((a, b) => (Math.abs(b.k - ref.k) > Math.abs(a.k - ref.k) ? b : a), ref);
    const dk = ref.k - far.k;
    if (Math.abs(dk) * s < 8) return [0, 0];
    const clamp = (v: number): number => Math.max(-1, Math.min(1, v));
    return [clamp((ref.x - far.x) / dk), clamp((ref.y - far.y) / dk)];
  };
  const [sx0, sy0] = slope(true);
  const [sx1, sy1] = slope(false);
  const len = k1 - k0 + 1;
  const rawX = new Float64Array(len);
  const rawY = new Float64Array(len);
  // Linear interpolation between chain points; linear extrapolation at the ends.
  let c = 0;
  for (let k = k0; k <= k1; k++) {
    if (k < first.k) {
      rawX[k - k0] = first.x + sx0 * (k - first.k);
      rawY[k - k0] = first.y + sy0 * (k - first.k);
      continue;
    }
    if (k > last.k) {
      rawX[k - k0] = last.x + sx1 * (k - last.k);
      rawY[k - k0] = last.y + sy1 * (k - last.k);
      continue;
    }
    while (c + 1 < chain.length && chain[c + 1]!.k <= k) c++;
    const a = chain[c]!;
    const b = chain[Math.min(c + 1, chain.length - 1)]!;
    let t = b.k === a.k ? 0 : (k - a.k) / (b.k - a.k);
    t = Math.max(0, Math.min(1, t));
    rawX[k - k0] = a.x + (b.x - a.x) * t;
    rawY[k - k0] = a.y + (b.y - a.y) * t;
  }
  // Moving-average smoothing over ±20 mm (the canal is smooth at this scale; candidates are noisy).
  const w = Math.max(1, Math.round(20 / s));
  const xMm = new Float64Array(len);
  const yMm = new Float64Array(len);
  for (let q = 0; q < len; q++) {
    let sx = 0;
    let sy = 0;
    let m = 0;
    for (let d = -w; d <= w; d++) {
      const r = q + d;
      if (r < 0 || r >= len) continue;
      sx += rawX[r]!;
      sy += rawY[r]!;
      m++;
    }
    xMm[q] = sx / m;
    yMm[q] = sy / m;
  }
  const enclosed = new Set(chain.map((cc) => cc.k)).size;
  return { k0, k1, xMm, yMm, chain, enclosedFraction: enclosed / (last.k - first.k + 1) };
}
