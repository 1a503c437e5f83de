/**
 * Unit tests of the pure parts: query planning (PS3.4 C.2.2.2 value syntax → plan),
 * SQL LIKE escaping, derived UIDs, the group-commit queue and the blob store's crash
 * rules (temp files removed on open, keys are digests only).
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileSystemBlobStore, GroupCommitQueue, deriveUid, planQuery } from '@vertebra/archive';

describe('planQuery', () => {
  it('turns wildcards into an escaped LIKE pattern with the literal prefix', () => {
    const plan = planQuery({ level: 'STUDY', match: { PatientID: 'A%_!*x?' } });
    expect(plan.matches[0]!.condition).toEqual({ kind: 'values', alternatives: [{ kind: 'like', pattern: 'A!%!_!!%x_', literalPrefix: 'A%_!' }] });
  });

  it('expands partial dates and open ranges', () => {
    const condition = (value: string) => planQuery({ level: 'STUDY', match: { StudyDate: value } }).matches[0]!.condition;
    expect(condition('2020')).toEqual({ kind: 'range', from: '20200101', to: '20201231' });
    expect(condition('-202002')).toEqual({ kind: 'range', from: null, to: '20200231' });
    expect(condition('20200105-')).toEqual({ kind: 'range', from: '20200105', to: null });
    expect(planQuery({ level: 'STUDY', match: { StudyTime: '-1030' } }).matches[0]!.condition).toEqual({ kind: 'range', from: null, to: '103059.999999' });
  });

  it('treats empty values and lone * as universal matching, and returns the key', () => {
    const plan = planQuery({ level: 'SERIES', match: { Modality: '', SeriesDescription: '*', BodyPartExamined: '' } });
    expect(plan.matches).toEqual([]);
    expect(plan.returnAttributes.map((a) => a.keyword)).toEqual(expect.arrayContaining(['Modality', 'SeriesDescription', 'BodyPartExamined', 'StudyInstanceUID']));
  });

  it('resolves keywords outside the index through the given dictionary', () => {
    const plan = planQuery({ level: 'IMAGE', match: {}, includeFields: ['SliceThickness', '00280030'] }, { tagForKeyword: (k) => (k === 'SliceThickness' ? '00180050' : undefined) });
    expect(plan.extraTags).toEqual(['00180050', '00280030']);
  });
});

describe('deriveUid', () => {
  it('is deterministic, a valid 2.25 UID, and differs when any part differs', () => {
    const a = deriveUid('ns', ['x', 'y']);
    expect(a).toBe(deriveUid('ns', ['x', 'y']));
    expect(a).toMatch(/^2\.25\.(0|[1-9]\d{0,38})$/);
    expect(a.length).toBeLessThanOrEqual(64);
    expect(deriveUid('ns', ['xy', ''])).not.toBe(a);
    expect(deriveUid('other', ['x', 'y'])).not.toBe(a);
  });
});

describe('GroupCommitQueue', () => {
  it('commits concurrent submissions in batches, in order, and never overlaps two commits', async () => {
    const batches: number[][] = [];
    let running = 0;
    let overlapped = false;
    const queue = new GroupCommitQueue<number, number>({
      maxItems: 10,
      maxDelayMs: 1,
      commit: async (items) => {
        running += 1;
        if (running > 1) overlapped = true;
        batches.push([...items]);
        await new Promise((r) => setTimeout(r, 5));
        running -= 1;
        return items.map((i) => i * 2);
      },
    });
    const results = await Promise.all(Array.from({ length: 35 }, (_, i) => queue.submit(i)));
    expect(results).toEqual(Array.from({ length: 35 }, (_, i) => i * 2));
    expect(overlapped).toBe(false);
    expect(batches.flat()).toEqual(Array.from({ length: 35 }, (_, i) => i));
    expect(batches.length).toBeLessThan(35);
    expect(Math.max(...batches.map((b) => b.length))).toBeLessThanOrEqual(10);
    await queue.close();
    await expect(queue.submit(1)).rejects.toThrow(/closed/);
  });

  it('commits a lone item at once and batches exactly what arrives during a commit (default: no delay)', async () => {
    const batches: number[][] = [];
    let release: (() => void) | null = null;
    const queue = new GroupCommitQueue<number, number>({
      commit: async (items) => {
        batches.push([...items]);
        if (batches.length === 1) await new Promise<void>((resolve) => (release = resolve));
        return [...items];
      },
    });
    const first = queue.submit(1);
    // The first commit starts without anything else arriving (no waiting for a batch to fill).
    while (release === null) await new Promise((resolve) => setImmediate(resolve));
    const rest = [queue.submit(2), queue.submit(3), queue.submit(4)];
    expect(batches).toEqual([[1]]);
    (release as () => void)();
    expect(await first).toBe(1);
    expect(await Promise.all(rest)).toEqual([2, 3, 4]);
    expect(batches).toEqual([[1], [2, 3, 4]]);
    await queue.close();
  });

  it('rejects every item of a failed batch and keeps working', async () => {
    let fail = true;
    const queue = new GroupCommitQueue<number, number>({ maxDelayMs: 1, commit: async (items) => { if (fail) throw new Error('disk full'); return [...items]; } });
    await expect(Promise.all([queue.submit(1), queue.submit(2)])).rejects.toThrow('disk full');
    fail = false;
    expect(await queue.submit(3)).toBe(3);
    await queue.close();
  });
});

describe('FileSystemBlobStore', () => {
  it('stores under digest names only, removes temp files on open, and refuses keys that are not digests', async () => {
    const root = mkdtempSync(join(tmpdir(), 'vertebra-blobs-'));
    try {
      const store = await FileSystemBlobStore.open({ root });
      const sha = 'ab'.repeat(32);
      await store.put(sha, new Uint8Array([1, 2, 3]));
      expect(Array.from(await store.get(sha))).toEqual([1, 2, 3]);
      expect(await store.has(sha)).toBe(true);
      await expect(store.put('../../etc/passwd', new Uint8Array([1]))).rejects.toThrow(/not a blob key/);
      await expect(store.get('cd'.repeat(32))).rejects.toMatchObject({ code: 'ARCHIVE_NOT_FOUND' });
      await store.close();
      writeFileSync(join(root, 'tmp', 'leftover.tmp'), 'partial');
      const reopened = await FileSystemBlobStore.open({ root });
      expect(readdirSync(join(root, 'tmp'))).toEqual([]);
      await reopened.delete(sha);
      expect(await reopened.has(sha)).toBe(false);
      await reopened.close();
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('FileSystemBlobStore leftovers', () => {
  it('repairs a leftover under the final name (shorter or longer than the blob) by rewriting it in place', async () => {
    const root = mkdtempSync(join(tmpdir(), 'vertebra-blobs-'));
    try {
      const store = await FileSystemBlobStore.open({ root });
      const bytes = new Uint8Array(10_000).map((_, i) => i % 251);
      for (const leftover of [bytes.subarray(0, 1234), new Uint8Array(20_000).fill(9)]) {
        const sha = 'cd'.repeat(32);
        writeFileSync(join(root, 'blobs', 'cd', sha), leftover);
        await store.put(sha, bytes);
        expect(Buffer.from(await store.get(sha)).equals(Buffer.from(bytes))).toBe(true);
        await store.put(sha, bytes); // a second put of the same bytes changes nothing
        expect(Buffer.from(await store.get(sha)).equals(Buffer.from(bytes))).toBe(true);
        await store.delete(sha);
      }
      expect(readdirSync(join(root, 'tmp'))).toEqual([]);
      await store.close();
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('openArchive configuration', () => {
  it('refuses a database URL that is not PostgreSQL, and an unreachable server, with CONFIG_INVALID', async () => {
    const { openArchive } = await import('@vertebra/archive');
    const dataDir = mkdtempSync(join(tmpdir(), 'vertebra-config-'));
    try {
      await expect(openArchive({ dataDir, databaseUrl: 'mysql://localhost/x' })).rejects.toMatchObject({ code: 'CONFIG_INVALID', subject: 'databaseUrl' });
      await expect(openArchive({ dataDir, databaseUrl: 'postgres://root@127.0.0.1:1/test' })).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
      await expect(openArchive({ dataDir, databaseUrl: 'postgres://root@127.0.0.1:5432/test', databaseSchema: 'x; drop table y' })).rejects.toMatchObject({ code: 'CONFIG_INVALID', subject: 'databaseSchema' });
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
