/**
 * Hooks the annotation store (issue 5: viewer measurements and calibrations) onto an opened
 * archive as `annotations` (attachIndexStore). openArchive calls this once; transports find
 * the store with `annotationStoreOf(archive)`.
 */
import type { ArchiveService } from '../ArchiveService.js';
import type { Archive } from '../createArchiveService.js';
import { attachIndexStore, indexStoreOf } from '../attachIndexStore.js';
import { openAnnotationStore, type AnnotationStore } from './AnnotationStore.js';

export type ArchiveWithAnnotations<A extends Archive = Archive> = A & { readonly annotations: AnnotationStore };

export function attachAnnotationStore<A extends Archive>(archive: A): Promise<ArchiveWithAnnotations<A>> {
  return attachIndexStore(archive, { key: 'annotations', name: 'annotation', open: openAnnotationStore });
}

/** The annotation store of an archive opened by openArchive; undefined for other ArchiveService implementations. */
export function annotationStoreOf(archive: ArchiveService): AnnotationStore | undefined {
  return indexStoreOf<AnnotationStore>(archive, 'annotations');
}
