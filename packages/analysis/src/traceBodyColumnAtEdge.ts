/**
 * Fallback when no spinal canal is in view: the field of view cuts through the vertebral bodies
 * and the canal behind them lies outside it (a cardiac or chest crop centred on the heart, whose
 * posterior edge runs through the thoracic bodies). The canal cannot be traced, but the front of
 * the vertebral column can: on each axial slice of the working grid, along the posterior edge of
 * the field of view, a vertebral body is a run of trabecular-bone density (90–300 HU; Pickhardt PJ
 * et al., Ann Intern Med 2013: adult trabecular HU 100–250, osteoporotic below) 15–50 mm wide
 * (thoracic and lumbar body widths 25–50 mm; Panjabi MM et al., Spine 1991/1992). Runs denser
 * than 300 HU are contrast-filled vessels (the descending aorta lies beside the thoracic bodies), wider
 * ones are bodies merged with a vessel or the crura. Runs are chained cranio-caudally
 * (chainAcrossSlices, as for the canal; gaps of up to 15 mm: the discs, 80–100 HU, break the run);
 * a chain must cover 50 mm of z (two vertebrae and their discs).
 * The result is a CanalTrace (canalOutOfView) whose per-slice canal centre is virtual (just beyond
 * the cut) and which gives the body point directly: the anterior cortex (median over ±20 mm of z)
 * plus half the part in view, or plus the body's estimated half-depth of 0.45 × the run width
 * where the cut lies behind the body's centre (body AP depth ≈ 0.9 × width in the thoracic and
 * lumbar spine; Panjabi 1991/1992). Discs are then found as endplate bands (findDiscSpaces.ts) and
 * bodies measured as for any trace, all reported as cut by the field of view; labels need
 * anatomical anchors, so a crop without them stays unlabelled (no invented count).
 */
import { chainAcrossSlices } from './chainAcrossSlices.js';
import type { LpsGrid } from './resampleToLpsGrid.js';
import type { CanalTrace } from './traceSpinalCanal.js';

interface EdgeRun {
  readonly k: number;
  /** Run centre x (LPS mm). */
  readonly x: number;
  readonly widthMm: number;
  /** y (LPS mm) of the posterior-most valid row at the run centre. */
  readonly yEdge: number;
  /** y (LPS mm) of the anterior cortex, or NaN where the body abuts another dense structure. */
  readonly yFront: number;
}

const MIN_BODY_HU = 90;
const MAX_BODY_HU = 300;
const MIN_WIDTH_MM = 15;
const MAX_WIDTH_MM = 50;
const MIN_COLUMN_MM = 50;
const MAX_GAP_MM = 15;

/** Runs of trabecular-bone density along the posterior edge of each axial slice. */
function findEdgeRuns(grid: LpsGrid): EdgeRun[] {
  const [nx, ny, nz] = grid.dims;
  const s = grid.spacingMm;
  const D = grid.data;
  const out: EdgeRun[] = [];
  const edgeHu = new Float64Array(nx);
  const edgeJ = new Int32Array(nx);
  for (let k = 0; k < nz; k++) {
    const base = k * nx * ny;
    for (let i = 0; i < nx; i++) {
      let j = ny - 1;
      while (j >= 0 && !(D[base + j * nx + i]! === D[base + j * nx + i]!)) j--;
      edgeJ[i] = j;
      if (j < 1) {
        edgeHu[i] = Number.NaN;
        continue;
      }
      // The two posterior-most rows: the cut surface of the body (its interior, not a cortex).
      edgeHu[i] = 0.5 * (D[base + j * nx + i]! + D[base + (j - 1) * nx + i]!);
    }
    let start = -1;
    for (let i = 0; i <= nx; i++) {
      const on = i < nx && edgeHu[i]! >= MIN_BODY_HU;
      if (on && start < 0) start = i;
      if (on || start < 0) continue;
      const a = start;
      const b = i - 1;
      start = -1;
      const widthMm = (b - a + 1) * s;
      if (widthMm < MIN_WIDTH_MM || widthMm > MAX_WIDTH_MM) continue;
      const vals = Array.from(edgeHu.subarray(a, b + 1)).sort((p, q) => p - q);
      const median = vals[vals.length >> 1]!;
      if (median >= MAX_BODY_HU) continue;
      const ic = Math.round((a + b) / 2);
      const je = edgeJ[ic]!;
      // Anterior cortex: going anteriorly from the edge, the last bone-density row before 3 mm of
      // soft tissue, fat or lung (< 60 HU: oesophagus, crura, mediastinal fat) within 50 mm; NaN
      // where no such drop is seen (a body abutting a contrast-filled heart or vessel).
      let front = Number.NaN;
      let below = 0;
      for (let j = je; j >= Math.max(0, je - Math.round(50 / s)); j--) {
        const h = (D[base + j * nx + ic - 1]! + D[base + j * nx + ic]! + D[base + j * nx + ic + 1]!) / 3;
        below = h < 60 ? below + 1 : 0;
        if (below * s >= 3) {
          front = j + below;
          break;
        }
      }
      const yEdge = grid.originLps[1] + je * s;
      const yFront = front === front && (je - front) * s >= 8 ? grid.originLps[1] + front * s : Number.NaN;
      out.push({ k, x: grid.originLps[0] + ((a + b) / 2) * s, widthMm, yEdge, yFront });
    }
  }
  return out;
}

/** The body column at the posterior edge of the field of view, as a trace with a virtual canal; null when none. */
export function traceBodyColumnAtEdge(grid: LpsGrid): CanalTrace | null {
  const runs = findEdgeRuns(grid);
  if (runs.length < 3) return null;
  const s = grid.spacingMm;
  // A vertebral column drifts little between neighbouring slices (scoliosis ≤ ~1 mm per mm of z).
  const chain = chainAcrossSlices(runs, s, MAX_GAP_MM, (pc, cc, dz) => {
    const dx = Math.abs(cc.x - pc.x);
    return dx > 4 + 0.5 * dz ? null : 0.1 * dx;
  });
  const first = chain[0]!;
  const last = chain[chain.length - 1]!;
  if ((last.k - first.k) * s < MIN_COLUMN_MM) return null;
  const k0 = first.k;
  const k1 = last.k;
  const len = k1 - k0 + 1;
  const w = Math.max(1, Math.round(20 / s));
  const median = (vals: number[]): number => {
    const v = vals.filter((x) => x === x).sort((p, q) => p - q);
    return v.length ? v[v.length >> 1]! : Number.NaN;
  };
  const xMm = new Float64Array(len);
  const yMm = new Float64Array(len);
  const bodyYMm = new Float64Array(len);
  const halfDepthMm = new Float64Array(len);
  for (let q = 0; q < len; q++) {
    const k = k0 + q;
    const near = chain.filter((r) => Math.abs(r.k - k) <= w);
    const x = median(near.map((r) => r.x));
    const half = Math.min(22, Math.max(8, 0.45 * median(near.map((r) => r.widthMm))));
    const yEdge = median(near.map((r) => r.yEdge));
    let yFront = median(near.map((r) => r.yFront));
    if (!(yFront === yFront)) yFront = median(chain.map((r) => r.yFront));
    if (!(yFront === yFront)) return null;
    xMm[q] = x;
    // The body point is the middle of the part in view (the body is measured from rays cast from
    // it, 0.55–1.8 half-depths out: measureVertebralBody.ts), or the body's centre where the cut
    // lies behind it; the half-depth is that of the part in view.
    const inView = Math.min(half, (yEdge - yFront) / 2);
    bodyYMm[q] = yFront + inView;
    halfDepthMm[q] = inView;
    // Virtual canal: just beyond the cut (somewhere behind it; nothing of it is in view), so the
    // search for the body's posterior wall ends at the cut.
    yMm[q] = yEdge + 1;
  }
  const z0 = grid.originLps[2];
  const pointsLps = new Float64Array(3 * len);
  for (let q = 0; q < len; q++) {
    pointsLps[3 * q] = xMm[q]!;
    pointsLps[3 * q + 1] = yMm[q]!;
    pointsLps[3 * q + 2] = z0 + (k0 + q) * s;
  }
  const min: [number, number, number] = [Infinity, Infinity, Infinity];
  const max: [number, number, number] = [-Infinity, -Infinity, -Infinity];
  for (let q = 0; q < pointsLps.length; q++) {
    min[q % 3] = Math.min(min[q % 3]!, pointsLps[q]!);
    max[q % 3] = Math.max(max[q % 3]!, pointsLps[q]!);
  }
  return {
    pointsLps,
    length: len,
    slices: { k0, k1, xMm, yMm, bodyYMm, halfDepthMm },
    xMm,
    yMm,
    reachLps: { min, max },
    chain: [],
    tracked: [],
    foundRange: [0, len - 1],
    enclosedFraction: 0,
    canalOutOfView: true,
  };
}
