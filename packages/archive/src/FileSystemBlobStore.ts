/**
 * The default BlobStore: one file per blob under `<root>/blobs/<aa>/<sha256>` (256 fan-out
 * directories, created once when the store opens, so a write never creates a directory).
 * A write is crash-atomic: the bytes go to a temp file in `<root>/tmp` (same file system),
 * the file is fsynced, renamed into place, and the target directory is fsynced, so after a
 * crash a blob is either absent or complete. Directory fsyncs that are requested while one
 * for the same directory is running are coalesced into one follow-up fsync (group fsync).
 * Work runs on the libuv pool, so many puts fsync in parallel.
 */
import { randomBytes } from 'node:crypto';
import { close as fsClose, fsync as fsFsync, open as fsOpen, write as fsWrite } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { VertebraError } from '@vertebra/errors';
import { isBlobKey, type BlobStore } from './BlobStore.js';

export interface FileSystemBlobStoreOptions {
  /** Directory that holds `blobs/` and `tmp/`; created when missing. */
  readonly root: string;
  /** Skip fsync (tests of logic only; never in production). Default false. */
  readonly unsafeNoFsync?: boolean;
}

const tempSuffix = '.tmp';

const fdOpen = (path: string, flags: string, mode: number): Promise<number> =>
  new Promise((resolve, reject) => fsOpen(path, flags, mode, (error, fd) => (error ? reject(error) : resolve(fd))));
const fdWrite = (fd: number, bytes: Uint8Array, offset: number, length: number): Promise<number> =>
  new Promise((resolve, reject) => fsWrite(fd, bytes, offset, length, null, (error, written) => (error ? reject(error) : resolve(written))));
const fdSync = (fd: number): Promise<void> => new Promise((resolve, reject) => fsFsync(fd, (error) => (error ? reject(error) : resolve())));
const fdClose = (fd: number): Promise<void> => new Promise((resolve, reject) => fsClose(fd, (error) => (error ? reject(error) : resolve())));

interface DirectorySync {
  running: Promise<void> | null;
  next: Promise<void> | null;
}

export class FileSystemBlobStore implements BlobStore {
  readonly #blobRoot: string;
  readonly #tempRoot: string;
  readonly #fsync: boolean;
  readonly #dirSyncs = new Map<string, DirectorySync>();
  readonly #dirHandles = new Map<string, Promise<FileHandle>>();

  private constructor(options: FileSystemBlobStoreOptions) {
    this.#blobRoot = join(options.root, 'blobs');
    this.#tempRoot = join(options.root, 'tmp');
    this.#fsync = options.unsafeNoFsync !== true;
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
    const temp = join(this.#tempRoot, `${sha256.slice(0, 16)}-${randomBytes(8).toString('hex')}${tempSuffix}`);
    try {
      // fd-based calls: cheaper on the event loop than FileHandle objects.
      const fd = await fdOpen(temp, 'wx', 0o640);
      try {
        let offset = 0;
        while (offset < bytes.byteLength) offset += await fdWrite(fd, bytes, offset, bytes.byteLength - offset);
        if (this.#fsync) await fdSync(fd);
      } finally {
        await fdClose(fd);
      }
      await rename(temp, file);
    } catch (error) {
      await rm(temp, { force: true }).catch(() => undefined);
      throw new VertebraError('ARCHIVE_STORAGE_FAILED', `cannot write blob ${sha256}: ${(error as Error).message}`, { cause: error });
    }
    try {
      await this.#syncDirectory(dir);
    } catch (error) {
      throw new VertebraError('ARCHIVE_STORAGE_FAILED', `cannot make blob ${sha256} durable: ${(error as Error).message}`, { cause: error });
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
