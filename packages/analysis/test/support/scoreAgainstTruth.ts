/**
 * Test helper: VerSe-style scoring of an analysis result against truth centroids.
 * A truth vertebra is identified when the nearest detected centroid is within 20 mm and that
 * detection's label equals the truth label (Sekuboyina et al., VerSe 2021, identification rate).
 */
import type { SpineAnalysisResult, VertebraResult } from '../../src/index.js';

export interface TruthVertebra {
  readonly label: string;
  readonly centroidLps: readonly number[];
}

export interface Score {
  readonly identificationRate: number;
  /** Centroid errors of the identified truth vertebrae, by label. */
  readonly errorsMm: Record<string, number>;
  readonly meanErrorMm: number;
  readonly maxErrorMm: number;
  readonly matched: Record<string, VertebraResult>;
}

export function scoreAgainstTruth(result: SpineAnalysisResult, truth: readonly TruthVertebra[], options: { requireLabel?: boolean } = {}): Score {
  const requireLabel = options.requireLabel ?? true;
  const errorsMm: Record<string, number> = {};
  const matched: Record<string, VertebraResult> = {};
  let identified = 0;
  for (const t of truth) {
    let best: VertebraResult | null = null;
    let bestD = Infinity;
    for (const v of result.vertebrae) {
      const d = Math.hypot(v.centroidLps[0] - t.centroidLps[0]!, v.centroidLps[1] - t.centroidLps[1]!, v.centroidLps[2] - t.centroidLps[2]!);
      if (d < bestD) {
        bestD = d;
        best = v;
      }
    }
    if (best && bestD < 20 && (!requireLabel || best.label === t.label)) {
      identified++;
      errorsMm[t.label] = bestD;
      matched[t.label] = best;
    }
  }
  const errs = Object.values(errorsMm);
  return {
    identificationRate: truth.length ? identified / truth.length : 0,
    errorsMm,
    meanErrorMm: errs.length ? errs.reduce((a, b) => a + b, 0) / errs.length : Infinity,
    maxErrorMm: errs.length ? Math.max(...errs) : Infinity,
    matched,
  };
}
