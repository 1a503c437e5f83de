/**
 * Graded findings from measurements and the one threshold table (findingThresholds.ts):
 * Genant semi-quantitative fracture grade (height loss against the vertebra's own maximal height
 * and its adjacent normal neighbours', a reduced posterior height against the neighbours'
 * posterior heights, and in a body so crushed the middle height against the neighbours' middle
 * heights; C3 and below; only from measured heights between two
 * well-fitted endplates, a body cut by the field of view included when both its endplates were in
 * view), Meyerding slip grade, central canal stenosis (lumbar / cervical canal AP
 * at the disc level),
 * scoliosis (Cobb, one finding per curve), low L1 trabecular density (Pickhardt 2013), transitional anatomy.
 */
import type { FindingThresholds } from './findingThresholds.js';
import type { AngleMeasurement, Finding, SpineMeasurements, VertebraResult } from './SpineAnalysisResult.js';
import { levelName, MAX_BODY_HEIGHT_MM } from './computeSpineMeasurements.js';

/** Largest height step between adjacent normal bodies (fraction) allowed for against a single neighbour. */
const SINGLE_NEIGHBOUR_STEP = 0.08;
/** Largest RMS residual (mm) of an endplate plane from which heights are graded. */
const MAX_ENDPLATE_RMS_MM = 1.5;

function endplatesFit(v: VertebraResult): boolean {
  return v.superiorEndplate.rmsResidualMm <= MAX_ENDPLATE_RMS_MM && v.inferiorEndplate.rmsResidualMm <= MAX_ENDPLATE_RMS_MM;
}

export function gradeFindings(
  vertebrae: readonly VertebraResult[],
  measurements: SpineMeasurements,
  thresholds: FindingThresholds,
  transitional: { description: string; index: number; confidence: number } | null,
): Finding[] {
  const findings: Finding[] = [];
  const g = thresholds.genant;
  // Fractures: only complete, non-sacral bodies with two endplates: C3 and below (C1 has no body,
  // C2's upper part is the dens). Genant's grades are height-loss ratios of the body; they are
  // used from C3 down (cervical body heights and their normal ratios: Frobin W et al., Clin
  // Biomech 2002;17:423-31).
  for (let i = 0; i < vertebrae.length; i++) {
    const v = vertebrae[i]!;
    if (v.isSacral || v.label === 'C1' || v.label === 'C2') continue;
    const { anterior: ha, middle: hm, posterior: hp } = v.heightsMm;
    if (ha === null || hm === null || hp === null) continue;
    // Heights are read between the two endplates; an endplate whose points do not lie on one
    // surface (RMS residual above MAX_ENDPLATE_RMS_MM: a rib head, osteophyte or the disc mixed
    // in) is not found reliably, and neither are the heights read from it.
    if (!endplatesFit(v)) continue;
    const own = [ha, hm, hp];
    const ownMax = Math.max(...own);
    const ownMin = Math.min(...own);
    // Taller than any vertebral body: two bodies with a missed disc between them, not one body.
    if (ownMax > MAX_BODY_HEIGHT_MM) continue;
    // Genant 1993 compares with the expected height from adjacent *normal* vertebrae (see also
    // Wáng YXJ et al., Ann Transl Med 2020, who advocate adjacent heights as the reference): a
    // neighbour counts only if it is directly adjacent (no missed level between: centre distance
    // below 1.6× the mean of the two bodies' heights plus a disc) and itself undeformed (its
    // lowest height within the grade-1 margin of its highest).
    const isNormalNeighbour = (n: VertebraResult | undefined): n is VertebraResult => {
      if (!n || n.isSacral || n.label === 'C1' || n.label === 'C2') return false;
      const h = [n.heightsMm.anterior, n.heightsMm.middle, n.heightsMm.posterior];
      if (h.some((x) => x === null)) return false;
      const hs = h as number[];
      const nMax = Math.max(...hs);
      if (nMax > MAX_BODY_HEIGHT_MM) return false;
      if (Math.min(...hs) < (1 - g.grade1) * nMax) return false;
      if (!endplatesFit(n)) return false;
      const gap = Math.hypot(n.centroidLps[0] - v.centroidLps[0], n.centroidLps[1] - v.centroidLps[1], n.centroidLps[2] - v.centroidLps[2]);
      return gap <= 1.6 * (nMax + ownMax) / 2 + 12;
    };
    const neighbours = [vertebrae[i - 1], vertebrae[i + 1]].filter(isNormalNeighbour);
    // The reference is the mean of both neighbours' tallest heights (their posterior heights for a
    // posterior height, below). A single usable neighbour
    // (the other cut by the field of view, fractured or not found) may sit across a size step
    // such as T12/L1 or C7/T1, where adjacent bodies differ by up to ~8 % (Panjabi MM et al., Spine
    // 1991;16:888-901 and 1992;17:299-306): its height less that step is the reference, so that a
    // uniformly collapsed (crush) body next to it is still graded. Without a usable neighbour, the
    // vertebra's own tallest height is the reference (wedge / biconcave deformities).
    const tallest = (n: VertebraResult): number => Math.max(n.heightsMm.anterior ?? 0, n.heightsMm.middle ?? 0, n.heightsMm.posterior ?? 0);
    const fromNeighbours = (height: (n: VertebraResult) => number): number =>
      neighbours.length === 2
        ? (height(neighbours[0]!) + height(neighbours[1]!)) / 2
        : (1 - SINGLE_NEIGHBOUR_STEP) * height(neighbours[0]!);
    // A crush deformity is a reduced posterior height: its reference is the posterior height
    // expected from the adjacent vertebrae, not the body's own anterior height (Eastell R et al.,
    // J Bone Miner Res 1991;6:207-15: crush = posterior height / posterior height predicted from
    // the adjacent vertebrae; McCloskey EV et al., Osteoporos Int 1993;3:138-47). Normal bodies
    // are not of equal anterior and posterior height (cervical and lower lumbar bodies lordotic,
    // e.g. L5 ~10 % taller in front; Frobin 2002, Panjabi 1992), so a posterior height below the
    // own anterior one is no loss by itself. Without a usable neighbour the own tallest height
    // remains the reference, as for the other two heights.
    const posteriorIsMin = ownMin === hp && ownMin !== ha && ownMin !== hm;
    let expected = neighbours.length === 0
      ? ownMax
      : posteriorIsMin
        ? fromNeighbours((n) => n.heightsMm.posterior!)
        : Math.max(ownMax, fromNeighbours(tallest));
    if (!(expected > 0)) continue;
    let loss = 1 - ownMin / expected;
    let graded = ownMin;
    let which = ownMin === ha ? 'anterior (wedge)' : ownMin === hm ? 'middle (biconcave)' : 'posterior (crush)';
    // A crushed body (its posterior height a grade-1 loss or more below the neighbours' posterior
    // heights: Eastell 1991's crush index) has lost height as a whole, and its endplates keep their
    // normal central concavity: its middle height is then compared with the neighbours' middle
    // heights, like with like (Genant 1993: each height against the height expected from the
    // adjacent vertebrae). Against their wall heights the normal concavity, which makes the middle
    // of a normal body 1-2 mm (5-10 %) lower than its walls (Panjabi 1991/1992), would read as a
    // further loss: a grade-1 crush (22 % lower walls) would read as a 29 % grade 2 from its
    // middle. The body's grade is the largest loss of its three heights: the walls as before
    // (anterior against the own and neighbours' tallest heights), the posterior against the
    // neighbours' posterior heights. A body whose walls are not reduced keeps its middle compared
    // with the walls (biconcave deformity: middle against the posterior height, Eastell 1991).
    if (neighbours.length > 0) {
      const expectedPosterior = fromNeighbours((n) => n.heightsMm.posterior!);
      if (expectedPosterior > 0 && 1 - hp / expectedPosterior >= g.grade1) {
        const candidates: [number, number, string][] = [
          [ha, Math.max(ownMax, fromNeighbours(tallest)), 'anterior (crush)'],
          [hm, Math.max(ownMax, fromNeighbours((n) => n.heightsMm.middle!)), 'middle (crush)'],
          [hp, expectedPosterior, 'posterior (crush)'],
        ];
        loss = -Infinity;
        for (const [h, e, w] of candidates) {
          if (1 - h / e > loss) {
            loss = 1 - h / e;
            graded = h;
            expected = e;
            which = w;
          }
        }
      }
    }
    if (loss < g.grade1) continue;
    const grade = loss > g.grade3 ? 3 : loss >= g.grade2 ? 2 : 1;
    findings.push({
      kind: 'vertebral-fracture',
      level: levelName(v),
      grade: `Genant grade ${grade}`,
      measuredValue: Math.round(loss * 1000) / 10,
      unit: '% height loss',
      threshold: grade === 1 ? `${g.grade1 * 100}-${g.grade2 * 100} %` : grade === 2 ? `${g.grade2 * 100}-${g.grade3 * 100} %` : `> ${g.grade3 * 100} %`,
      source: g.source,
      // A body cut by the field of view is graded only with both endplates in view (heights not
      // null), and with less confidence.
      confidence: Math.min(0.95, v.detectionConfidence * (neighbours.length === 2 ? 0.9 : neighbours.length === 1 ? 0.8 : 0.7) * (v.truncated ? 0.85 : 1)),
      description: `${which} height ${graded.toFixed(1)} mm vs expected ${expected.toFixed(1)} mm`,
    });
  }
  const m = thresholds.meyerding;
  for (const lev of measurements.levels) {
    const slip = Math.abs(lev.slipPercent);
    if (slip < m.minPercent) continue;
    // The slip is read between corners on the two endplates facing the disc: where either was not
    // fitted as a plane (RMS > 1.5 mm: a misread body, e.g. at the apex of a severe scoliosis) the
    // corners are not located and no grade is given.
    const upper = vertebrae.find((v) => v.index === lev.upperIndex);
    const lower = vertebrae.find((v) => v.index === lev.lowerIndex);
    if ((upper?.inferiorEndplate.rmsResidualMm ?? 0) > MAX_ENDPLATE_RMS_MM || (lower?.superiorEndplate.rmsResidualMm ?? 0) > MAX_ENDPLATE_RMS_MM) continue;
    const gi = m.upperBoundsPercent.findIndex((b) => slip <= b);
    const grade = gi < 0 ? 'V' : (['I', 'II', 'III', 'IV'] as const)[gi]!;
    findings.push({
      kind: 'spondylolisthesis',
      level: lev.level,
      grade: `Meyerding ${grade}${lev.slipPercent >= 0 ? ' (anterolisthesis)' : ' (retrolisthesis)'}`,
      measuredValue: Math.round(slip * 10) / 10,
      unit: '% of lower body AP depth',
      threshold: gi < 0 ? `> ${m.upperBoundsPercent[3]} %` : `${gi === 0 ? m.minPercent : m.upperBoundsPercent[gi - 1]}-${m.upperBoundsPercent[gi]} %`,
      source: m.source,
      confidence: 0.8,
      description: `upper body displaced ${slip.toFixed(1)} % of the lower body's AP depth`,
    });
  }
  // Central canal stenosis at each disc level (the mid-sagittal canal AP between disc and
  // ligamentum flavum), graded with the lumbar or cervical cut-offs by the upper vertebra's region.
  const c = thresholds.canalStenosis;
  for (const lev of measurements.levels) {
    const d = lev.canalApMm;
    if (d === null) continue;
    const up = vertebrae.find((v) => v.index === lev.upperIndex);
    const isLumbar = up?.region === 'lumbar';
    const isCervical = up?.region === 'cervical';
    if (!isLumbar && !isCervical) continue;
    const abs = isLumbar ? c.lumbarAbsoluteMm : c.cervicalAbsoluteMm;
    const rel = isLumbar ? c.lumbarRelativeMm : c.cervicalRelativeMm;
    if (d >= rel) continue;
    findings.push({
      kind: 'canal-stenosis',
      level: lev.level,
      grade: d < abs ? 'absolute' : 'relative',
      measuredValue: Math.round(d * 10) / 10,
      unit: 'mm (canal AP at the disc level)',
      threshold: d < abs ? `< ${abs} mm` : `${abs}-${rel} mm`,
      source: c.source,
      confidence: Math.min(0.9, up?.confidence || 0.5),
      description: `canal AP diameter ${d.toFixed(1)} mm at the ${lev.level} disc level`,
    });
  }
  // One scoliosis finding per coronal curve at or above the threshold (a double major curve: two,
  // SRS terminology), cranial → caudal; results without the curve list grade their largest curve.
  const cobb = measurements.cobb;
  const curves: readonly (AngleMeasurement & { readonly convexity?: 'right' | 'left' })[] = measurements.cobbCurves ?? (cobb ? [cobb] : []);
  for (const curve of curves) {
    if (curve.angleDeg < thresholds.scoliosis.minCobbDeg) continue;
    const side = curve.convexity === undefined ? '' : ` (convex to the ${curve.convexity})`;
    findings.push({
      kind: 'scoliosis',
      level: `${curve.upperLevel}-${curve.lowerLevel}`,
      grade: curve.angleDeg >= 40 ? 'severe' : curve.angleDeg >= 25 ? 'moderate' : 'mild',
      measuredValue: Math.round(curve.angleDeg * 10) / 10,
      unit: 'deg (coronal Cobb)',
      threshold: `>= ${thresholds.scoliosis.minCobbDeg} deg`,
      source: thresholds.scoliosis.source,
      confidence: curve.confidence,
      description: `coronal Cobb angle ${curve.angleDeg.toFixed(1)} deg between ${curve.upperLevel} and ${curve.lowerLevel}${side}`,
    });
  }
  const b = thresholds.boneDensity;
  // L1 may be cut by the field of view: its central ROI is then still measured when it lies wholly
  // in view (trabecularHu is NaN otherwise, measureVertebralBody.ts).
  const l1 = vertebrae.find((v) => v.label === b.level);
  if (l1 && l1.trabecularHu === l1.trabecularHu && l1.trabecularHu <= b.sensitiveHu) {
    const strong = l1.trabecularHu <= b.highlySpecificHu;
    findings.push({
      kind: 'low-bone-density',
      level: b.level,
      grade: strong ? 'osteoporosis likely' : 'low bone density',
      measuredValue: Math.round(l1.trabecularHu),
      unit: 'HU (trabecular, central ROI)',
      threshold: strong ? `<= ${b.highlySpecificHu} HU` : `<= ${b.sensitiveHu} HU`,
      source: b.source,
      confidence: l1.confidence * 0.9 * (l1.truncated ? 0.85 : 1),
      description: `${b.level} trabecular attenuation ${l1.trabecularHu.toFixed(0)} HU`,
    });
  }
  if (transitional) {
    const v = vertebrae.find((x) => x.index === transitional.index);
    findings.push({
      kind: 'transitional-anatomy',
      level: v ? levelName(v) : `#${transitional.index}`,
      grade: 'variant',
      measuredValue: 0,
      unit: '',
      threshold: 'lumbar count between last rib and sacrum != 5, or rib count != 12',
      source: 'Castellvi AE et al. Spine 1984;9:493-5; Hughes RJ, Saifuddin A. AJR 2006;187:W59-65',
      confidence: transitional.confidence,
      description: transitional.description,
    });
  }
  return findings;
}
