/**
 * Deterministic UIDs for objects whose Study or Series Instance UID is empty: '2.25.'
 * followed by the decimal form of a 128-bit value (PS3.5 B.2, UUID-derived UIDs), here the
 * first 128 bits of SHA-256 over the grouping attributes. The same attributes always give
 * the same UID, whatever the order or the run in which files arrive.
 */
import { createHash } from 'node:crypto';

export function deriveUid(namespace: string, parts: readonly string[]): string {
  const hash = createHash('sha256');
  hash.update(namespace);
  for (const part of parts) {
    hash.update('\u0000');
    hash.update(part);
  }
  const hex = hash.digest('hex').slice(0, 32);
  return `2.25.${BigInt(`0x${hex}`).toString(10)}`;
}
