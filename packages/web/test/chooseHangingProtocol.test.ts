import { describe, expect, it } from 'vitest';
import type { SeriesSummary } from '../src/dicomweb/StudySummary.js';
import { chooseHangingProtocol } from '../src/viewer/chooseHangingProtocol.js';

function series(uid: string, modality: string, instanceCount?: number, seriesNumber?: number): SeriesSummary {
  return { studyInstanceUid: '1.2', seriesInstanceUid: uid, modality, seriesNumber, description: '', bodyPart: '', instanceCount };
}

describe('chooseHangingProtocol', () => {
  it('hangs the largest CT series as axial, sagittal and coronal MPR', () => {
    const protocol = chooseHangingProtocol([series('scout', 'CT', 2), series('thin', 'CT', 300), series('thick', 'CT', 60), series('sr', 'SR', 1)]);
    expect(protocol.name).toBe('ct-mpr');
    expect(protocol.viewports.map((v) => [v.orientation, v.kind, v.seriesInstanceUid])).toEqual([
      ['axial', 'volume', 'thin'],
      ['sagittal', 'volume', 'thin'],
      ['coronal', 'volume', 'thin'],
    ]);
  });

  it('builds the MPR around the series the user picked, and a CT with too few slices falls back to a stack', () => {
    const all = [series('scout', 'CT', 2), series('thin', 'CT', 300), series('thick', 'CT', 60)];
    expect(chooseHangingProtocol(all, 'thick').viewports.every((v) => v.seriesInstanceUid === 'thick')).toBe(true);
    const scout = chooseHangingProtocol(all, 'scout');
    expect(scout.name).toBe('single-stack');
    expect(scout.viewports).toHaveLength(1);
    expect(scout.viewports[0]).toMatchObject({ kind: 'stack', seriesInstanceUid: 'scout' });
  });

  it('puts radiographs side by side: one per series, or the images of a single series', () => {
    const bySeries = chooseHangingProtocol([series('ap', 'DX', 1, 1), series('lat', 'DX', 1, 2), series('obl1', 'CR', 1), series('obl2', 'CR', 1)]);
    expect(bySeries.name).toBe('radiographs');
    expect(bySeries.viewports.map((v) => v.seriesInstanceUid)).toEqual(['ap', 'lat', 'obl1']);
    expect(bySeries.viewports.every((v) => v.kind === 'stack' && v.imageIndex === 0)).toBe(true);

    const oneSeries = chooseHangingProtocol([series('both', 'CR', 2)]);
    expect(oneSeries.viewports.map((v) => [v.seriesInstanceUid, v.imageIndex])).toEqual([
      ['both', 0],
      ['both', 1],
    ]);
    expect(chooseHangingProtocol([series('ap', 'DX', 1), series('lat', 'DX', 1)], 'lat').viewports[0]?.seriesInstanceUid).toBe('lat');
  });

  it('shows anything else as one stack, and says when there is nothing to show', () => {
    const other = chooseHangingProtocol([series('ot', 'OT', 15), series('us', 'US', 20)]);
    expect(other).toMatchObject({ name: 'single-stack', viewports: [{ kind: 'stack', seriesInstanceUid: 'us' }] });
    expect(chooseHangingProtocol([series('sr', 'SR', 1)]).name).toBe('empty');
    expect(chooseHangingProtocol([]).viewports).toEqual([]);
  });

  it('hangs spine MR as sagittal T2, sagittal T1 and axial T2 side by side, whatever the series order', () => {
    const mr = (uid: string, description: string, count: number): SeriesSummary => ({ ...series(uid, 'MR', count), description });
    const protocol = chooseHangingProtocol([mr('ax', 'MR T2w axial', 20), mr('loc', 'localizer', 3), mr('t1', 'MR T1w sagittal', 15), mr('t2', 'SAG T2 TSE', 15)]);
    expect(protocol.name).toBe('mr-spine');
    expect(protocol.viewports.map((v) => [v.viewportId, v.kind, v.seriesInstanceUid])).toEqual([
      ['mr-1', 'stack', 't2'],
      ['mr-2', 'stack', 't1'],
      ['mr-3', 'stack', 'ax'],
    ]);
    expect(chooseHangingProtocol([mr('a', 'x', 20), mr('b', 'y', 40)]).viewports.map((v) => v.seriesInstanceUid)).toEqual(['b', 'a']);
    expect(chooseHangingProtocol([mr('only', 'MR T2w sagittal', 15)]).name).toBe('single-stack');
  });

  it('plays fluoroscopy (XA/RF) as cine from the first frame', () => {
    const protocol = chooseHangingProtocol([series('xa1', 'XA', 1), series('xa2', 'XA', 3)]);
    expect(protocol).toMatchObject({ name: 'cine', viewports: [{ viewportId: 'cine-1', kind: 'stack', seriesInstanceUid: 'xa2', startAtFirst: true }] });
    expect(chooseHangingProtocol([series('xa1', 'XA', 1), series('xa2', 'XA', 3)], 'xa1').viewports[0]?.seriesInstanceUid).toBe('xa1');
  });
});
