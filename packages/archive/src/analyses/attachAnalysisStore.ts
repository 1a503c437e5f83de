/**
 * Hooks the analysis store (issue 6: per-series CT spine analyses and their job state) onto
 * an opened archive, like the annotation and security stores: creates its table on the
 * metadata index's connection (KyselyMetadataIndex: SQLite or PostgreSQL) and adds the
 * store as `analyses`. openArchive calls this once; the server finds the store with
 * `analysisStoreOf(archive)`. Closing the archive closes the shared connection.
 */
import { VertebraError } from '@vertebra/errors';
import type { ArchiveService } from '../ArchiveService.js';
import type { Archive } from '../createArchiveService.js';
import { KyselyMetadataIndex } from '../KyselyMetadataIndex.js';
import { openAnalysisStore, type AnalysisStore } from './AnalysisStore.js';

export type ArchiveWithAnalyses<A extends Archive = Archive> = A & { readonly analyses: AnalysisStore };

export async function attachAnalysisStore<A extends Archive>(archive: A): Promise<ArchiveWithAnalyses<A>> {
  const index = archive.index;
  try {
    if (!(index instanceof KyselyMetadataIndex)) throw new VertebraError('CONFIG_INVALID', 'the analysis store needs the Kysely metadata index', { subject: 'index' });
    const analyses = await openAnalysisStore({ db: index.db as never, dialect: index.dialect });
    return Object.assign(archive, { analyses });
  } catch (error) {
    await archive.close();
    throw error;
  }
}

/** The analysis store of an archive opened by openArchive; undefined for other ArchiveService implementations. */
export function analysisStoreOf(archive: ArchiveService): AnalysisStore | undefined {
  const store = (archive as Partial<ArchiveWithAnalyses>).analyses;
  return store === undefined ? undefined : store;
}
