/**
 * The archive's persistent de-identification key (issue 3, DICOM PS3.15 Annex E): the
 * HMAC key of pseudonymous UIDs, patient pseudonyms and date offsets. One key per archive,
 * created on first use (32 random bytes, hex) and kept in the secrets table, so that every
 * export and the research API give the same pseudonyms for the same patient, in every
 * process. Whoever holds it can link pseudonyms back to known originals: it never leaves
 * the database.
 */
import { randomBytes } from 'node:crypto';
import type { SecurityStore } from './SecurityStore.js';

export const deidentificationKeySecretName = 'deidentification-key';

export function deidentificationKeyOf(store: SecurityStore): Promise<string> {
  return store.getOrCreateSecret(deidentificationKeySecretName, () => randomBytes(32).toString('hex'));
}
