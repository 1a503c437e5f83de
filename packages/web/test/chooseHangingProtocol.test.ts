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
    const mr = chooseHangingProtocol([series('t2', 'MR', 15), series('t1', 'MR', 20)]);
    expect(mr).toMatchObject({ name: 'single-stack', viewports: [{ kind: 'stack', seriesInstanceUid: 't1' }] });
    expect(chooseHangingProtocol([series('sr', 'SR', 1)]).name).toBe('empty');
    expect(chooseHangingProtocol([]).viewports).toEqual([]);
  });
});
