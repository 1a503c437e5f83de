/**
 * Where the archive keeps the Part 10 bytes of each instance. Blobs are content-addressed:
 * the key is the SHA-256 of the bytes (hex), never a UID or anything a caller sent, so no
 * input can name a path. `put` resolves only once the blob is durable (survives a crash),
 * which is what lets the metadata index reference it in the same breath.
 */
export interface BlobStore {
  /** Stores `bytes` under `sha256` (hex, computed by the caller) and resolves when durable. */
  put(sha256: string, bytes: Uint8Array): Promise<void>;
  /** The stored bytes; rejects with ARCHIVE_NOT_FOUND when absent. */
  get(sha256: string): Promise<Uint8Array>;
  has(sha256: string): Promise<boolean>;
  /** Removes a blob; absent blobs are ignored. */
  delete(sha256: string): Promise<void>;
  /** Removes leftovers of interrupted writes (temp files); called once on open. */
  recover(): Promise<{ removedTempFiles: number }>;
  close(): Promise<void>;
}

/** True for a lowercase hex SHA-256 digest: the only keys a BlobStore accepts. */
export function isBlobKey(key: string): boolean {
  return /^[0-9a-f]{64}$/.test(key);
}
