/**
 * Anchor-based vertebral labelling (never counted from the edge of the field of view):
 * - last rib pair → T12 (the lowest rib-bearing vertebra with a rib-free vertebra below it);
 * - sacrum (alae + ilium) → S1 (the most cranial sacral segment below a disc);
 * - full rib count when a rib-free vertebra is seen above the first rib (cervical in view).
 * With both anchors the lumbar count between them is checked: 5 is normal; 6 (L6 / lumbarised
 * S1) and 4 (sacralised L5 / 11 rib pairs) are reported as transitional with the alternative
 * numbering (Castellvi 1984; Hughes & Saifuddin 2006 on numbering variants). With no anchor
 * every vertebra stays unlabelled; rib-bearing ones are marked thoracic.
 */
import type { AnchorUsed, SpineRegion, VertebraLevel } from './SpineAnalysisResult.js';

export interface LabelInput {
  readonly ribScore: number;
  readonly sacralScore: number;
  /** Bounded by a disc above (so a sacral segment here is really S1, not a lower segment). */
  readonly discAbove: boolean;
  /** Cut by the field of view: absence of ribs on it is no evidence. */
  readonly truncated?: boolean;
  readonly detectionConfidence: number;
  /**
   * The previous detection is too far above to be the adjacent vertebra (vertebrae between them
   * were not detected): labels are never counted across such a gap.
   */
  readonly gapAbove?: boolean;
}

export interface LabelOutput {
  readonly labels: (VertebraLevel | null)[];
  readonly alternatives: (VertebraLevel | null)[];
  readonly regions: SpineRegion[];
  readonly confidences: number[];
  readonly hasRibs: boolean[];
  readonly isSacral: boolean[];
  readonly anchors: AnchorUsed[];
  readonly notes: string[];
  /** Transitional anatomy description, or null. */
  readonly transitional: { description: string; index: number; confidence: number } | null;
}

/** A rib crosses the lateral window in only part of its vertebra's slab; 10 % of slices on both sides is specific (lumbar levels score 0). */
const RIB_SCORE_MIN = 0.1;

const ORDER: readonly VertebraLevel[] = [
  'C1', 'C2', 'C3', 'C4', 'C5', 'C6', 'C7',
  'T1', 'T2', 'T3', 'T4', 'T5', 'T6', 'T7', 'T8', 'T9', 'T10', 'T11', 'T12',
  'L1', 'L2', 'L3', 'L4', 'L5', 'S1',
];

export function regionOf(level: VertebraLevel | null): SpineRegion {
  if (!level) return 'unknown';
  if (level === 'sacrum' || level.startsWith('S')) return 'sacral';
  if (level.startsWith('C')) return 'cervical';
  if (level.startsWith('T')) return 'thoracic';
  return 'lumbar';
}

/** Normal-anatomy label at offset `delta` from `level` (null beyond C1 or S1). */
function shift(level: VertebraLevel, delta: number): VertebraLevel | null {
  const idx = ORDER.indexOf(level);
  if (idx < 0) return null;
  const q = idx + delta;
  if (q < 0) return null;
  if (q >= ORDER.length) return 'sacrum';
  return ORDER[q]!;
}

export function labelVertebrae(inputs: readonly LabelInput[]): LabelOutput {
  const n = inputs.length;
  // Runs of consecutive detections without a gap: an anchor labels only its own run.
  const run: number[] = [];
  for (let i = 0; i < n; i++) run.push(i === 0 ? 0 : run[i - 1]! + (inputs[i]!.gapAbove ? 1 : 0));
  const isSacral = inputs.map((v) => v.sacralScore >= 0.3);
  // Sacral segments only count from the first one downwards.
  const firstSacral = isSacral.indexOf(true);
  for (let i = 0; i < n; i++) isSacral[i] = firstSacral >= 0 && i >= firstSacral;
  const hasRibs = inputs.map((v, i) => v.ribScore >= RIB_SCORE_MIN && !isSacral[i]);
  const ilium: number[] = [];
  if (firstSacral > 0) {
    // Rib-like bone on one of the two vertebrae above the sacrum, with a rib-free vertebra above
    // it, is the iliac crest, not a rib.
    for (let i = Math.max(1, firstSacral - 2); i < firstSacral; i++) {
      if (hasRibs[i] && !hasRibs[i - 1]) {
        hasRibs[i] = false;
        ilium.push(i);
      }
    }
  }
  const labels: (VertebraLevel | null)[] = new Array<VertebraLevel | null>(n).fill(null);
  const alternatives: (VertebraLevel | null)[] = new Array<VertebraLevel | null>(n).fill(null);
  const confidences = new Array<number>(n).fill(0);
  const anchors: AnchorUsed[] = [];
  const notes: string[] = ilium.map((i) => `lateral bone beside #${i}, just above the sacrum, taken as iliac crest rather than ribs`);
  let transitional: LabelOutput['transitional'] = null;

  // S1 anchor.
  let s1 = -1;
  if (firstSacral >= 0 && inputs[firstSacral]!.discAbove) {
    s1 = firstSacral;
    anchors.push({
      kind: 'sacrum',
      vertebraIndex: s1,
      level: 'S1',
      confidence: Math.min(1, 0.5 + inputs[s1]!.sacralScore),
      detail: `sacral alae / iliac bone beside segment #${s1} (score ${inputs[s1]!.sacralScore.toFixed(2)}), L5/S1 disc above it`,
    });
  } else if (firstSacral >= 0) {
    notes.push('sacrum seen at the edge of the field of view without the lumbosacral disc: not used as an anchor');
  }
  // Last-rib anchor: last rib-bearing vertebra followed by a rib-free one.
  let lastRib = -1;
  for (let i = 0; i + 1 < n; i++) if (hasRibs[i] && !hasRibs[i + 1] && !inputs[i + 1]!.truncated && run[i] === run[i + 1]) lastRib = i;
  if (lastRib >= 0) {
    anchors.push({
      kind: 'last-rib',
      vertebraIndex: lastRib,
      level: 'T12',
      confidence: Math.min(1, 0.45 + inputs[lastRib]!.ribScore),
      detail: `lowest rib-bearing vertebra #${lastRib} (rib score ${inputs[lastRib]!.ribScore.toFixed(2)}); #${lastRib + 1} has no ribs`,
    });
  } else if (hasRibs.some(Boolean)) {
    notes.push('ribs continue to the caudal edge of the field of view (or the next vertebra is cut by it): the last rib pair is not established');
  }
  // Full rib count when a rib-free vertebra is seen above the first rib-bearing one.
  const firstRib = hasRibs.indexOf(true);
  let ribCount = -1;
  // Only a complete rib-free vertebra above counts (cervical in view), and only a plausible count.
  if (firstRib > 0 && !hasRibs[firstRib - 1] && !inputs[firstRib - 1]!.truncated && lastRib >= firstRib && run[firstRib] === run[lastRib] && lastRib - firstRib + 1 >= 10) {
    ribCount = lastRib - firstRib + 1;
    anchors.push({
      kind: 'rib-count',
      vertebraIndex: firstRib,
      level: 'T1',
      confidence: 0.7,
      detail: `${ribCount} rib-bearing vertebrae between #${firstRib} and #${lastRib}, rib-free vertebra above`,
    });
  }

  const assignFrom = (anchorIndex: number, level: VertebraLevel, conf: number): void => {
    for (let i = 0; i < n; i++) {
      if (run[i] !== run[anchorIndex]) continue;
      const lab = shift(level, i - anchorIndex);
      labels[i] = lab;
      confidences[i] = lab ? conf * Math.pow(0.97, Math.abs(i - anchorIndex)) * inputs[i]!.detectionConfidence : 0;
    }
  };

  const ribConf = lastRib >= 0 ? anchors.find((x) => x.kind === 'last-rib')!.confidence : 0;
  const sacConf = s1 >= 0 ? anchors.find((x) => x.kind === 'sacrum')!.confidence : 0;
  if (lastRib >= 0 && s1 >= 0 && run[lastRib] !== run[s1]) {
    notes.push('undetected vertebrae between the last-rib and sacrum anchors: each labels only the vertebrae contiguous with it');
    assignFrom(lastRib, 'T12', ribConf * 0.9);
    assignFrom(s1, 'S1', sacConf * 0.9);
  } else if (lastRib >= 0 && s1 >= 0) {
    const lumbarCount = s1 - lastRib - 1;
    if (lumbarCount === 5) {
      assignFrom(s1, 'S1', Math.min(1, (ribConf + sacConf) / 2 + 0.1));
    } else if (lumbarCount === 6) {
      assignFrom(lastRib, 'T12', Math.min(ribConf, sacConf) * 0.8);
      labels[s1 - 1] = 'L6';
      for (let i = s1; i < n; i++) labels[i] = i === s1 ? 'S1' : 'sacrum';
      alternatives[s1 - 1] = 'S1';
      transitional = { description: 'six lumbar-type vertebrae: L6, alternatively a lumbarised S1 (or 11 rib pairs with T12 rib-free)', index: s1 - 1, confidence: Math.min(ribConf, sacConf) * 0.8 };
    } else if (lumbarCount === 4) {
      assignFrom(lastRib, 'T12', Math.min(ribConf, sacConf) * 0.8);
      for (let i = s1; i < n; i++) labels[i] = i === s1 ? 'S1' : 'sacrum';
      alternatives[s1] = 'L5';
      transitional = { description: 'four lumbar-type vertebrae: sacralised L5 (the first sacral segment), alternatively 13 rib pairs', index: s1, confidence: Math.min(ribConf, sacConf) * 0.8 };
    } else {
      notes.push(`last-rib and sacrum anchors disagree (${lumbarCount} vertebrae between them): labelled from the sacrum`);
      assignFrom(s1, 'S1', sacConf * 0.6);
    }
  } else if (s1 >= 0) {
    assignFrom(s1, 'S1', sacConf * 0.9);
    // Rib-bearing vertebra where L1 was expected: 13 rib pairs or T12 → note it.
    for (let i = 0; i < s1; i++) {
      if (hasRibs[i] && labels[i] && labels[i]!.startsWith('L')) {
        notes.push(`#${i} bears ribs but counts as ${labels[i]} from the sacrum: transitional (T13 / lumbar rib)`);
        alternatives[i] = 'T13';
      }
    }
  } else if (lastRib >= 0) {
    assignFrom(lastRib, 'T12', ribConf * 0.9);
    for (let i = lastRib + 1; i < n; i++) {
      if (labels[i] === 'S1' && !isSacral[i]) {
        labels[i] = 'L6';
        alternatives[i] = 'S1';
        transitional = { description: 'a sixth rib-free vertebra below T12 without sacral alae: L6 / lumbarised S1', index: i, confidence: ribConf * 0.6 };
      }
    }
  } else {
    notes.push('no anatomical anchor (last rib, sacrum, rib count) in view: vertebrae are reported unlabelled');
  }

  if (ribCount >= 0 && ribCount !== 12 && lastRib >= 0) {
    if (ribCount === 13) {
      // Thoracic column T1..T13 from the first rib; lumbar below.
      for (let i = 0; i < n; i++) {
        if (run[i] !== run[firstRib]) continue;
        const lab = i < firstRib ? shift('T1', i - firstRib) : i <= lastRib ? (i - firstRib === 12 ? 'T13' : shift('T1', i - firstRib)) : shift('L1', i - lastRib - 1);
        alternatives[i] = labels[i] ?? null;
        labels[i] = lab ?? null;
      }
      transitional = { description: '13 rib-bearing vertebrae: T13 (alternatively a lumbar rib on L1)', index: lastRib, confidence: 0.6 };
    } else if (ribCount === 11) {
      alternatives[lastRib] = 'T11';
      alternatives[lastRib + 1] = 'T12';
      transitional = { description: '11 rib-bearing vertebrae: 11 rib pairs (the vertebra labelled L1 may be a rib-free T12)', index: lastRib + 1, confidence: 0.6 };
    }
  }

  const anchoredRuns = new Set(anchors.map((a) => run[a.vertebraIndex]));
  if (anchors.length > 0 && run.some((r) => !anchoredRuns.has(r))) {
    notes.push('vertebrae separated from the anchors by undetected vertebrae are left unlabelled');
  }
  const regions: SpineRegion[] = labels.map((lab, i) => (lab ? regionOf(lab) : hasRibs[i] ? 'thoracic' : isSacral[i] ? 'sacral' : 'unknown'));
  for (let i = 0; i < n; i++) {
    // A rib-bearing vertebra labelled lumbar (or the reverse) lowers the confidence.
    if (labels[i] && hasRibs[i] !== (regions[i] === 'thoracic')) confidences[i] = confidences[i]! * 0.6;
  }
  if (!anchors.some((x) => x.kind === 'c2-dens')) notes.push('C1/C2 anchor not attempted by this version');
  return { labels, alternatives, regions, confidences, hasRibs, isSacral, anchors, notes, transitional };
}
