/**
 * The one configurable table of grading thresholds, each with its published source.
 * Genant HK et al., J Bone Miner Res 1993;8:1137–48 (semi-quantitative fracture grades);
 * Meyerding HW, Surg Gynecol Obstet 1932;54:371–7 (slip grades);
 * canal stenosis cut-offs as used in the spine literature (lumbar: Verbiest 1954, Ullrich 1980;
 * cervical: Pavlov 1987 / Edwards & LaRocca 1983);
 * scoliosis: Scoliosis Research Society definition, Cobb ≥ 10°;
 * Pickhardt PJ et al., Ann Intern Med 2013;158:588–95 (L1 trabecular HU).
 */
export interface FindingThresholds {
  readonly genant: {
    /** Height-loss fractions: below grade1 normal; [grade1, grade2) grade 1; [grade2, grade3] grade 2; above grade3 grade 3. */
    readonly grade1: number;
    readonly grade2: number;
    readonly grade3: number;
    readonly source: string;
  };
  readonly meyerding: {
    /** Upper bounds of grades I–IV in % slip; above the last bound grade V. Below minPercent (10 %, ~3 mm: the measured noise on synthetic spines reaches 8 %) no finding is reported. */
    readonly upperBoundsPercent: readonly [number, number, number, number];
    readonly minPercent: number;
    readonly source: string;
  };
  readonly canalStenosis: {
    readonly lumbarAbsoluteMm: number;
    readonly lumbarRelativeMm: number;
    readonly cervicalAbsoluteMm: number;
    readonly cervicalRelativeMm: number;
    readonly source: string;
  };
  readonly scoliosis: { readonly minCobbDeg: number; readonly source: string };
  readonly boneDensity: {
    readonly level: 'L1';
    /** ≤ highlySpecificHu: osteoporosis highly likely. */
    readonly highlySpecificHu: number;
    /** ≤ sensitiveHu: low bone density (sensitive threshold). */
    readonly sensitiveHu: number;
    readonly source: string;
  };
}

export const defaultFindingThresholds: FindingThresholds = {
  genant: {
    grade1: 0.2,
    grade2: 0.25,
    grade3: 0.4,
    source: 'Genant HK et al. Vertebral fracture assessment using a semiquantitative technique. J Bone Miner Res 1993;8:1137-48',
  },
  meyerding: {
    upperBoundsPercent: [25, 50, 75, 100],
    minPercent: 10,
    source: 'Meyerding HW. Spondylolisthesis. Surg Gynecol Obstet 1932;54:371-7',
  },
  canalStenosis: {
    lumbarAbsoluteMm: 10,
    lumbarRelativeMm: 12,
    cervicalAbsoluteMm: 10,
    cervicalRelativeMm: 13,
    source: 'Lumbar: Verbiest 1954 / Ullrich 1980 (bony AP <10 mm absolute, 10-12 mm relative); cervical: Edwards & LaRocca 1983 (<10 mm absolute, 10-13 mm relative)',
  },
  scoliosis: { minCobbDeg: 10, source: 'Scoliosis Research Society: coronal Cobb angle >= 10 degrees' },
  boneDensity: {
    level: 'L1',
    highlySpecificHu: 110,
    sensitiveHu: 160,
    source: 'Pickhardt PJ et al. Opportunistic screening for osteoporosis using abdominal CT scans. Ann Intern Med 2013;158:588-95',
  },
};

/** Deep-ish merge of a partial threshold table over the defaults. */
export type FindingThresholdsOverride = { readonly [K in keyof FindingThresholds]?: Partial<FindingThresholds[K]> };

export function resolveFindingThresholds(override?: FindingThresholdsOverride): FindingThresholds {
  if (!override) return defaultFindingThresholds;
  return {
    genant: { ...defaultFindingThresholds.genant, ...override.genant },
    meyerding: { ...defaultFindingThresholds.meyerding, ...override.meyerding },
    canalStenosis: { ...defaultFindingThresholds.canalStenosis, ...override.canalStenosis },
    scoliosis: { ...defaultFindingThresholds.scoliosis, ...override.scoliosis },
    boneDensity: { ...defaultFindingThresholds.boneDensity, ...override.boneDensity },
  };
}
