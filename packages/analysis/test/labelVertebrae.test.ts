/**
 * The labelling policy (labelVertebrae.ts): labels only from anchors found in the image, counted
 * body by body; anchors that disagree leave the vertebrae between them unlabelled with both
 * numberings; a weak anchor never stands alone; a count that contradicts what is seen (a rib-free
 * T12, a lumbar level with ribs) is withheld.
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

  it('leaves four lumbar-type vertebrae unlabelled and reports both numberings (sacralised L5 or a lumbar rib)', () => {
    const out = labelVertebrae([ribbed(), ribbed(), body(), body(), body(), body(), sacrum()]);
    expect(out.labels.slice(0, 6).every((l) => l === null)).toBe(true);
    expect(out.transitional?.description).toMatch(/four lumbar-type vertebrae/);
    expect(out.transitional?.description).toMatch(/From the last rib: #2 L1, #3 L2, #4 L3, #5 L4; from the sacrum: #2 L2, #3 L3, #4 L4, #5 L5/);
    expect(out.notes.join(' ')).toMatch(/anchors disagree/);
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

  it('does not take rib-like bone directly above the sacrum for the last rib', () => {
    const out = labelVertebrae([body(), body(), body(), body(), ribbed(0.5), sacrum()]);
    expect(out.anchors.map((a) => a.kind)).not.toContain('last-rib');
  });
});
