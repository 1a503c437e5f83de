import { describe, expect, it } from 'vitest';
import type { SeriesAnalysis } from '@vertebra/contracts';
import { analysesPending, analysisStatusText, describeSeriesAnalysis, describeStudyAnalyses } from '../src/analysis/describeAnalysis.js';

type SpineResult = NonNullable<SeriesAnalysis['result']>;

const emptyResult: SpineResult = {
  status: 'ok',
  algorithmVersion: 'test',
  units: { length: 'mm', angle: 'deg', density: 'HU', coordinates: 'LPS' },
  vertebrae: [],
  measurements: { levels: [], cobb: null, kyphosisT4T12: null, lordosisL1S1: null },
  findings: [],
  anchorsUsed: [],
  labellingNotes: [],
  canalCentrelineLps: [],
  timingsMs: {},
};

function analysis(over: Partial<SeriesAnalysis>): SeriesAnalysis {
  return {
    studyInstanceUid: '1.2',
    seriesInstanceUid: '1.2.3',
    frameOfReferenceUid: null,
    state: 'queued',
    queuedAt: '2026-11-26T14:00:00Z',
    startedAt: null,
    finishedAt: null,
    instanceCount: 0,
    error: null,
    result: null,
    ...over,
  };
}

describe('describeSeriesAnalysis', () => {
  it('says queued, running, failed with the reason, and no spine with the reason', () => {
    expect(describeSeriesAnalysis(analysis({ state: 'queued' })).text).toBe('analysis: queued');
    expect(describeSeriesAnalysis(analysis({ state: 'running' })).text).toBe('analysis: running');
    expect(describeSeriesAnalysis(analysis({ state: 'failed', error: { code: 'DICOM_INVALID', message: 'slice spacing varies' } }))).toMatchObject({ state: 'failed', text: 'analysis: failed (slice spacing varies)' });
    expect(describeSeriesAnalysis(analysis({ state: 'done', result: { ...emptyResult, status: 'no-spine', reason: 'no disc spaces found' } }))).toMatchObject({
      state: 'no-spine',
      text: 'analysis: no spine (no disc spaces found)',
    });
  });

  it('summarises a finished result: vertebrae, labelled range, findings', () => {
    const v = (label: string | null) => ({ label }) as unknown as SpineResult['vertebrae'][number];
    const finding = {} as SpineResult['findings'][number];
    const done = analysis({ state: 'done', result: { ...emptyResult, vertebrae: [v('T12'), v('L1'), v(null), v('L3')], findings: [finding] } });
    expect(describeSeriesAnalysis(done)).toMatchObject({ state: 'done', text: 'analysis: 4 vertebrae (T12–L3), 1 finding' });
    expect(describeSeriesAnalysis(analysis({ state: 'done', result: { ...emptyResult, vertebrae: [v(null)] } })).text).toBe('analysis: 1 vertebra (unlabelled), 0 findings');
  });

  it('orders a study: results first, then work in progress, then reasons there is none; pending while queued or running', () => {
    const list = [
      analysis({ seriesInstanceUid: 'a', state: 'failed', error: { code: 'X', message: 'm' } }),
      analysis({ seriesInstanceUid: 'b', state: 'running' }),
      analysis({ seriesInstanceUid: 'c', state: 'done', result: emptyResult }),
    ];
    expect(describeStudyAnalyses(list).map((d) => d.seriesInstanceUid)).toEqual(['c', 'b', 'a']);
    expect(analysesPending(list)).toBe(true);
    expect(analysesPending([list[0]!, list[2]!])).toBe(false);
  });
});

describe('analysisStatusText (worklist)', () => {
  it('shows the state, the number of findings and the labelled range', () => {
    expect(analysisStatusText(undefined)).toBe('—');
    expect(analysisStatusText({ state: 'none', findings: 0, labels: [] })).toBe('—');
    expect(analysisStatusText({ state: 'running', findings: 0, labels: [] })).toBe('running');
    expect(analysisStatusText({ state: 'done', findings: 2, labels: ['T11', 'T12', 'L1'] })).toBe('done · 2 findings · T11–L1');
    expect(analysisStatusText({ state: 'done', findings: 1, labels: [] })).toBe('done · 1 finding · no labels');
  });
});
