/**
 * Hooks the security store (issue 3: users, tokens, sessions, audit trail, secrets) onto an
 * opened archive as `security` (attachIndexStore). openArchive calls this once; the server
 * and the CLI find the store with `securityStoreOf(archive)`.
 */
import type { ArchiveService } from '../ArchiveService.js';
import type { Archive } from '../createArchiveService.js';
import { attachIndexStore, indexStoreOf } from '../attachIndexStore.js';
import { openSecurityStore } from './openSecurityStore.js';
import type { SecurityStore } from './SecurityStore.js';

export type ArchiveWithSecurity<A extends Archive = Archive> = A & { readonly security: SecurityStore };

export function attachSecurityStore<A extends Archive>(archive: A): Promise<ArchiveWithSecurity<A>> {
  return attachIndexStore(archive, { key: 'security', name: 'security', open: openSecurityStore });
}

/** The security store of an archive opened by openArchive; undefined for other ArchiveService implementations. */
export function securityStoreOf(archive: ArchiveService): SecurityStore | undefined {
  return indexStoreOf<SecurityStore>(archive, 'security');
}
