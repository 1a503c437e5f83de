/**
 * Test-only synthetic spine CT (until @vertebra/phantom lands): stacked elliptic-cylinder
 * vertebral bodies with cortical shells, discs, a canal enclosed by a neural arch at pedicle
 * level, spinous and transverse processes, ribs on thoracic levels (head at the disc level,
 * 3 mm joint gap), a sacrum with alae and iliac wings, a torso, optional aorta with contrast,
 * bowel gas, a table and a metal screw. Ground truth is taken from the rendered body label map
 * (VerSe convention: body centroid) and the analytic body heights.
 */
import type { Mat3, Vec3, Volume } from '@vertebra/geometry';

export type Level = string;

export interface SyntheticSpineOptions {
  /** Labels cranial → caudal, e.g. ['T10', 'T11', 'T12', 'L1', ..., 'L5', 'S1']; 'S1' adds a sacrum + iliac wings. */
  readonly levels: readonly Level[];
  /** Levels that carry ribs (default: every T level). */
  readonly ribLevels?: readonly Level[];
  readonly spacingMm?: Vec3;
  /** Columns: unit i, j, k axes in LPS. Default identity. */
  readonly direction?: Mat3;
  /** Lateral (x, mm) offset of the spine as a function of the distance s (mm) below the top vertebra. */
  readonly lateralMm?: (sMm: number) => number;
  /** Antero-posterior offset (y, mm, +posterior) as a function of s. */
  readonly apMm?: (sMm: number) => number;
  /** Anterior height as a fraction of the normal height, per level (wedge fractures). */
  readonly anteriorHeightScale?: Readonly<Record<Level, number>>;
  /** Whole-body height scale per level (crush). */
  readonly heightScale?: Readonly<Record<Level, number>>;
  /** Trabecular HU per level (default 220). */
  readonly trabecularHu?: Readonly<Record<Level, number>>;
  /** Anterior translation (mm) of a level relative to the one below (spondylolisthesis). */
  readonly slipMm?: Readonly<Record<Level, number>>;
  readonly noiseHu?: number;
  readonly seed?: number;
  readonly aorta?: boolean;
  readonly bowelGas?: boolean;
  readonly table?: boolean;
  readonly metalScrewAt?: Level;
  /** Extra margin (mm) of soft tissue above the top and below the bottom structure. */
  readonly marginMm?: number;
}

export interface SyntheticVertebraTruth {
  readonly label: Level;
  readonly centroidLps: Vec3;
  readonly axis: Vec3;
  readonly heightsMm: { anterior: number; middle: number; posterior: number };
  readonly apDepthMm: number;
  readonly trabecularHu: number;
  readonly hasRibs: boolean;
}

export interface SyntheticSpine {
  readonly volume: Volume<Int16Array>;
  readonly bodyLabels: Uint8Array;
  readonly truth: readonly SyntheticVertebraTruth[];
}

interface Vert {
  label: Level;
  c: Vec3;
  u: Vec3;
  ap: Vec3; // anterior unit vector
  lr: Vec3; // left unit vector
  h: number;
  a: number; // LR semi-axis
  b: number; // AP semi-axis
  antScale: number;
  trab: number;
  ribs: boolean;
  lumbar: boolean;
  sacral: boolean;
  discBelow: number;
}

function mulberry32(seed: number): () => number {
  let t = seed >>> 0;
  return () => {
    t = (t + 0x6d2b79f5) >>> 0;
    let r = Math.imul(t ^ (t >>> 15), 1 | t);
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
    return ((r ^ (r >>> 14)) >>> 0) / 4294967296;
  };
}

const sub = (p: Vec3, q: Vec3): Vec3 => [p[0] - q[0], p[1] - q[1], p[2] - q[2]];
const dotv = (p: Vec3, q: Vec3): number => p[0] * q[0] + p[1] * q[1] + p[2] * q[2];
const unit = (p: Vec3): Vec3 => {
  const n = Math.hypot(p[0], p[1], p[2]);
  return [p[0] / n, p[1] / n, p[2] / n];
};
const crossv = (p: Vec3, q: Vec3): Vec3 => [p[1] * q[2] - p[2] * q[1], p[2] * q[0] - p[0] * q[2], p[0] * q[1] - p[1] * q[0]];

function segDist2(p: Vec3, a: Vec3, b: Vec3): number {
  const ab = sub(b, a);
  const ap = sub(p, a);
  const t = Math.max(0, Math.min(1, dotv(ap, ab) / dotv(ab, ab)));
  const d: Vec3 = [ap[0] - t * ab[0], ap[1] - t * ab[1], ap[2] - t * ab[2]];
  return dotv(d, d);
}

export function buildSyntheticSpine(options: SyntheticSpineOptions): SyntheticSpine {
  const spacing = options.spacingMm ?? [1.5, 1.5, 1.5];
  const dir = options.direction ?? ([1, 0, 0, 0, 1, 0, 0, 0, 1] as Mat3);
  const lat = options.lateralMm ?? (() => 0);
  const apf = options.apMm ?? (() => 0);
  const rand = mulberry32(options.seed ?? 1);
  const noise = options.noiseHu ?? 15;
  const ribLevels = new Set(options.ribLevels ?? options.levels.filter((l) => l.startsWith('T')));

  // Place vertebrae along the curve, s = distance below the top body's centre.
  const pos = (s: number): Vec3 => [lat(s), apf(s), -s];
  const verts: Vert[] = [];
  let s = 0;
  for (let n = 0; n < options.levels.length; n++) {
    const label = options.levels[n]!;
    const lumbar = label.startsWith('L');
    const sacral = label.startsWith('S');
    const cervical = label.startsWith('C');
    // Thoracic bodies grow caudally (T1 ≈ 17.6 mm … T12 ≈ 24.2 mm); lumbar 26 mm; cervical 14 mm.
    const tNum = label.startsWith('T') ? Number(label.slice(1)) : 0;
    const h0 = cervical ? 14 : lumbar || sacral ? 26 : 17 + 0.6 * tNum;
    const h = h0 * (options.heightScale?.[label] ?? 1);
    const discBelow = cervical ? 5 : lumbar ? 9 : 6;
    if (n > 0) s += h / 2;
    // Posterior walls (and the canal) line up along the curve; bigger bodies reach further forward.
    const bAp = cervical ? 8 : lumbar || sacral ? 17 : 14;
    const c0raw = pos(s);
    const c0: Vec3 = [c0raw[0], c0raw[1] - (bAp - 14), c0raw[2]];
    const tangent = unit(sub(pos(s - 1), pos(s + 1)));
    const apRaw: Vec3 = [0, -1, 0];
    const ap = unit(sub(apRaw, [tangent[0] * dotv(apRaw, tangent), tangent[1] * dotv(apRaw, tangent), tangent[2] * dotv(apRaw, tangent)]));
    const lr = crossv(ap, tangent);
    verts.push({
      label,
      c: c0,
      u: tangent,
      ap,
      lr: dotv(lr, [1, 0, 0]) >= 0 ? lr : [-lr[0], -lr[1], -lr[2]],
      h,
      a: cervical ? 9 : lumbar || sacral ? 24 : 17,
      b: bAp,
      antScale: options.anteriorHeightScale?.[label] ?? 1,
      trab: options.trabecularHu?.[label] ?? 220,
      ribs: ribLevels.has(label),
      lumbar,
      sacral,
      discBelow,
    });
    s += h / 2 + discBelow;
  }
  // Slips: shift a level and everything above it anteriorly.
  if (options.slipMm) {
    for (let n = verts.length - 1; n >= 0; n--) {
      const d = options.slipMm[verts[n]!.label];
      if (!d) continue;
      for (let m = 0; m <= n; m++) {
        const v = verts[m]!;
        v.c = [v.c[0] + v.ap[0] * d, v.c[1] + v.ap[1] * d, v.c[2] + v.ap[2] * d];
      }
    }
  }

  const last = verts[verts.length - 1]!;
  const first = verts[0]!;
  const margin = options.marginMm ?? 12;
  const hasSacrum = last.sacral;
  const zTop = first.c[2] + first.h / 2 + margin;
  const zBottom = last.c[2] - last.h / 2 - (hasSacrum ? 70 : 0) - margin;
  const box = { x0: -125, x1: 125, y0: -105, y1: 115, z0: zBottom, z1: zTop };
  const centre: Vec3 = [(box.x0 + box.x1) / 2, (box.y0 + box.y1) / 2, (box.z0 + box.z1) / 2];
  const size: Vec3 = [box.x1 - box.x0, box.y1 - box.y0, box.z1 - box.z0];
  const dims = [0, 1, 2].map((ax) => {
    const col: Vec3 = [dir[ax]!, dir[3 + ax]!, dir[6 + ax]!];
    const extent = Math.abs(col[0]) * size[0] + Math.abs(col[1]) * size[1] + Math.abs(col[2]) * size[2];
    return Math.max(1, Math.round(extent / spacing[ax]!) + 1);
  }) as [number, number, number];
  const half: Vec3 = [((dims[0] - 1) * spacing[0]) / 2, ((dims[1] - 1) * spacing[1]) / 2, ((dims[2] - 1) * spacing[2]) / 2];
  const origin: Vec3 = [
    centre[0] - (dir[0] * half[0] + dir[1] * half[1] + dir[2] * half[2]),
    centre[1] - (dir[3] * half[0] + dir[4] * half[1] + dir[5] * half[2]),
    centre[2] - (dir[6] * half[0] + dir[7] * half[1] + dir[8] * half[2]),
  ];

  // Rib polylines (local frame of each rib-bearing vertebra).
  interface Capsule { a: Vec3; b: Vec3; r: number }
  const ribs: Capsule[] = [];
  const toWorld = (v: Vert, x: number, y: number, hh: number): Vec3 => [
    v.c[0] + v.lr[0] * x + v.ap[0] * y + v.u[0] * hh,
    v.c[1] + v.lr[1] * x + v.ap[1] * y + v.u[1] * hh,
    v.c[2] + v.lr[2] * x + v.ap[2] * y + v.u[2] * hh,
  ];
  for (const v of verts) {
    if (!v.ribs) continue;
    for (const side of [-1, 1]) {
      const yc = -(v.b + 8);
      const pts: Vec3[] = [
        toWorld(v, side * (v.a + 4), -v.b + 3, v.h / 2 - 2),
        toWorld(v, side * (v.a + 30), yc - 4, v.h / 2 - 6),
        toWorld(v, side * 85, yc - 12, v.h / 2 - 20),
        toWorld(v, side * 112, 5, v.h / 2 - 38),
        toWorld(v, side * 90, 60, v.h / 2 - 55),
      ];
      for (let n = 0; n + 1 < pts.length; n++) ribs.push({ a: pts[n]!, b: pts[n + 1]!, r: 4.5 });
    }
  }

  const data = new Int16Array(dims[0] * dims[1] * dims[2]);
  const labels = new Uint8Array(data.length);
  const screwVert = options.metalScrewAt ? verts.find((v) => v.label === options.metalScrewAt) : undefined;
  const gasBlobs: { c: Vec3; r: number }[] = [];
  if (options.bowelGas) {
    for (let n = 0; n < 8; n++) {
      const vz = verts[Math.floor(rand() * verts.length)]!;
      gasBlobs.push({ c: [(rand() - 0.5) * 120, -70 - rand() * 25, vz.c[2] + (rand() - 0.5) * 20], r: 8 + rand() * 10 });
    }
  }

  let n = 0;
  for (let k = 0; k < dims[2]; k++) {
    for (let j = 0; j < dims[1]; j++) {
      for (let i = 0; i < dims[0]; i++, n++) {
        const si = i * spacing[0];
        const sj = j * spacing[1];
        const sk = k * spacing[2];
        const p: Vec3 = [
          origin[0] + dir[0] * si + dir[1] * sj + dir[2] * sk,
          origin[1] + dir[3] * si + dir[4] * sj + dir[5] * sk,
          origin[2] + dir[6] * si + dir[7] * sj + dir[8] * sk,
        ];
        let hu = -1000;
        // Torso ellipse centred 40 mm anterior of the spine.
        const tx = p[0] / 135;
        const ty = (p[1] + 20) / 100;
        if (tx * tx + ty * ty <= 1) hu = 35;
        if (options.table && p[1] > 100 && p[1] < 110) hu = 300;
        if (hu > -1000) {
          if (options.aorta && p[2] > last.c[2] + (hasSacrum ? 60 : 0)) {
            const ax = p[0] - 18;
            const ay = p[1] - (-40);
            if (ax * ax + ay * ay < 121) hu = 280;
          }
          for (const g of gasBlobs) {
            const d = sub(p, g.c);
            if (dotv(d, d) < g.r * g.r) hu = -900;
          }
          for (let m = 0; m < verts.length; m++) {
            const v = verts[m]!;
            const d = sub(p, v.c);
            const hh = dotv(d, v.u);
            if (hh > v.h / 2 + 60 || hh < -v.h / 2 - 90) continue;
            const x = dotv(d, v.lr);
            const y = dotv(d, v.ap);
            const e = (x / v.a) ** 2 + (y / v.b) ** 2;
            // Body with a wedge top surface.
            const topH = -v.h / 2 + v.h * (1 - (1 - v.antScale) * (y / v.b + 1) / 2);
            if (e <= 1 && hh >= -v.h / 2 && hh <= topH) {
              const inner = (x / (v.a - 1.6)) ** 2 + (y / (v.b - 1.6)) ** 2 <= 1 && hh >= -v.h / 2 + 1.4 && hh <= topH - 1.4;
              const boneHu = inner ? v.trab : 750;
              if (boneHu > hu || hu < 100) hu = boneHu;
              labels[n] = m + 1;
              continue;
            }
            // Disc below (not below the sacrum's S1: a thin residual disc there).
            const discH = v.sacral ? 3 : v.discBelow + 1.5;
            if (m + 1 < verts.length || v.sacral) {
              if (e <= 1 && hh < -v.h / 2 && hh >= -v.h / 2 - discH && hu < 100) hu = v.sacral ? 140 : 85;
            }
            // Canal and neural arch.
            const yc = -(v.b + 8);
            const rcx = v.lumbar || v.sacral ? 11 : 9;
            const rcy = 8;
            const cx = x / rcx;
            const cy = (y - yc) / rcy;
            const canal = cx * cx + cy * cy <= 1;
            const ox = x / (rcx + 5);
            const oy = (y - yc) / (rcy + 5);
            const archLevel = hh >= -v.h / 2 + 0.3 * v.h && hh <= v.h / 2;
            if (!canal && ox * ox + oy * oy <= 1 && y <= -v.b + 1 && archLevel) hu = Math.max(hu, 550);
            // Spinous process.
            if (Math.abs(x) <= 3 && y <= yc - rcy - 3 && y >= yc - rcy - 35 && hh >= -v.h / 2 - 4 && hh <= v.h / 2 - 6) hu = Math.max(hu, 550);
            // Transverse processes.
            const tpLen = v.lumbar ? 48 : 30;
            if (Math.abs(x) >= rcx + 3 && Math.abs(x) <= tpLen && Math.abs(y - yc) <= 4 && hh >= 0 && hh <= v.h / 2 - 3 && !v.sacral) hu = Math.max(hu, 550);
            // Sacrum: fused segments below S1, alae and iliac wings.
            if (v.sacral) {
              if (hh < -v.h / 2 - 3 && hh >= -v.h / 2 - 75) {
                const taper = 1 + (hh + v.h / 2) / 120;
                const ee = (x / (v.a * taper)) ** 2 + (y / (v.b * taper)) ** 2;
                if (ee <= 1) hu = Math.max(hu, 300);
                if (!canal && ox * ox + oy * oy <= 1 && y <= -v.b + 1) hu = Math.max(hu, 450);
              }
              if (Math.abs(x) >= v.a - 2 && Math.abs(x) <= 68 && y <= 5 && y >= -v.b - 20 && hh <= v.h / 2 - 2 && hh >= -v.h / 2 - 40) hu = Math.max(hu, 380);
              if (Math.abs(x) >= 72 && Math.abs(x) <= 125 && y >= -45 - (Math.abs(x) - 72) * 0.3 && y <= 25 && hh <= v.h / 2 + 45 && hh >= -v.h / 2 - 60) {
                const ax = Math.abs(x);
                const plateY = -10 + (ax - 72) * 0.35;
                if (Math.abs(y - plateY) <= 6) hu = Math.max(hu, 450);
              }
            }
          }
          for (const r of ribs) {
            if (Math.abs(p[2] - (r.a[2] + r.b[2]) / 2) > Math.abs(r.a[2] - r.b[2]) / 2 + 6) continue;
            if (segDist2(p, r.a, r.b) <= r.r * r.r) hu = Math.max(hu, 520);
          }
          if (screwVert) {
            const v = screwVert;
            const d = sub(p, v.c);
            const hh = dotv(d, v.u);
            const x = dotv(d, v.lr);
            const y = dotv(d, v.ap);
            // Pedicle screw from the back, through the left pedicle, towards the body centre.
            const a: Vec3 = [12, -(v.b + 30), 2];
            const b: Vec3 = [4, 6, 2];
            if (segDist2([x, y, hh], a, b) <= 9) hu = 3071;
          }
          hu += (rand() + rand() + rand() - 1.5) * noise * 2;
        }
        data[n] = Math.max(-1024, Math.min(3071, Math.round(hu)));
      }
    }
  }

  const sums = new Float64Array(4 * (verts.length + 1));
  {
    let q = 0;
    for (let k = 0; k < dims[2]; k++) {
      for (let j = 0; j < dims[1]; j++) {
        for (let i = 0; i < dims[0]; i++, q++) {
          const l = labels[q]!;
          if (!l) continue;
          sums[4 * l]! += i;
          sums[4 * l + 1]! += j;
          sums[4 * l + 2]! += k;
          sums[4 * l + 3]! += 1;
        }
      }
    }
  }
  const truth: SyntheticVertebraTruth[] = verts.map((v, m) => {
    const cx = sums[4 * (m + 1)]!;
    const cy = sums[4 * (m + 1) + 1]!;
    const cz = sums[4 * (m + 1) + 2]!;
    const count = sums[4 * (m + 1) + 3]!;
    const ijk: Vec3 = [(cx / count) * spacing[0], (cy / count) * spacing[1], (cz / count) * spacing[2]];
    const centroid: Vec3 = [
      origin[0] + dir[0] * ijk[0] + dir[1] * ijk[1] + dir[2] * ijk[2],
      origin[1] + dir[3] * ijk[0] + dir[4] * ijk[1] + dir[5] * ijk[2],
      origin[2] + dir[6] * ijk[0] + dir[7] * ijk[1] + dir[8] * ijk[2],
    ];
    // Heights at the anterior and posterior walls (where Genant morphometry reads them) and at the centre.
    const heightAt = (y: number): number => v.h * (1 - (1 - v.antScale) * (y / v.b + 1) / 2);
    return {
      label: v.label,
      centroidLps: centroid,
      axis: v.u,
      heightsMm: { anterior: heightAt(v.b), middle: heightAt(0), posterior: heightAt(-v.b) },
      apDepthMm: 2 * v.b,
      trabecularHu: v.trab,
      hasRibs: v.ribs,
    };
  });

  return {
    volume: { dimensions: dims, spacingMm: spacing, originLps: origin, direction: dir, data, valueUnit: 'HU' },
    bodyLabels: labels,
    truth,
  };
}
