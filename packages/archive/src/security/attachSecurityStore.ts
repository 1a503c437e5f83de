/**
 * Hooks the security store (issue 3: users, tokens, sessions, audit trail, secrets) onto an
 * opened archive, like the annotation store: creates its tables on the metadata index's
 * connection (KyselyMetadataIndex: SQLite or PostgreSQL) and adds the store as `security`.
 * openArchive calls this once; the server and the CLI find the store with
 * `securityStoreOf(archive)`. Closing the archive closes the shared connection.
 */
import { VertebraError } from '@vertebra/errors';
import type { ArchiveService } from '../ArchiveService.js';
import type { Archive } from '../createArchiveService.js';
import { KyselyMetadataIndex } from '../KyselyMetadataIndex.js';
import { openSecurityStore } from './openSecurityStore.js';
import type { SecurityStore } from './SecurityStore.js';

export type ArchiveWithSecurity<A extends Archive = Archive> = A & { readonly security: SecurityStore };

export async function attachSecurityStore<A extends Archive>(archive: A): Promise<ArchiveWithSecurity<A>> {
  const index = archive.index;
  try {
    if (!(index instanceof KyselyMetadataIndex)) throw new VertebraError('CONFIG_INVALID', 'the security store needs the Kysely metadata index', { subject: 'index' });
    const security = await openSecurityStore({ db: index.db as never, dialect: index.dialect });
    return Object.assign(archive, { security });
  } catch (error) {
    await archive.close();
    throw error;
  }
}

/** The security store of an archive opened by openArchive; undefined for other ArchiveService implementations. */
export function securityStoreOf(archive: ArchiveService): SecurityStore | undefined {
  const store = (archive as Partial<ArchiveWithSecurity>).security;
  return store === undefined ? undefined : store;
}
