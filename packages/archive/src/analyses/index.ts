/** The analysis store: per-series CT spine analyses and their job state next to the metadata index. */
export {
  openAnalysisStore,
  analysisStates,
  type AnalysisStore,
  type AnalysisSeriesRef,
  type AnalysisState,
  type StoredAnalysis,
  type AnalysisSummary,
  type AnalysisJobInput,
  type AnalysisOutcome,
} from './AnalysisStore.js';
export { attachAnalysisStore, analysisStoreOf, type ArchiveWithAnalyses } from './attachAnalysisStore.js';
export { createAnalysisSchema, type AnalysisDatabase } from './createAnalysisSchema.js';
