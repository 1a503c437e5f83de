/**
 * The labelling policy (labelVertebrae.ts): labels only from anchors found in the image, counted
 * body by body; a last rib and a sacrum one level apart (transitional anatomy) are labelled by
 * convention (C2 count, else last rib = T12) with the other numbering as alternative and reduced
 * confidence; other disagreements leave the vertebrae between them unlabelled with both
 * numberings; a weak anchor never stands alone; a count that contradicts what is seen (a rib-free
 * T12, a lumbar level with ribs) is withheld. A last rib seen only far out on a cut body settles a
 * transitional count only where a rib shaft from above could not make the column normal (six
 * rib-free vertebrae, or four above a segment with alae beside only part of its height).
 */
import { describe, expect, it } from 'vitest';
import { labelVertebrae, type LabelInput } from '../src/index.js';

const body = (over: Partial<LabelInput> = {}): LabelInput => ({ ribScore: 0, sacralScore: 0, discAbove: true, detectionConfidence: 0.95, ...over });
const ribbed = (ribScore = 0.8): LabelInput => body({ ribScore });
const sacrum = (): LabelInput => body({ sacralScore: 0.8 });

describe('labelVertebrae', () => {
  it('labels T11–S1 when the last rib and the sacrum agree (five lumbar vertebrae between them)', () => {
    const out = labelVertebrae([ribbed(), ribbed(), body(), body(), body(), body(), body(), sacrum()]);
    expect(out.labels).toEqual(['T11', 'T12', 'L1', 'L2', 'L3', 'L4', 'L5', 'S1']);
    expect(out.anchors.map((a) => a.kind).sort()).toEqual(['last-rib', 'sacrum']);
    expect(Math.min(...out.confidences)).toBeGreaterThan(0.5);
    expect(out.transitional).toBeNull();
  });

  it('labels six lumbar-type vertebrae L1–L6 from a clear last rib, with the sacrum numbering (11 rib pairs) as alternative', () => {
    const out = labelVertebrae([ribbed(), ribbed(), body(), body(), body(), body(), body(), body(), sacrum()]);
    expect(out.labels).toEqual(['T11', 'T12', 'L1', 'L2', 'L3', 'L4', 'L5', 'L6', 'S1']);
    expect(out.alternatives).toEqual(['T10', 'T11', 'T12', 'L1', 'L2', 'L3', 'L4', 'L5', null]);
    // A convention, not an observation, picks the numbering: every label has a reduced confidence.
    expect(Math.max(...out.confidences)).toBeLessThanOrEqual(0.6);
    expect(Math.min(...out.confidences)).toBeGreaterThan(0);
    expect(out.transitional?.index).toBe(7);
    expect(out.transitional?.description).toMatch(/six lumbar-type vertebrae/);
    expect(out.transitional?.description).toMatch(/#7 L6, #8 S1\. Alternative: 11 rib pairs \(numbering from the sacrum\): #2 T12, #3 L1/);
    expect(out.anchors.map((a) => a.kind)).toEqual(['last-rib']);
  });

  it('labels four lumbar-type vertebrae L1–L4 and the sacral-type segment as a sacralised L5 (alternative S1), from a clear last rib', () => {
    const out = labelVertebrae([ribbed(), ribbed(), body(), body(), body(), body(), sacrum()]);
    expect(out.labels).toEqual(['T11', 'T12', 'L1', 'L2', 'L3', 'L4', 'L5']);
    expect(out.alternatives).toEqual(['T12', 'L1', 'L2', 'L3', 'L4', 'L5', 'S1']);
    expect(Math.max(...out.confidences)).toBeLessThanOrEqual(0.6);
    expect(out.transitional?.index).toBe(6);
    expect(out.transitional?.description).toMatch(/four lumbar-type vertebrae .*sacralised L5/);
    expect(out.transitional?.description).toMatch(/Alternative: 13 rib pairs or a lumbar rib on L1/);
  });

  it('does not settle a transitional count on a rib seen only far out on a body cut by the field of view (a shaft from above)', () => {
    const cut = body({ ribScore: 0.8, ribScoreNear: 0, truncated: true, ribPlanes: 5 });
    const out = labelVertebrae([cut, body(), body(), body(), body(), sacrum()]);
    expect(out.labels.slice(0, 5).every((l) => l === null)).toBe(true);
    expect(out.notes.join(' ')).toMatch(/anchors disagree/);
  });

  it('settles six rib-free vertebrae on a far rib beside a cut body: the sacrum numbering would need 11 rib pairs either way', () => {
    const cut = body({ ribScore: 0.6, ribScoreNear: 0, truncated: true, ribPlanes: 5 });
    const out = labelVertebrae([cut, body(), body(), body(), body(), body(), body(), sacrum()]);
    expect(out.labels).toEqual(['T12', 'L1', 'L2', 'L3', 'L4', 'L5', 'L6', 'S1']);
    expect(out.alternatives).toEqual(['T11', 'T12', 'L1', 'L2', 'L3', 'L4', 'L5', null]);
    expect(Math.max(...out.confidences)).toBeLessThanOrEqual(0.6);
    expect(out.transitional?.description).toMatch(/six lumbar-type vertebrae.*seen only far laterally on a body cut by the field of view/);
  });

  it('settles four rib-free vertebrae on a far rib when the sacral-type segment shows alae beside only part of its height (L5 on the sacrum)', () => {
    const cut = body({ ribScore: 0.6, ribScoreNear: 0, truncated: true, ribPlanes: 5 });
    const partial = body({ sacralScore: 0.35, truncated: true });
    const out = labelVertebrae([cut, body(), body(), body(), body(), partial]);
    expect(out.labels).toEqual(['T12', 'L1', 'L2', 'L3', 'L4', 'L5']);
    expect(out.alternatives).toEqual(['L1', 'L2', 'L3', 'L4', 'L5', 'S1']);
    expect(Math.max(...out.confidences)).toBeLessThanOrEqual(0.6);
    expect(out.transitional?.index).toBe(5);
    expect(out.transitional?.description).toMatch(/ala-like bone beside only part of its height \(sacral score 0\.35\).*sacralised L5/);
    // With full alae beside that segment the far rib does not settle the count (a T12 shaft beside a cut L1).
    const full = labelVertebrae([cut, body(), body(), body(), body(), body({ sacralScore: 0.8, truncated: true })]);
    expect(full.labels.slice(0, 5).every((l) => l === null)).toBe(true);
  });

  it('leaves four lumbar-type vertebrae unlabelled under a faint last rib (possibly a rudimentary lumbar rib) and reports both numberings', () => {
    const out = labelVertebrae([ribbed(0.9), ribbed(0.35), body(), body(), body(), body(), sacrum()]);
    expect(out.labels.slice(0, 6).every((l) => l === null)).toBe(true);
    expect(out.transitional?.description).toMatch(/four lumbar-type vertebrae/);
    expect(out.transitional?.description).toMatch(/From the last rib: #2 L1, #3 L2, #4 L3, #5 L4; from the sacrum: #2 L2, #3 L3, #4 L4, #5 L5/);
    expect(out.notes.join(' ')).toMatch(/anchors disagree/);
  });

  it('reports a short rib on L1 as a lumbar rib, with the thoracolumbar-transitional numbering (T13 + four lumbar) as alternative', () => {
    const lumbarRib = body({ shortRib: true });
    const out = labelVertebrae([ribbed(), ribbed(), lumbarRib, body(), body(), body(), body(), sacrum()]);
    // The count is unchanged: the last full rib pair and the sacrum agree, five rib-free vertebrae between them.
    expect(out.labels).toEqual(['T11', 'T12', 'L1', 'L2', 'L3', 'L4', 'L5', 'S1']);
    expect(out.alternatives).toEqual([null, null, 'T13', 'L1', 'L2', 'L3', 'L4', null]);
    expect(out.transitional?.index).toBe(2);
    expect(out.transitional?.description).toMatch(/lumbar rib on L1.*Yun et al.*alternative: #2 T13, #3 L1, #4 L2, #5 L3, #6 L4/);
    // Every label with an alternative carries the reduced (convention) confidence; T12 and S1 do not.
    for (const k of [2, 3, 4, 5, 6]) expect(out.confidences[k]!).toBeLessThanOrEqual(0.6);
    expect(out.confidences[1]!).toBeGreaterThan(0.6);
    // Without the short rib the same column has no transitional report.
    expect(labelVertebrae([ribbed(), ribbed(), body(), body(), body(), body(), body(), sacrum()]).transitional).toBeNull();
    // A short rib below L1 (or on an unlabelled vertebra) is not read as a lumbar rib.
    const lower = labelVertebrae([ribbed(), ribbed(), body(), lumbarRib, body(), body(), body(), sacrum()]);
    expect(lower.transitional).toBeNull();
    expect(lower.alternatives.every((a) => a === null)).toBe(true);
  });

  it('counts from C2 when it is in view: with 13 rib pairs the C2 count (agreeing with the sacrum) wins over the last rib', () => {
    // C2–C7, T1–T12 and a rib-bearing L1 (13 rib pairs), L2–L5, S1.
    const column = [body({ densAbove: true }), body(), body(), body(), body(), body(), ...Array.from({ length: 13 }, () => ribbed()), body(), body(), body(), body(), sacrum()];
    const out = labelVertebrae(column);
    expect(out.labels[0]).toBe('C2');
    expect(out.labels[6]).toBe('T1');
    expect(out.labels.slice(17)).toEqual(['T12', 'L1', 'L2', 'L3', 'L4', 'L5', 'S1']);
    expect(out.alternatives.slice(17)).toEqual(['T11', 'T12', 'L1', 'L2', 'L3', 'L4', 'L5']);
    expect(out.transitional?.description).toMatch(/counted from C2/);
    expect(out.anchors.map((a) => a.kind).sort()).toEqual(['c2-dens', 'first-rib', 'sacrum']);
  });

  it('leaves a transitional column unlabelled when a third anchor agrees with neither numbering', () => {
    // The dens two levels off both the last-rib and the sacrum numbering: a detection error somewhere.
    const column = [body({ densAbove: true }), body(), body(), body(), ribbed(), ribbed(), body(), body(), body(), body(), sacrum()];
    const out = labelVertebrae(column);
    expect(out.labels.slice(4, 10).every((l) => l === null)).toBe(true);
  });

  it('closes a rib-bearing block over a vertebra whose rib is seen on one side only (rotation), but never at its ends', () => {
    const oneSided = (): LabelInput => body({ ribScore: 0, oneSidedRibScore: 0.8 });
    const out = labelVertebrae([ribbed(), ribbed(), oneSided(), ribbed(), ribbed(), body(), body()]);
    expect(out.labels).toEqual(['T8', 'T9', 'T10', 'T11', 'T12', 'L1', 'L2']);
    expect(out.notes.join(' ')).toMatch(/#2: a rib seen on one side only/);
    // Without the one-sided evidence the block has a hole and no rib anchor is used.
    expect(labelVertebrae([ribbed(), ribbed(), body(), ribbed(), ribbed(), body(), body()]).labels.every((l) => l === null)).toBe(true);
    // At the lower end of the block a one-sided rib does not make the last rib: the count stays withheld.
    const end = labelVertebrae([ribbed(), ribbed(), oneSided(), body(), body()]);
    expect(end.hasRibs).toEqual([true, true, false, false, false]);
  });

  it('accepts a last rib seen on one side throughout and on both sides in part (tilted plane), but not a faint one', () => {
    const tilted = (): LabelInput => body({ ribScore: 0.3, oneSidedRibScore: 0.9 });
    expect(labelVertebrae([tilted(), tilted(), body(), body()]).labels).toEqual(['T11', 'T12', 'L1', 'L2']);
    const faint = (): LabelInput => body({ ribScore: 0.3, oneSidedRibScore: 0.5 });
    expect(labelVertebrae([faint(), faint(), body(), body()]).labels).toEqual([null, null, null, null]);
  });

  it('does not use a faint last rib on its own (a rotated T12 rib may have been missed below it)', () => {
    const out = labelVertebrae([ribbed(0.4), ribbed(0.3), body(), body()]);
    expect(out.labels).toEqual([null, null, null, null]);
    expect(out.notes.join(' ')).toMatch(/faint/);
  });

  it('labels from a clear last rib alone, and says that no second anchor confirms it', () => {
    const out = labelVertebrae([ribbed(1), ribbed(0.9), body(), body()]);
    expect(out.labels).toEqual(['T11', 'T12', 'L1', 'L2']);
    expect(out.notes.join(' ')).toMatch(/alone/);
  });

  it('never uses the first rib alone, but lets it confirm the dens', () => {
    const alone = labelVertebrae([body(), ribbed(), ribbed()]);
    expect(alone.labels).toEqual([null, null, null]);
    const cervical = [body({ densAbove: true }), body(), body(), body(), body(), body(), ribbed(), ribbed()];
    const out = labelVertebrae(cervical);
    expect(out.labels).toEqual(['C2', 'C3', 'C4', 'C5', 'C6', 'C7', 'T1', 'T2']);
    expect(out.anchors.map((a) => a.kind).sort()).toEqual(['c2-dens', 'first-rib']);
  });

  it('withholds a count from the sacrum that reaches a clearly rib-free vertebra as T12 (11 ribs or L6)', () => {
    const out = labelVertebrae([body(), body(), body(), body(), body(), body(), sacrum()]);
    expect(out.labels.every((l) => l === null)).toBe(true);
    expect(out.notes.join(' ')).toMatch(/counts as T12 but has no ribs/);
  });

  it('does not call a vertebra rib-free when its rib window lies outside a narrow field of view', () => {
    const out = labelVertebrae([ribbed(1), ribbed(1), body({ ribWindowInView: 0.4 }), body({ ribWindowInView: 0.4 })]);
    expect(out.labels).toEqual([null, null, null, null]);
    expect(out.anchors).toEqual([]);
  });

  it('does not take the highest rib pair seen for T1 when the vertebra above has bone beyond its transverse processes (first rib seen near its neck only)', () => {
    // fracture-multiple-thoracic: T1's first rib curves forward and down out of the rib window and
    // reads as a short rib; T2 is then the highest rib pair seen. Taken for T1 it would contradict
    // the last rib (11 rib pairs) and withhold the whole column.
    const column = [body({ shortRib: true }), ...Array.from({ length: 11 }, () => ribbed()), body()];
    const out = labelVertebrae(column);
    expect(out.anchors.map((a) => a.kind)).toEqual(['last-rib']);
    expect(out.labels).toEqual(['T1', 'T2', 'T3', 'T4', 'T5', 'T6', 'T7', 'T8', 'T9', 'T10', 'T11', 'T12', 'L1']);
    expect(out.transitional).toBeNull();
    expect(out.notes.join(' ')).toMatch(/first rib pair is not established/);
    // Without the short rib above, the same pattern is 11 rib pairs and nothing is labelled.
    const eleven = labelVertebrae([body(), ...Array.from({ length: 11 }, () => ribbed()), body()]);
    expect(eleven.labels.every((l) => l === null)).toBe(true);
  });

  it('does not take rib-like bone directly above the sacrum for the last rib', () => {
    const out = labelVertebrae([body(), body(), body(), body(), ribbed(0.5), sacrum()]);
    expect(out.anchors.map((a) => a.kind)).not.toContain('last-rib');
  });
});
