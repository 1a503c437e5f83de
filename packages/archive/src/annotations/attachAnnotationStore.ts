/**
 * Hooks the annotation store onto an opened archive: creates its tables on the metadata
 * index's connection (KyselyMetadataIndex: SQLite or PostgreSQL) and adds the store as
 * `annotations`. openArchive calls this once; transports find the store with
 * `annotationStoreOf(archive)`. Closing the archive closes the shared connection.
 */
import { VertebraError } from '@vertebra/errors';
import type { ArchiveService } from '../ArchiveService.js';
import type { Archive } from '../createArchiveService.js';
import { KyselyMetadataIndex } from '../KyselyMetadataIndex.js';
import { openAnnotationStore, type AnnotationStore } from './AnnotationStore.js';

export type ArchiveWithAnnotations = Archive & { readonly annotations: AnnotationStore };

export async function attachAnnotationStore(archive: Archive): Promise<ArchiveWithAnnotations> {
  const index = archive.index;
  try {
    if (!(index instanceof KyselyMetadataIndex)) throw new VertebraError('CONFIG_INVALID', 'the annotation store needs the Kysely metadata index', { subject: 'index' });
    const annotations = await openAnnotationStore({ db: index.db as never, dialect: index.dialect });
    return Object.assign(archive, { annotations });
  } catch (error) {
    await archive.close();
    throw error;
  }
}

/** The annotation store of an archive opened by openArchive; undefined for other ArchiveService implementations. */
export function annotationStoreOf(archive: ArchiveService): AnnotationStore | undefined {
  const store = (archive as Partial<ArchiveWithAnnotations>).annotations;
  return store === undefined ? undefined : store;
}
