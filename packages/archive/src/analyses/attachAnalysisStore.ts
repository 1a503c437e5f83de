/**
 * Hooks the analysis store (issue 6: per-series CT spine analyses and their job state) onto
 * an opened archive as `analyses` (attachIndexStore). openArchive calls this once; the
 * server finds the store with `analysisStoreOf(archive)`.
 */
import type { ArchiveService } from '../ArchiveService.js';
import type { Archive } from '../createArchiveService.js';
import { attachIndexStore, indexStoreOf } from '../attachIndexStore.js';
import { openAnalysisStore, type AnalysisStore } from './AnalysisStore.js';

export type ArchiveWithAnalyses<A extends Archive = Archive> = A & { readonly analyses: AnalysisStore };

export function attachAnalysisStore<A extends Archive>(archive: A): Promise<ArchiveWithAnalyses<A>> {
  return attachIndexStore(archive, { key: 'analyses', name: 'analysis', open: openAnalysisStore });
}

/** The analysis store of an archive opened by openArchive; undefined for other ArchiveService implementations. */
export function analysisStoreOf(archive: ArchiveService): AnalysisStore | undefined {
  return indexStoreOf<AnalysisStore>(archive, 'analyses');
}
