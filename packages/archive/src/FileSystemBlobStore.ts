/**
 * The default BlobStore: one file per blob under `<root>/blobs/<aa>/<sha256>` (256 fan-out
 * directories, created once when the store opens, so a write never creates a directory).
 *
 * A put writes the file under its final, content-addressed name and makes it durable with
 * two flushes that run in parallel on the libuv pool: fdatasync of the file (its data, size
 * and block map) and fsync of its directory (the new name; POSIX needs both, and the
 * directory fsync must follow the creation, which it does: the file is created first). The
 * put resolves only when both are done, so the archive's index never references a blob
 * that a crash could lose. Two pool round trips per put instead of six (open, write, fsync,
 * close, rename, directory fsync), which were most of the latency of one C-STORE: the open
 * stays on the pool (creating a file can wait ~1 ms for the journal while other puts'
 * fsyncs commit it), the write into the page cache is synchronous for blobs up to
 * `syncWriteMaxBytes`, and the close is synchronous (no flush on close: no O_TRUNC).
 *
 * No temp file and no rename: the name is the SHA-256 of the bytes, so whatever is found
 * under it is either those bytes or the leftover of a write that a crash interrupted, and
 * such a leftover is never referenced (the index row is committed only after the put
 * resolved). A put that finds the name taken rewrites the same bytes in place (never
 * truncating first, so a reader of a complete blob sees the same bytes throughout), trims
 * any excess, and syncs: that repairs a leftover and is harmless for a complete blob.
 * Unreferenced files of failed ingests are deleted by the archive; crash leftovers are moved
 * to `<root>/quarantine/blobs/` by sweepOrphanBlobs when the archive opens (listBlobs,
 * quarantine, restoreFromQuarantine below).
 * `tmp/` is kept only to remove the temp files of versions that wrote through it.
 * Directory fsyncs requested while one for the same directory is running are coalesced
 * into one follow-up fsync (group fsync).
 */
import { closeSync, constants as fsConstants, fdatasync as fsFdatasync, fstatSync, ftruncateSync, open as fsOpen, write as fsWrite, writeSync } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { VertebraError } from '@vertebra/errors';
import { isBlobKey, type BlobStore } from './BlobStore.js';

export interface FileSystemBlobStoreOptions {
  /** Directory that holds `blobs/` and `tmp/`; created when missing. */
  readonly root: string;
  /** Skip fsync (tests of logic only; never in production). Default false. */
  readonly unsafeNoFsync?: boolean;
  /** Blobs up to this size are written with one synchronous write into the page cache; larger ones on the pool. Default 2 MiB. */
  readonly syncWriteMaxBytes?: number;
}

const tempSuffix = '.tmp';

const defaultSyncWriteMaxBytes = 2 * 1024 * 1024;
const createFlags = fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL;

const fdOpen = (path: string, flags: number, mode: number): Promise<number> =>
  new Promise((resolve, reject) => fsOpen(path, flags, mode, (error, fd) => (error ? reject(error) : resolve(fd))));
const fdWrite = (fd: number, bytes: Uint8Array, offset: number, length: number, position: number): Promise<number> =>
  new Promise((resolve, reject) => fsWrite(fd, bytes, offset, length, position, (error, written) => (error ? reject(error) : resolve(written))));
const fdDatasync = (fd: number): Promise<void> => new Promise((resolve, reject) => fsFdatasync(fd, (error) => (error ? reject(error) : resolve())));

/** What quarantine() did with one blob file. */
export type QuarantineOutcome = 'moved' | 'too-young' | 'changed' | 'missing';

interface DirectorySync {
  running: Promise<void> | null;
  next: Promise<void> | null;
}

export class FileSystemBlobStore implements BlobStore {
  readonly #blobRoot: string;
  readonly #tempRoot: string;
  readonly #quarantineRoot: string;
  readonly #fsync: boolean;
  readonly #syncWriteMaxBytes: number;
  readonly #dirSyncs = new Map<string, DirectorySync>();
  readonly #dirHandles = new Map<string, Promise<FileHandle>>();

  private constructor(options: FileSystemBlobStoreOptions) {
    this.#blobRoot = join(options.root, 'blobs');
    this.#tempRoot = join(options.root, 'tmp');
    this.#quarantineRoot = join(options.root, 'quarantine', 'blobs');
    this.#fsync = options.unsafeNoFsync !== true;
    this.#syncWriteMaxBytes = options.syncWriteMaxBytes ?? defaultSyncWriteMaxBytes;
  }

  /** Creates the directories and removes temp files left by an interrupted write. */
  static async open(options: FileSystemBlobStoreOptions): Promise<FileSystemBlobStore> {
    const store = new FileSystemBlobStore(options);
    await mkdir(store.#blobRoot, { recursive: true });
    await mkdir(store.#tempRoot, { recursive: true });
    const existing = new Set(await readdir(store.#blobRoot));
    let created = false;
    for (let i = 0; i < 256; i++) {
      const name = i.toString(16).padStart(2, '0');
      if (existing.has(name)) continue;
      await mkdir(join(store.#blobRoot, name), { recursive: true });
      created = true;
    }
    if (created) {
      await store.#syncDirectory(store.#blobRoot);
      await store.#syncDirectory(options.root);
    }
    await store.recover();
    return store;
  }

  #pathOf(sha256: string): { dir: string; file: string } {
    if (!isBlobKey(sha256)) throw new VertebraError('INTERNAL', `not a blob key: ${JSON.stringify(sha256.slice(0, 80))}`);
    const dir = join(this.#blobRoot, sha256.slice(0, 2));
    return { dir, file: join(dir, sha256) };
  }

  async put(sha256: string, bytes: Uint8Array): Promise<void> {
    const { dir, file } = this.#pathOf(sha256);
    let fd: number;
    let existed = false;
    try {
      // On the pool: creating a file waits for the journal while other puts' fsyncs commit it.
      try {
        fd = await fdOpen(file, createFlags, 0o640);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        // A complete blob of the same bytes, or the leftover of an interrupted write: rewrite in place.
        fd = await fdOpen(file, fsConstants.O_WRONLY, 0o640);
        existed = true;
      }
    } catch (error) {
      throw new VertebraError('ARCHIVE_STORAGE_FAILED', `cannot write blob ${sha256}: ${(error as Error).message}`, { cause: error });
    }
    try {
      const length = bytes.byteLength;
      let offset = 0;
      if (length <= this.#syncWriteMaxBytes) {
        while (offset < length) offset += writeSync(fd, bytes, offset, length - offset, offset);
      } else {
        while (offset < length) offset += await fdWrite(fd, bytes, offset, length - offset, offset);
      }
      if (existed && fstatSync(fd).size !== length) ftruncateSync(fd, length);
      if (this.#fsync) {
        // Both flushes at once: the file's data and its name (the directory entry made by the open above).
        const data = fdDatasync(fd);
        const name = this.#syncDirectory(dir);
        const [dataResult, nameResult] = await Promise.allSettled([data, name]);
        if (dataResult.status === 'rejected') throw dataResult.reason;
        if (nameResult.status === 'rejected') throw nameResult.reason;
      }
    } catch (error) {
      // What was written stays as an unreferenced file; the archive deletes it.
      throw new VertebraError('ARCHIVE_STORAGE_FAILED', `cannot write blob ${sha256} durably: ${(error as Error).message}`, { cause: error });
    } finally {
      try {
        closeSync(fd);
      } catch {
        // The outcome is decided by the write and the flushes above; a failed close changes nothing on disk.
      }
    }
  }

  /** An open handle per directory, kept for the store's lifetime: a directory fsync is then one call. */
  #directoryHandle(dir: string): Promise<FileHandle> {
    let handle = this.#dirHandles.get(dir);
    if (!handle) {
      handle = open(dir, 'r');
      this.#dirHandles.set(dir, handle);
      handle.catch(() => this.#dirHandles.delete(dir));
    }
    return handle;
  }

  /** fsyncs a directory; callers arriving while one runs share the next one. */
  #syncDirectory(dir: string): Promise<void> {
    if (!this.#fsync) return Promise.resolve();
    let state = this.#dirSyncs.get(dir);
    if (!state) {
      state = { running: null, next: null };
      this.#dirSyncs.set(dir, state);
    }
    const entry = state;
    const runOnce = async (): Promise<void> => {
      await (await this.#directoryHandle(dir)).sync();
    };
    const start = (): Promise<void> => {
      const running = runOnce().finally(() => {
        entry.running = null;
        if (entry.next === null) this.#dirSyncs.delete(dir);
      });
      entry.running = running;
      return running;
    };
    if (entry.running === null) return start();
    if (entry.next === null) {
      entry.next = entry.running.catch(() => undefined).then(() => {
        entry.next = null;
        return start();
      });
    }
    return entry.next;
  }

  async get(sha256: string): Promise<Uint8Array> {
    const { file } = this.#pathOf(sha256);
    try {
      const buffer = await readFile(file);
      return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new VertebraError('ARCHIVE_NOT_FOUND', `blob ${sha256} is not in the blob store`);
      }
      throw new VertebraError('ARCHIVE_STORAGE_FAILED', `cannot read blob ${sha256}: ${(error as Error).message}`, { cause: error });
    }
  }

  async has(sha256: string): Promise<boolean> {
    const { file } = this.#pathOf(sha256);
    try {
      return (await stat(file)).isFile();
    } catch {
      return false;
    }
  }

  async delete(sha256: string): Promise<void> {
    const { file } = this.#pathOf(sha256);
    try {
      await unlink(file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }

  /** Names of the blob files only (no stat): the cheap first step of a sweep. */
  async listBlobKeys(): Promise<string[]> {
    const out: string[] = [];
    for (const dir of await readdir(this.#blobRoot)) {
      if (!/^[0-9a-f]{2}$/.test(dir)) continue;
      for (const name of await readdir(join(this.#blobRoot, dir))) if (isBlobKey(name) && name.slice(0, 2) === dir) out.push(name);
    }
    return out;
  }

  /** Where quarantined blobs go: `<root>/quarantine/blobs/<sha256>`. */
  get quarantineDirectory(): string {
    return this.#quarantineRoot;
  }

  /**
   * Moves one blob file to the quarantine folder (an atomic rename on the same filesystem),
   * unless it was modified at or after `modifiedBeforeMs` (a writer may still be about to
   * reference it) or, when `expectedMtimeMs` is given, modified since it was listed.
   */
  async quarantine(sha256: string, options: { modifiedBeforeMs: number; expectedMtimeMs?: number }): Promise<QuarantineOutcome> {
    const { file } = this.#pathOf(sha256);
    let mtimeMs: number;
    try {
      mtimeMs = (await stat(file)).mtimeMs;
    } catch {
      return 'missing';
    }
    if (mtimeMs >= options.modifiedBeforeMs) return 'too-young';
    if (options.expectedMtimeMs !== undefined && mtimeMs !== options.expectedMtimeMs) return 'changed';
    await mkdir(this.#quarantineRoot, { recursive: true });
    try {
      await rename(file, join(this.#quarantineRoot, sha256));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
      throw error;
    }
    await this.#syncDirectory(this.#quarantineRoot);
    return 'moved';
  }

  /** Puts a quarantined blob back under its name (when the name is still free); true when moved back. */
  async restoreFromQuarantine(sha256: string): Promise<boolean> {
    const { dir, file } = this.#pathOf(sha256);
    if (await this.has(sha256)) return false;
    try {
      await rename(join(this.#quarantineRoot, sha256), file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw error;
    }
    await this.#syncDirectory(dir);
    return true;
  }

  async recover(): Promise<{ removedTempFiles: number }> {
    let removedTempFiles = 0;
    for (const name of await readdir(this.#tempRoot)) {
      if (!name.endsWith(tempSuffix)) continue;
      await rm(join(this.#tempRoot, name), { force: true });
      removedTempFiles += 1;
    }
    return { removedTempFiles };
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.#dirSyncs.values()].map((s) => s.next ?? s.running));
    const handles = [...this.#dirHandles.values()];
    this.#dirHandles.clear();
    await Promise.allSettled(handles.map(async (h) => (await h).close()));
  }
}
