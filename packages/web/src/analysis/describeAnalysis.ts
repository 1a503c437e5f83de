/**
 * The study viewer's one-line analysis status per series (issue 5 item 4): queued, running,
 * failed (the error catalogue's message), no spine (the analysis' own reason) or what was found.
 * The state a study shows is the most useful of its series: a finished result first, then work
 * in progress, then the reasons there is none.
 */
import type { SeriesAnalysis, StudyAnalysisStatus } from '@vertebra/contracts';

export type AnalysisDisplayState = 'none' | 'queued' | 'running' | 'failed' | 'no-spine' | 'done';

export interface AnalysisDescription {
  readonly seriesInstanceUid: string;
  readonly state: AnalysisDisplayState;
  readonly text: string;
}

const precedence: readonly AnalysisDisplayState[] = ['done', 'running', 'queued', 'no-spine', 'failed', 'none'];

export function describeSeriesAnalysis(analysis: SeriesAnalysis): AnalysisDescription {
  const base = { seriesInstanceUid: analysis.seriesInstanceUid };
  if (analysis.state === 'queued' || analysis.state === 'running') return { ...base, state: analysis.state, text: `analysis: ${analysis.state}` };
  if (analysis.state === 'failed') return { ...base, state: 'failed', text: `analysis: failed (${analysis.error?.message ?? analysis.error?.code ?? 'no reason given'})` };
  const result = analysis.result;
  if (result === null) return { ...base, state: 'failed', text: 'analysis: failed (finished without a result)' };
  if (result.status === 'no-spine') return { ...base, state: 'no-spine', text: `analysis: no spine (${result.reason ?? 'no reason given'})` };
  const labels = result.vertebrae.map((v) => v.label).filter((l): l is NonNullable<typeof l> => l !== null);
  const range = labels.length === 0 ? 'unlabelled' : labels.length === 1 ? labels[0] : `${labels[0]}–${labels[labels.length - 1]}`;
  const count = result.vertebrae.length;
  const findings = result.findings.length;
  return {
    ...base,
    state: 'done',
    text: `analysis: ${count} ${count === 1 ? 'vertebra' : 'vertebrae'} (${range}), ${findings} ${findings === 1 ? 'finding' : 'findings'}`,
  };
}

/** One description per analysed series, the most useful first; empty when the study has none. */
export function describeStudyAnalyses(analyses: readonly SeriesAnalysis[]): AnalysisDescription[] {
  return analyses.map(describeSeriesAnalysis).sort((a, b) => precedence.indexOf(a.state) - precedence.indexOf(b.state));
}

/** True while a job of the study may still change state (the viewer polls until then). */
export function analysesPending(analyses: readonly SeriesAnalysis[]): boolean {
  return analyses.some((a) => a.state === 'queued' || a.state === 'running');
}

/** The worklist's analysis cell for one study (GET /api/analysis-status): state, findings, the labelled range. */
export function analysisStatusText(status: StudyAnalysisStatus | undefined): string {
  if (status === undefined || status.state === 'none') return '—';
  if (status.state !== 'done') return status.state;
  const labels = status.labels;
  const range = labels.length === 0 ? 'no labels' : labels.length === 1 ? labels[0] : `${labels[0]}–${labels[labels.length - 1]}`;
  return `done · ${status.findings} ${status.findings === 1 ? 'finding' : 'findings'} · ${range}`;
}
