/**
 * Shapes of the analysis API (issues 5 and 6): when the archive receives a CT series, an
 * analysis job runs in a worker thread; its state and result are stored per series and served
 * under /api. The result is the analysis package's own SpineAnalysisResult (LPS mm, labels,
 * endplates, measurements, graded findings), so the viewer draws overlays from exactly what
 * `vertebra analyze --json` prints.
 *
 *   GET  /api/studies/{study}/analyses                      → StudyAnalyses
 *   POST /api/studies/{study}/series/{series}/analysis      → 202 SeriesAnalysis (queued again)
 *   GET  /api/analysis-status?study=UID&study=UID…          → AnalysisStatusSummary (worklist)
 */
import type { SpineAnalysisResult } from '@vertebra/analysis';

export type AnalysisJobState = 'queued' | 'running' | 'done' | 'failed';

export interface SeriesAnalysis {
  readonly studyInstanceUid: string;
  readonly seriesInstanceUid: string;
  /** Frame of reference the result's LPS coordinates belong to: overlays go on every series that shares it. */
  readonly frameOfReferenceUid: string | null;
  readonly state: AnalysisJobState;
  readonly queuedAt: string;
  readonly startedAt: string | null;
  readonly finishedAt: string | null;
  /** Instances the job read. */
  readonly instanceCount: number;
  /** Why the job failed (state 'failed'): the error catalogue's code and message. Never a silent gap. */
  readonly error: { readonly code: string; readonly message: string } | null;
  /** The analysis (state 'done'); its own status says 'ok' or 'no-spine' with the reason. */
  readonly result: SpineAnalysisResult | null;
}

export interface StudyAnalyses {
  readonly analyses: readonly SeriesAnalysis[];
}

/** Per study: the most advanced state of its analyses and how many findings they graded. */
export interface StudyAnalysisStatus {
  readonly state: AnalysisJobState | 'none';
  readonly findings: number;
  /** Vertebrae labelled in the finished analyses (e.g. ['T11', 'T12', 'L1']). */
  readonly labels: readonly string[];
}

export interface AnalysisStatusSummary {
  readonly statuses: Readonly<Record<string, StudyAnalysisStatus>>;
}
