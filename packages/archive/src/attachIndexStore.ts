/**
 * The one way a store is hooked onto an opened archive (annotations, security, analyses):
 * its tables are created on the metadata index's own connection (KyselyMetadataIndex, SQLite
 * or PostgreSQL) and the store is added to the archive under `key`; when that fails the
 * archive is closed. Closing the archive closes the shared connection. `indexStoreOf` finds
 * such a store on any ArchiveService (undefined for other implementations).
 */
import type { Kysely } from 'kysely';
import { VertebraError } from '@vertebra/errors';
import type { ArchiveService } from './ArchiveService.js';
import type { Dialect } from './createIndexSchema.js';
import type { Archive } from './createArchiveService.js';
import { KyselyMetadataIndex } from './KyselyMetadataIndex.js';

export type ArchiveWithStore<A extends Archive, K extends string, S> = A & { readonly [P in K]: S };

export async function attachIndexStore<A extends Archive, K extends string, S>(
  archive: A,
  options: { readonly key: K; readonly name: string; readonly open: (connection: { readonly db: Kysely<unknown>; readonly dialect: Dialect }) => Promise<S> },
): Promise<ArchiveWithStore<A, K, S>> {
  const index = archive.index;
  try {
    if (!(index instanceof KyselyMetadataIndex)) throw new VertebraError('CONFIG_INVALID', `the ${options.name} store needs the Kysely metadata index`, { subject: 'index' });
    const store = await options.open({ db: index.db as never, dialect: index.dialect });
    return Object.assign(archive, { [options.key]: store } as { readonly [P in K]: S });
  } catch (error) {
    await archive.close();
    throw error;
  }
}

export function indexStoreOf<S>(archive: ArchiveService, key: string): S | undefined {
  return (archive as unknown as Partial<Record<string, S>>)[key];
}
