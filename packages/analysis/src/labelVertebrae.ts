/**
 * Anchor-based vertebral labelling: a label is only ever counted body by body from an anatomical
 * anchor found in the image, never from the edge of the field of view.
 * Anchors (each proposes a numbering of the run of contiguous detections it sits in):
 * - sacrum (alae + ilium beside a segment below a disc) → S1;
 * - last rib pair → T12: the lowest rib-bearing vertebra, with a rib-free vertebra below it whose
 *   rib test is reliable (complete or ≥ 9 mm of it in view, and its lateral rib window inside the
 *   field of view) and no rib-bearing one further down;
 * - first rib pair → T1: the highest rib-bearing vertebra with a reliable rib-free vertebra above
 *   it (without bone reaching beyond its transverse processes: a first rib seen only near its
 *   neck, or a cervical rib) and none rib-bearing further up;
 * - C2: the dens rising from the body without a disc (the atlanto-axial joint has none).
 * Where several anchors label the same run they must agree. A last rib and a sacrum one level
 * apart (four or six rib-free vertebrae between them) is transitional anatomy (sacralised L5 /
 * four lumbar vertebrae / 13 rib pairs, or L6 / lumbarised S1 / 11 rib pairs; Castellvi AE et al.,
 * Spine 1984;9:493–5), which the image alone cannot resolve: the column is labelled by convention
 * — counted from C2 when the dens is in view (Hughes RJ & Saifuddin A, AJR 2006;187:W59–65),
 * otherwise from the thoracolumbar junction, the last clearly rib-bearing vertebra being T12
 * (Carrino JA et al., Radiology 2011;259:196–202) — with the other numbering as every vertebra's
 * alternative, a reduced confidence and the variant reported. Under a faint last rib (possibly a
 * rudimentary lumbar rib; Yun et al., Korean J Radiol 2018;19:1140–7), under a last rib seen only
 * far laterally on a body cut by the field of view with four rib-free vertebrae and a full sacrum
 * below (it may be a T12 rib shaft passing beside a cut L1: labelling by it would mislabel a
 * normal spine by one level; not so where the rib is also seen joined to that body, towards the
 * edge of the view: scoreAnchors' ribScoreNear) and for any other disagreement, the vertebrae between the
 * disagreeing anchors are left unlabelled and both numberings are reported. Such a far rib still
 * settles six rib-free vertebrae (the sacrum numbering then needs 11 rib pairs whoever owns the
 * rib) and four above a segment with ala-like bone beside only part of its height (an L5 resting
 * on the sacrum as much as an S1, so that sacrum anchor cannot overrule the rib).
 * A rib-free L1 with a short rib beside it (a lumbar rib; a thoracolumbar transitional vertebra in
 * Yun et al.'s reading, Korean J Radiol 2018;19:1140–7) keeps the anchors' count and is reported as
 * a variant, with that reading's names (T13, then L1–L4) as the alternatives down to the sacrum.
 * Labels are never counted across undetected vertebrae (`gapAbove` breaks a run).
 */
import type { AnchorKind, AnchorUsed, SpineRegion, VertebraLevel } from './SpineAnalysisResult.js';

export interface LabelInput {
  readonly ribScore: number;
  /** Fraction of rib planes with rib-like bone on at least one side (default: ribScore). */
  readonly oneSidedRibScore?: number;
  /** ribScore with isolated rib sections counted only within 90 mm even when truncated (default: ribScore). */
  readonly ribScoreNear?: number;
  readonly sacralScore: number;
  /** Bounded by a disc above (so a sacral segment here is really S1, not a lower segment). */
  readonly discAbove: boolean;
  /** Cut by the field of view: absence of ribs on it is weak evidence. */
  readonly truncated?: boolean;
  /** Number of planes the rib test could look at (1.5 mm apart); default: reliable unless truncated. */
  readonly ribPlanes?: number;
  /** Fraction of the lateral rib window inside the field of view (default 1): absent ribs in a narrow crop are no evidence. */
  readonly ribWindowInView?: number;
  /** The rib seen here ends close to the vertebra: possibly a short rib (hypoplastic 12th or rudimentary lumbar rib). */
  readonly shortRib?: boolean;
  /** The dens rises from this body without a disc above it (C2). */
  readonly densAbove?: boolean;
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
/** Inside a rib-bearing block, a rib on one side in this fraction of the planes marks a rib-bearing vertebra. */
const ONE_SIDED_RIB_MIN = 0.5;
/** A rib-free verdict needs this many planes (≈ 9 mm of the body) when the body is cut by the field of view. */
const RIB_FREE_MIN_PLANES = 6;
/** …and most of the lateral window where ribs would be must be inside the field of view. */
const RIB_WINDOW_MIN_IN_VIEW = 0.9;

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

/** Normal-anatomy level at position q of ORDER (beyond S1: 'sacrum'; before C1: null). */
function levelAt(q: number): VertebraLevel | null {
  if (q < 0) return null;
  if (q >= ORDER.length) return 'sacrum';
  return ORDER[q]!;
}

interface Anchor {
  readonly kind: AnchorKind;
  readonly index: number;
  readonly level: VertebraLevel;
  /** ORDER position minus detection index: the numbering this anchor proposes. */
  readonly offset: number;
  readonly confidence: number;
  readonly detail: string;
  /** False for a last rib whose rib-bearing neighbours score weakly: it may not stand alone. */
  readonly strong?: boolean;
  /** A last rib clearly seen close to the vertebra (not a shaft descending from above): it may settle a transitional count. */
  readonly settles?: boolean;
  /** A sacrum anchor whose segment shows ala-like bone beside only part of its height (L5 resting on the sacrum, or S1). */
  readonly partial?: boolean;
  /** The anchor's own score (rib or sacral), for the report. */
  readonly score?: number;
}

/** Sacral alae flank S1 over most of its height (measured ≥ 0.78 on every phantom S1); ala-like bone beside less than half of a segment is equivocal. */
const SACRAL_FULL_SCORE = 0.5;

/** Label confidence factor under transitional anatomy (a convention, not an observation, picks the numbering). */
const TRANSITIONAL_CONFIDENCE = 0.6;

/** A last rib standing alone needs the ribs just above the boundary clearly seen (score ≥ 0.5, on the vertebra above too when it bears ribs). */
const LONE_LAST_RIB_MIN_SCORE = 0.5;

/**
 * Ribs clearly seen: on both sides in half the planes, or on one side in three quarters of them
 * and on both in a quarter (a plane slightly tilted against the rib pair meets the two ribs at
 * different heights, so each side shows in a different part of the slab).
 */
function clearRibs(v: LabelInput): boolean {
  return v.ribScore >= LONE_LAST_RIB_MIN_SCORE || (v.ribScore >= 0.25 && (v.oneSidedRibScore ?? v.ribScore) >= 0.75);
}

export function labelVertebrae(inputs: readonly LabelInput[]): LabelOutput {
  const n = inputs.length;
  const run: number[] = [];
  for (let i = 0; i < n; i++) run.push(i === 0 ? 0 : run[i - 1]! + (inputs[i]!.gapAbove ? 1 : 0));
  const isSacral = inputs.map((v) => v.sacralScore >= 0.3);
  // Sacral segments only count from the first one downwards.
  const firstSacral = isSacral.indexOf(true);
  for (let i = 0; i < n; i++) isSacral[i] = firstSacral >= 0 && i >= firstSacral;
  const notes: string[] = [];
  const hasRibs = inputs.map((v, i) => v.ribScore >= RIB_SCORE_MIN && !isSacral[i]);
  // Every vertebra between two rib-bearing ones of a run bears ribs (T1–T12 all articulate with a
  // pair): one inside the block with a rib seen on one side in at least half its planes lost the
  // other to rotation or tilt (scoliosis), not to absence. This only closes the block; its ends
  // (the anchors) still need ribs on both sides.
  for (let i = 1; i + 1 < n; i++) {
    if (hasRibs[i] || isSacral[i] || (inputs[i]!.oneSidedRibScore ?? 0) < ONE_SIDED_RIB_MIN) continue;
    const ribbedAbove = (() => {
      for (let j = i - 1; j >= 0 && run[j] === run[i]; j--) if (hasRibs[j]) return true;
      return false;
    })();
    const ribbedBelow = (() => {
      for (let j = i + 1; j < n && run[j] === run[i]; j++) if (hasRibs[j] && inputs[j]!.ribScore >= RIB_SCORE_MIN) return true;
      return false;
    })();
    if (ribbedAbove && ribbedBelow) {
      hasRibs[i] = true;
      notes.push(`#${i}: a rib seen on one side only (the other hidden by rotation or tilt) inside the rib-bearing block: counted as rib-bearing`);
    }
  }
  const ribFree = inputs.map((v, i) => !hasRibs[i] && !isSacral[i] && (v.ribWindowInView ?? 1) >= RIB_WINDOW_MIN_IN_VIEW && (!v.truncated || (v.ribPlanes ?? 0) >= RIB_FREE_MIN_PLANES));
  const labels: (VertebraLevel | null)[] = new Array<VertebraLevel | null>(n).fill(null);
  const alternatives: (VertebraLevel | null)[] = new Array<VertebraLevel | null>(n).fill(null);
  const confidences = new Array<number>(n).fill(0);
  const found: Anchor[] = [];
  const ord = (level: VertebraLevel): number => ORDER.indexOf(level);
  let transitional: LabelOutput['transitional'] = null;
  /** Runs labelled under a transitional numbering (their labels are not re-checked against the rib/sacral pattern). */
  const transitionalRuns = new Set<number>();

  // Sacrum → S1.
  if (firstSacral >= 0 && inputs[firstSacral]!.discAbove) {
    found.push({
      kind: 'sacrum',
      index: firstSacral,
      level: 'S1',
      offset: ord('S1') - firstSacral,
      confidence: Math.min(1, 0.5 + inputs[firstSacral]!.sacralScore),
      partial: inputs[firstSacral]!.sacralScore < SACRAL_FULL_SCORE,
      score: inputs[firstSacral]!.sacralScore,
      detail: `sacral alae / iliac bone beside segment #${firstSacral} (score ${inputs[firstSacral]!.sacralScore.toFixed(2)}), L5/S1 disc above it`,
    });
  } else if (firstSacral >= 0) {
    notes.push('sacrum seen at the edge of the field of view without the lumbosacral disc: not used as an anchor');
  }

  // Last rib → T12 and first rib → T1, each only when the rib pattern of its run is clean.
  const runsWithRibs = new Set(hasRibs.map((r, i) => (r ? run[i]! : -1)).filter((r) => r >= 0));
  for (const r of runsWithRibs) {
    const members = inputs.map((_, i) => i).filter((i) => run[i] === r && !isSacral[i]);
    const ribbed = members.filter((i) => hasRibs[i]);
    const lowest = ribbed[ribbed.length - 1]!;
    const highest = ribbed[0]!;
    // Rib-free vertebrae inside the rib-bearing block mean a rib was missed there: the block's ends
    // are still anchors only if the block is contiguous.
    const holes = members.filter((i) => i > highest && i < lowest && !hasRibs[i]);
    if (holes.length > 0) {
      notes.push(`rib-bearing vertebrae #${highest}–#${lowest} include rib-free ${holes.map((i) => `#${i}`).join(', ')}: a rib was missed, no rib anchor used`);
      continue;
    }
    const below = lowest + 1;
    if (below < n && run[below] === r && ribFree[below]) {
      const prevRibbed = lowest - 1 >= 0 && run[lowest - 1] === r && hasRibs[lowest - 1];
      found.push({
        strong: clearRibs(inputs[lowest]!) && (!prevRibbed || clearRibs(inputs[lowest - 1]!)),
        settles: clearRibs({ ...inputs[lowest]!, ribScore: inputs[lowest]!.ribScoreNear ?? inputs[lowest]!.ribScore }) && (!prevRibbed || clearRibs(inputs[lowest - 1]!)),
        kind: 'last-rib',
        index: lowest,
        level: 'T12',
        offset: ord('T12') - lowest,
        confidence: Math.min(1, 0.45 + inputs[lowest]!.ribScore),
        detail: `lowest rib-bearing vertebra #${lowest} (rib score ${inputs[lowest]!.ribScore.toFixed(2)}); #${below} has no ribs`,
      });
    } else if (below < n && run[below] === r && isSacral[below]) {
      notes.push(`#${lowest} bears rib-like bone directly above the sacrum: not used as the last rib`);
    } else {
      notes.push('ribs continue to the caudal edge of the field of view (or the next vertebra is cut by it): the last rib pair is not established');
    }
    const above = highest - 1;
    if (above >= 0 && run[above] === r && ribFree[above] && inputs[above]!.shortRib === true) {
      // Bone reaching beyond every transverse-process tip but not into the rib window: the first
      // rib, short and curving forward and down close to the spine, seen only near its neck, or a
      // cervical rib on C7 (Brewin J et al., Clin Anat 2009;22:331–6). Either way the vertebra
      // above is not shown rib-free, so the highest rib pair seen need not be the first.
      notes.push(`#${above}, above the highest rib-bearing vertebra #${highest}, has bone reaching beyond its transverse processes (a first rib seen only near its neck, or a cervical rib): the first rib pair is not established`);
    } else if (above >= 0 && run[above] === r && ribFree[above]) {
      found.push({
        kind: 'first-rib',
        index: highest,
        level: 'T1',
        offset: ord('T1') - highest,
        confidence: Math.min(1, 0.4 + inputs[highest]!.ribScore),
        detail: `highest rib-bearing vertebra #${highest} (rib score ${inputs[highest]!.ribScore.toFixed(2)}); #${above} has no ribs`,
      });
    }
  }

  // C2: the dens above the body.
  const c2 = inputs.findIndex((v) => v.densAbove === true);
  if (c2 >= 0) {
    found.push({ kind: 'c2-dens', index: c2, level: 'C2', offset: ord('C2') - c2, confidence: 0.8, detail: `dens rising from #${c2} without a disc above it` });
  }

  // Per run: anchors must agree. A vertebra is labelled when every anchor of its run agrees, or
  // when it lies between two agreeing anchors with no disagreeing one between them.
  const anchorsUsed: AnchorUsed[] = [];
  for (const r of new Set(run)) {
    const inRun = found.filter((a) => run[a.index] === r).sort((p, q) => p.index - q.index);
    if (inRun.length === 0) continue;
    const offsets = new Set(inRun.map((a) => a.offset));
    const agreeing = (o: number): Anchor[] => inRun.filter((a) => a.offset === o);
    const members = inputs.map((_, i) => i).filter((i) => run[i] === r);
    const assign = (i: number, offset: number, support: Anchor[]): void => {
      const lab = levelAt(i + offset);
      if (!lab) return;
      labels[i] = lab;
      const base = Math.max(...support.map((a) => a.confidence));
      const factor = support.length >= 2 ? 1 : 0.85;
      const near = Math.min(...support.map((a) => Math.abs(a.index - i)));
      confidences[i] = Math.min(1, base * factor * Math.pow(0.98, near) * inputs[i]!.detectionConfidence + (support.length >= 2 ? 0.05 : 0));
    };
    // The first rib is the weakest anchor (T1 ribs are short and easily missed; cervical ribs
    // exist): it only ever confirms another anchor.
    if (inRun.every((a) => a.kind === 'first-rib')) {
      notes.push(`first rib at #${inRun[0]!.index} is not confirmed by a second anchor: not used alone`);
      continue;
    }
    // Where ribs are only faintly seen (rotated or small ribs), a rib-free verdict below the last
    // one may be a missed rib: such a last rib only counts when another anchor confirms it.
    if (inRun.length === 1 && inRun[0]!.kind === 'last-rib' && inRun[0]!.strong === false) {
      notes.push(`last rib at #${inRun[0]!.index} is faint (rib scores below ${LONE_LAST_RIB_MIN_SCORE}) and not confirmed by a second anchor: not used alone`);
      continue;
    }
    const tr = offsets.size > 1 ? transitionalNumbering(inRun) : null;
    if (tr) {
      // Transitional anatomy: label by the convention, give the other numbering per vertebra,
      // and lower every confidence in the run (the image does not settle which is right).
      const { primary, secondary, support, lumbarCount, rib, sac } = tr;
      for (const i of members) {
        const lab = primary(i);
        if (!lab) continue;
        labels[i] = lab;
        const alt = secondary(i);
        alternatives[i] = alt !== lab ? alt : null;
        const base = Math.max(...support.map((a) => a.confidence));
        const near = Math.min(...support.map((a) => Math.abs(a.index - i)));
        confidences[i] = Math.min(1, base * TRANSITIONAL_CONFIDENCE * Math.pow(0.98, near) * inputs[i]!.detectionConfidence);
      }
      transitionalRuns.add(r);
      for (const a of support) anchorsUsed.push(toUsed(a));
      const span = (f: (i: number) => VertebraLevel | null): string =>
        members
          .filter((i) => i > rib.index && i <= sac.index)
          .map((i) => `#${i} ${f(i) ?? '?'}`)
          .join(', ');
      const byRib = support.some((a) => a.kind === 'last-rib');
      const convention = support.some((a) => a.kind === 'c2-dens')
        ? 'counted from C2 (Hughes & Saifuddin 2006: count from C2 when the cervicothoracic junction is in view)'
        : 'thoracolumbar-junction convention: the last rib-bearing vertebra is T12 (Carrino et al., Radiology 2011;259:196–202)';
      const variant =
        lumbarCount === 6
          ? byRib
            ? `six lumbar-type vertebrae between the last rib-bearing vertebra #${rib.index} and the sacrum: L6 (or a lumbarised S1)`
            : `six rib-free vertebrae between the last rib-bearing vertebra #${rib.index} and the sacrum: 11 rib pairs (T12 without ribs)`
          : byRib && sac.partial
            ? `four lumbar-type vertebrae between the last rib-bearing vertebra #${rib.index} and segment #${sac.index}, which shows ala-like bone beside only part of its height (sacral score ${(sac.score ?? 0).toFixed(2)}): an L5 resting on the sacrum — a lumbosacral transitional vertebra (sacralised L5: transverse processes enlarged, articulating or fused with the sacrum; Castellvi AE et al., Spine 1984;9:493–5) or an L5/S1 disc the detection did not resolve — or an S1 after four lumbar vertebrae`
            : byRib
            ? `four lumbar-type vertebrae between the last rib-bearing vertebra #${rib.index} and the sacral-type segment #${sac.index}: sacralised L5 (Castellvi) or four lumbar vertebrae (#${sac.index} then S1)`
            : `four rib-free vertebrae between the rib-bearing vertebra #${rib.index} and the sacrum: 13 rib pairs or a lumbar rib on L1`;
      const alternative =
        lumbarCount === 6
          ? byRib
            ? '11 rib pairs (numbering from the sacrum)'
            : 'L6 with 12 rib pairs (numbering from the last rib)'
          : byRib
            ? '13 rib pairs or a lumbar rib on L1 (numbering from the sacrum)'
            : 'sacralised L5 or four lumbar vertebrae (numbering from the last rib)';
      const farRib = byRib && rib.settles === false ? `; the rib of #${rib.index} is seen only far laterally on a body cut by the field of view` : '';
      const description = `${variant}${farRib}; labelled by the ${convention}: ${span(primary)}. Alternative: ${alternative}: ${span(secondary)}. The image alone cannot tell these apart; every label of this column carries the alternative and a reduced confidence`;
      notes.push(`transitional anatomy: ${description}`);
      const index = lumbarCount === 6 ? sac.index - 1 : sac.index;
      transitional = { description, index, confidence: Math.round(Math.min(rib.confidence, sac.confidence) * TRANSITIONAL_CONFIDENCE * 100) / 100 };
      continue;
    }
    if (offsets.size === 1) {
      const support = inRun;
      for (const i of members) assign(i, inRun[0]!.offset, support);
      for (const a of inRun) anchorsUsed.push(toUsed(a));
      if (inRun.length === 1) notes.push(`labels counted from the ${inRun[0]!.kind} anchor alone (no second anchor in view to confirm the count)`);
      continue;
    }
    // Disagreement: label only stretches bracketed by agreeing anchors.
    for (let q = 0; q + 1 < inRun.length; q++) {
      const a = inRun[q]!;
      const b = inRun[q + 1]!;
      if (a.offset !== b.offset) continue;
      for (let i = a.index; i <= b.index; i++) assign(i, a.offset, agreeing(a.offset));
    }
    for (const a of inRun) {
      if (labels[a.index] !== null) anchorsUsed.push(toUsed(a));
    }
    const describe = inRun.map((a) => `${a.kind} at #${a.index} (${a.level})`).join(', ');
    notes.push(`anchors disagree (${describe}): the vertebrae between disagreeing anchors are left unlabelled`);
    const rib = inRun.find((a) => a.kind === 'last-rib');
    const sac = inRun.find((a) => a.kind === 'sacrum');
    if (rib && sac && rib.index < sac.index) {
      const lumbarCount = sac.index - rib.index - 1;
      // Counted from the last rib, a rib-free vertebra still above the sacrum is L6, not S1.
      const numbering = (from: Anchor): string =>
        members
          .filter((i) => i > rib.index && i < sac.index)
          .map((i) => {
            const lab = levelAt(i + from.offset);
            return `#${i} ${from === rib && (lab === 'S1' || lab === 'sacrum') ? 'L6' : lab ?? '?'}`;
          })
          .join(', ');
      const description =
        lumbarCount === 4
          ? 'four lumbar-type vertebrae between the last rib and the sacrum: sacralised L5 or four lumbar vertebrae (numbering from the last rib), or 13 rib pairs / a lumbar rib on L1 (numbering from the sacrum)'
          : lumbarCount === 6
            ? 'six lumbar-type vertebrae between the last rib and the sacrum: L6 / lumbarised S1 (numbering from the last rib), or 11 rib pairs (numbering from the sacrum)'
            : `${lumbarCount} vertebrae between the last rib and the sacrum: a vertebra is missed or doubled, or the anatomy is transitional`;
      notes.push(`numbering from the last rib: ${numbering(rib)}; from the sacrum: ${numbering(sac)}`);
      if (rib.settles === false && rib.strong !== false) {
        notes.push(`the last rib-bearing vertebra #${rib.index} is cut by the field of view and its rib is seen only far laterally: it may be the shaft of a rib from the level above passing beside it (then the sacrum numbering holds), so the last-rib convention is not applied`);
      }
      if (lumbarCount === 4 || lumbarCount === 6) {
        const idx = lumbarCount === 4 ? sac.index : sac.index - 1;
        transitional = { description: `${description}. From the last rib: ${numbering(rib)}; from the sacrum: ${numbering(sac)}`, index: idx, confidence: Math.min(rib.confidence, sac.confidence) * 0.7 };
        const fromRib = levelAt(idx + rib.offset);
        const fromSac = levelAt(idx + sac.offset);
        alternatives[idx] = lumbarCount === 6 && fromRib === 'S1' ? 'L6' : fromRib;
        if (fromSac && fromSac !== alternatives[idx]) notes.push(`#${idx}: ${alternatives[idx]} from the last rib, ${fromSac} from the sacrum`);
      }
    }
    const first = inRun.find((a) => a.kind === 'first-rib');
    if (first && rib && first.offset !== rib.offset) {
      const ribCount = rib.index - first.index + 1;
      notes.push(`${ribCount} rib-bearing vertebrae between the first and the last rib (12 expected): 11 or 13 rib pairs, a cervical rib, or a rib missed by the detector`);
      if (!transitional && (ribCount === 11 || ribCount === 13)) {
        transitional = { description: `${ribCount} rib-bearing vertebrae (#${first.index}–#${rib.index}): ${ribCount === 13 ? 'T13 or a lumbar / cervical rib' : '11 rib pairs or a rib missed'}`, index: rib.index, confidence: 0.5 };
      }
    }
  }
  // A counted label must not contradict what is seen at that vertebra (T12 without ribs, a lumbar
  // level with ribs, S1 without alae, a sacral segment counted as lumbar): the count is broken
  // (transitional anatomy or a detection error) somewhere between the anchor and that vertebra.
  for (let i = 0; i < n; i++) {
    const lab = labels[i];
    if (!lab || transitionalRuns.has(run[i]!)) continue;
    const contradiction =
      (lab === 'T12' && ribFree[i]) ||
      (lab.startsWith('L') && hasRibs[i]) ||
      ((lab === 'S1' || lab === 'sacrum') && !isSacral[i]) ||
      (isSacral[i] && lab !== 'S1' && lab !== 'sacrum');
    if (!contradiction) continue;
    notes.push(`#${i} counts as ${lab} but ${hasRibs[i] ? 'bears ribs' : isSacral[i] ? 'is sacral' : lab === 'T12' ? 'has no ribs' : 'has no sacral alae'}: transitional anatomy or a missed vertebra; the count through it is withheld`);
    if (lab === 'S1' && !isSacral[i]) alternatives[i] = 'L6';
    // The count is broken somewhere between the anchor and this vertebra, and nothing tells where:
    // only stretches bracketed by two agreeing anchors that do not contain it keep their labels.
    const anchorsOfRun = found.filter((a) => run[a.index] === run[i]).sort((p, q) => p.index - q.index);
    for (let j = 0; j < n; j++) {
      if (run[j] !== run[i] || labels[j] === null) continue;
      let bracketed = false;
      for (let q = 0; q + 1 < anchorsOfRun.length && !bracketed; q++) {
        const a = anchorsOfRun[q]!;
        const b = anchorsOfRun[q + 1]!;
        if (a.offset === b.offset && a.index <= j && j <= b.index && !(a.index <= i && i <= b.index)) bracketed = true;
      }
      if (!bracketed) {
        labels[j] = null;
        confidences[j] = 0;
      }
    }
  }
  for (let k = anchorsUsed.length - 1; k >= 0; k--) {
    if (labels[anchorsUsed[k]!.vertebraIndex] === null) anchorsUsed.splice(k, 1);
  }
  // A rib-free L1 with bone reaching beyond every transverse-process tip but short of a rib's
  // length bears a rudimentary (lumbar) rib. Yun et al. (Korean J Radiol 2018;19:1140–7) read such
  // a vertebra, with ribs under 38 mm, as a thoracolumbar transitional vertebra, so that the next
  // one is the first lumbar: 12 thoracic, the transitional one (numbered T13 here) and four lumbar.
  // The count itself (T12 and S1 where the anchors put them) is unchanged; only the names in between
  // differ, so that numbering is every label's alternative there, at reduced confidence.
  if (!transitional) {
    const i = labels.findIndex((lab, k) => lab === 'L1' && inputs[k]!.shortRib === true && !hasRibs[k]);
    if (i >= 0) {
      const alt: string[] = [];
      for (let j = i; j < n && run[j] === run[i] && labels[j] !== null && !isSacral[j]; j++) {
        const lab = labels[j]!;
        alternatives[j] = j === i ? 'T13' : (`L${Number(lab.slice(1)) - 1}` as VertebraLevel);
        confidences[j] = confidences[j]! * TRANSITIONAL_CONFIDENCE;
        alt.push(`#${j} ${alternatives[j]}`);
      }
      const description = `#${i} (L1) has no rib pair but bone reaching beyond every transverse-process tip that ends within 38 mm of it: a short, rudimentary rib — a lumbar rib on L1, or, read as Yun et al. (Korean J Radiol 2018;19:1140–7) do for ribs under 38 mm, a thoracolumbar transitional vertebra with four lumbar vertebrae below. Labelled with the lumbar rib on L1; alternative: ${alt.join(', ')}`;
      notes.push(`transitional anatomy: ${description}`);
      transitional = { description, index: i, confidence: Math.round(TRANSITIONAL_CONFIDENCE * 100) / 100 };
    }
  }
  if (found.length === 0) notes.push('no anatomical anchor (C2 dens, first or last rib, sacrum) in view: vertebrae are reported unlabelled');
  const anchoredRuns = new Set(found.map((a) => run[a.index]));
  if (found.length > 0 && run.some((r) => !anchoredRuns.has(r))) {
    notes.push('vertebrae separated from the anchors by undetected vertebrae are left unlabelled');
  }
  const regions: SpineRegion[] = labels.map((lab, i) => (lab ? regionOf(lab) : hasRibs[i] ? 'thoracic' : isSacral[i] ? 'sacral' : 'unknown'));
  for (let i = 0; i < n; i++) {
    // A rib-bearing vertebra labelled lumbar (or a rib-free one labelled thoracic) lowers the confidence.
    if (labels[i] && (hasRibs[i] && regions[i] !== 'thoracic')) confidences[i] = confidences[i]! * 0.6;
    confidences[i] = Math.round(confidences[i]! * 1000) / 1000;
  }
  return { labels, alternatives, regions, confidences, hasRibs, isSacral, anchors: anchorsUsed, notes: [...new Set(notes)], transitional };

  function toUsed(a: Anchor): AnchorUsed {
    return { kind: a.kind, vertebraIndex: a.index, level: a.level, confidence: Math.round(a.confidence * 100) / 100, detail: a.detail };
  }
}

interface TransitionalNumbering {
  readonly primary: (i: number) => VertebraLevel | null;
  readonly secondary: (i: number) => VertebraLevel | null;
  /** Anchors that agree with the primary numbering. */
  readonly support: Anchor[];
  readonly lumbarCount: 4 | 6;
  readonly rib: Anchor;
  readonly sac: Anchor;
}

/**
 * Last rib and sacrum of one run disagree by one level (four or six rib-free vertebrae between
 * them). The primary numbering is chosen by convention, never by the sacrum alone:
 * - C2 in view and agreeing with one of the two: count from C2 (Hughes & Saifuddin 2006);
 * - otherwise the thoracolumbar junction: the last rib-bearing vertebra is T12 (Carrino JA et al.,
 *   "Effect of spinal segment variants on numbering vertebral levels at lumbar MR imaging",
 *   Radiology 2011;259:196–202) — only when that rib pair is clearly seen (score ≥ 0.5), also
 *   within 90 mm of the canal or joined to the cut body in view (`settles`: not a shaft from the
 *   level above beside a cut body; scoreAnchors' ribScoreNear): a faint
 *   rib may be a rudimentary one (ribs < 38 mm mark a thoracolumbar transitional vertebra, not T12;
 *   Yun et al., Korean J Radiol 2018;19:1140–7), and then the disagreement stays unresolved.
 * Every other anchor of the run must agree with the primary numbering. Counted from the last rib,
 * the sixth rib-free vertebra is L6 and, with four, the sacral-type segment is a sacralised L5.
 */
function transitionalNumbering(inRun: readonly Anchor[]): TransitionalNumbering | null {
  const rib = inRun.find((a) => a.kind === 'last-rib');
  const sac = inRun.find((a) => a.kind === 'sacrum');
  if (!rib || !sac || rib.index >= sac.index) return null;
  const k = sac.index - rib.index - 1;
  if (k !== 4 && k !== 6) return null;
  const lumbarCount: 4 | 6 = k;
  const c2 = inRun.find((a) => a.kind === 'c2-dens');
  let byRib: boolean;
  if (c2) {
    if (c2.offset === rib.offset) byRib = true;
    else if (c2.offset === sac.offset) byRib = false;
    else return null;
  } else {
    // A faint last rib (possibly a rudimentary lumbar rib) never settles the count. A rib seen only
    // far laterally on a body cut by the field of view may be the shaft of a rib from the level
    // above passing beside a cut L1 (normal anatomy read as four lumbar vertebrae), unless it is
    // also seen joined to the cut body towards the edge of the view (then `settles` is true,
    // scoreAnchors' ribScoreNear); otherwise it settles the count only where that reading cannot
    // make the column normal:
    // - six rib-free vertebrae: the sacrum numbering makes the complete, rib-free vertebra below
    //   the cut one T12, i.e. 11 rib pairs, whoever owns the rib beside the cut body;
    // - four, with the sacral-type segment showing ala-like bone beside only part of its height:
    //   that segment is itself as likely an L5 resting on the sacrum (sacralised L5, or its L5/S1
    //   disc unresolved) as S1, so the sacrum anchor cannot overrule the rib (a true S1 has its alae
    //   beside its whole height).
    if (rib.strong === false) return null;
    if (rib.settles === false && !(lumbarCount === 6 || sac.partial === true)) return null;
    byRib = true;
  }
  const primaryOffset = byRib ? rib.offset : sac.offset;
  const others = inRun.filter((a) => a !== rib && a !== sac);
  if (others.some((a) => a.offset !== primaryOffset)) return null;
  const fromRib = (i: number): VertebraLevel | null => {
    if (i <= rib.index) return levelAt(i + rib.offset);
    if (i < sac.index) {
      const p = i - rib.index;
      return p <= 5 ? (`L${p}` as VertebraLevel) : 'L6';
    }
    if (i === sac.index) return lumbarCount === 4 ? 'L5' : 'S1';
    // Below an L5 resting on the sacrum (partial ala evidence), the next segment is S1.
    if (lumbarCount === 4 && sac.partial === true && i === sac.index + 1) return 'S1';
    return 'sacrum';
  };
  const fromSac = (i: number): VertebraLevel | null => (i < sac.index ? levelAt(i + sac.offset) : i === sac.index ? 'S1' : 'sacrum');
  const support = inRun.filter((a) => a.offset === primaryOffset && a !== (byRib ? sac : rib));
  return { primary: byRib ? fromRib : fromSac, secondary: byRib ? fromSac : fromRib, support, lumbarCount, rib, sac };
}
