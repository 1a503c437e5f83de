/**
 * Transport fuzz (issue 3, "Hostile input"): the parser fuzz corpus (packages/dicom/test/fuzz:
 * byte flips, truncations, huge length fields, sequences nested thousands deep, wrong VRs,
 * bogus transfer syntaxes, …; same seed, same indices) sent to a running server over
 * STOW-RS (PS3.18 10.5, one file per request) and C-STORE (PS3.7 9.1.1; the data set bytes
 * after the file meta, sent unchanged by a raw SCU on a fresh association per file). For
 * every file: the server answers within HANG_MS; a rejection carries a reason (STOW: a
 * FailedSOPSequence entry with FailureReason and a message, or an error body; C-STORE: a
 * failure status with an Error Comment, or a PS3.8 rejection of the presentation context);
 * an acceptance (the mutation is still valid DICOM) is retrievable byte-identical over
 * WADO-RS. Afterwards /health answers, the instances stored before the fuzz are unchanged
 * (same list, same SHA-256 of the stored bytes), the only new instances are accepted ones
 * (each accepted one is verified at once, then its study is deleted so that the next valid
 * mutation of the same base file is stored rather than a conflict), and every blob file is
 * referenced. FUZZ_TRANSPORT_COUNT files per transport (default
 * 120; `npm run test:stress`: 10,000); FUZZ_SEED as the parser fuzz; FUZZ_REPLAY=seed:index
 * replays one case through both transports.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPixelCodecs } from '@vertebra/dicom';
import type { FileSystemBlobStore } from '@vertebra/archive';
import { generateFuzzCase, loadBaseFiles, type BaseFile } from '../../../dicom/test/fuzz/fuzzCorpus.js';
import { makeCtInstance } from '../dimse/dimseTestSupport.js';
import { archiveSnapshot, cStoreRaw, splitForCStore, healthOk, retrieveInstance, sha256Hex, startStressServer, stow, type StressServer } from './stressSupport.js';

const replay = process.env.FUZZ_REPLAY?.split(':').map(Number);
const SEED = replay?.[0] ?? Number(process.env.FUZZ_SEED ?? 20261126);
const FIRST = replay?.[1] ?? 0;
const COUNT = replay === undefined ? Number(process.env.FUZZ_TRANSPORT_COUNT ?? 120) : 1;
/** A hang, not a slow answer: far above any legitimate ingest of these small files. */
const HANG_MS = 15_000;
const CT_IMAGE_STORAGE = '1.2.840.10008.5.1.4.1.1.2';
const EXPLICIT_LE = '1.2.840.10008.1.2.1';
const IMPLICIT_LE = '1.2.840.10008.1.2';
const UID = /^[0-9.]{1,64}$/;
const previousStudy = `1.2.826.0.1.3680043.10.777.8.${process.pid}`;

interface Failure {
  readonly transport: 'STOW-RS' | 'C-STORE';
  readonly index: number;
  readonly base: string;
  readonly mutations: readonly string[];
  readonly problem: string;
}

describe('transport fuzz: mutated DICOM over STOW-RS and C-STORE', () => {
  let server: StressServer;
  let bases: BaseFile[] = [];
  let before: Awaited<ReturnType<typeof archiveSnapshot>>;
  /** SOP Instance UIDs accepted (verified and deleted at once), with the case that carried them. */
  const accepted = new Map<string, { transport: string; index: number }>();
  const kept = new Set<string>();
  const failures: Failure[] = [];
  const tally = new Map<string, number>();
  const count = (key: string): void => void tally.set(key, (tally.get(key) ?? 0) + 1);
  let slowest = { ms: 0, what: '' };

  beforeAll(async () => {
    await loadPixelCodecs();
    bases = loadBaseFiles();
    server = await startStressServer();
    // The archive's previous content: other instances, and one unmutated base file, whose mutations that keep its UIDs meet a stored instance.
    const others = Array.from({ length: 12 }, (_, i) =>
      makeCtInstance({ patientName: 'BEFORE^FUZZ', patientId: 'PREV1', studyInstanceUid: `${previousStudy}`, seriesInstanceUid: `${previousStudy}.1`, sopInstanceUid: `${previousStudy}.1.${i + 1}`, studyDate: '20240101', instanceNumber: i + 1 }),
    );
    const conflictBase = bases.find((b) => b.name === 'synthetic-implicit-le');
    const preload = await stow(server.httpUrl, [...others, ...(conflictBase ? [conflictBase.bytes] : [])]);
    expect([200, 202], preload.text.slice(0, 500)).toContain(preload.status);
    before = await archiveSnapshot(server.archive);
    expect(before.size).toBeGreaterThan(0);
  }, 120_000);

  afterAll(async () => {
    await server?.close();
  });

  const timed = async <T>(what: string, run: () => Promise<T>): Promise<T | 'hang'> => {
    const started = performance.now();
    let timer: NodeJS.Timeout | undefined;
    const result = await Promise.race([run(), new Promise<'hang'>((resolve) => (timer = setTimeout(() => resolve('hang'), HANG_MS)))]);
    clearTimeout(timer);
    const ms = performance.now() - started;
    if (ms > slowest.ms) slowest = { ms, what };
    return result;
  };

  /**
   * An acceptance must read back byte-identical now; then its study is deleted so that the
   * next valid mutation of the same base file (same UIDs) is stored too, not a conflict.
   */
  const verifyAccepted = async (sopInstanceUid: string, matches: (bytes: Buffer) => boolean): Promise<string | undefined> => {
    const found = await server.archive.index.findInstance(sopInstanceUid);
    if (!found) return `accepted ${sopInstanceUid} is not in the index`;
    const bytes = await retrieveInstance(server.httpUrl, { studyInstanceUid: found.studyInstanceUid, seriesInstanceUid: found.seriesInstanceUid, sopInstanceUid });
    const problem = bytes === undefined ? `accepted ${sopInstanceUid} is not retrievable over WADO-RS` : matches(bytes) ? undefined : `accepted ${sopInstanceUid} does not read back byte-identical over WADO-RS`;
    // A study that held previous content is kept (its new instance stays, listed in `kept`).
    if ([...before.values()].some((entry) => entry.study === found.studyInstanceUid)) kept.add(sopInstanceUid);
    else await server.archive.deleteStudy(found.studyInstanceUid);
    return problem;
  };

  it(`sends ${COUNT} mutated files (seed ${SEED}) over STOW-RS: every one answered in time, rejected with a reason or stored intact`, async () => {
    for (let index = FIRST; index < FIRST + COUNT; index += 1) {
      const fuzzCase = generateFuzzCase(SEED, index, bases);
      const fail = (problem: string): void => void failures.push({ transport: 'STOW-RS', index, base: fuzzCase.base, mutations: fuzzCase.mutations, problem });
      const outcome = await timed(`STOW-RS ${index}`, () => stow(server.httpUrl, [fuzzCase.bytes], HANG_MS + 5000).catch((error: unknown) => new Error(String(error))));
      if (outcome === 'hang') {
        fail(`no answer within ${HANG_MS} ms`);
        continue;
      }
      if (outcome instanceof Error) {
        fail(`request failed: ${outcome.message}`);
        continue;
      }
      if (outcome.status >= 500) {
        fail(`HTTP ${outcome.status}: ${outcome.text.slice(0, 300)}`);
        continue;
      }
      if (outcome.status === 200 && outcome.stored.length === 1) {
        count('STOW-RS accepted');
        const sopInstanceUid = outcome.stored[0] ?? '';
        const sha256 = sha256Hex(fuzzCase.bytes);
        const problem = await verifyAccepted(sopInstanceUid, (bytes) => sha256Hex(bytes) === sha256);
        if (problem) fail(problem);
        accepted.set(sopInstanceUid, { transport: 'STOW-RS', index });
        continue;
      }
      const failed = outcome.failed[0];
      if (outcome.status === 409 && failed) {
        // FailureReason (PS3.18 Table 10.5.3-1) plus Vertebra's message naming the problem.
        if (failed.failureReason === undefined || !/"message"|[A-Z_]{6,}/.test(failed.text)) fail(`rejection without a reason: ${failed.text.slice(0, 300)}`);
        else count(`STOW-RS rejected ${failed.failureReason}`);
        continue;
      }
      if (outcome.status >= 400 && outcome.status < 500 && /[a-z]{4,}/i.test(outcome.text)) {
        count(`STOW-RS HTTP ${outcome.status}`);
        continue;
      }
      fail(`unexpected answer HTTP ${outcome.status}: ${outcome.text.slice(0, 300)}`);
    }
  }, 3_600_000);

  it(`sends the same ${COUNT} files over C-STORE: every one answered in time, rejected with a reason or stored intact`, async () => {
    for (let index = FIRST; index < FIRST + COUNT; index += 1) {
      const fuzzCase = generateFuzzCase(SEED, index, bases);
      const fail = (problem: string): void => void failures.push({ transport: 'C-STORE', index, base: fuzzCase.base, mutations: fuzzCase.mutations, problem });
      const split = splitForCStore(fuzzCase.bytes, { sopClassUid: CT_IMAGE_STORAGE, sopInstanceUid: '1.2.826.0.1.3680043.10.777.404' });
      const proposals = [...new Set([...(UID.test(split.transferSyntaxUid) ? [split.transferSyntaxUid] : []), EXPLICIT_LE, IMPLICIT_LE])];
      const outcome = await timed(`C-STORE ${index}`, () =>
        cStoreRaw({ port: server.dimsePort, sopClassUid: split.sopClassUid, sopInstanceUid: split.sopInstanceUid, transferSyntaxes: proposals, dataset: split.dataset, timeoutMs: HANG_MS }).catch(
          (error: unknown) => new Error(String(error)),
        ),
      );
      if (outcome === 'hang') {
        fail(`no answer within ${HANG_MS} ms`);
        continue;
      }
      if (outcome instanceof Error) {
        fail(`association failed: ${outcome.message}`);
        continue;
      }
      if (outcome.kind === 'association-rejected') {
        // Only a refused presentation context (a SOP class that is not a storage class) is a reasoned PS3.8 rejection.
        if (outcome.reason === 'no presentation context accepted') count('C-STORE context rejected');
        else fail(`association rejected: ${outcome.reason}`);
        continue;
      }
      if (outcome.kind === 'aborted') {
        fail(`the SCP aborted: ${outcome.reason}`);
        continue;
      }
      const status = outcome.status;
      if (status === 0x0000 || (status & 0xf000) === 0xb000) {
        count(`C-STORE accepted ${status.toString(16)}`);
        // Stored as a Part 10 file: the SCP's file meta, then the data set bytes exactly as sent.
        const dataset = Buffer.from(split.dataset);
        const problem = await verifyAccepted(split.sopInstanceUid, (bytes) => bytes.length > dataset.length && bytes.subarray(bytes.length - dataset.length).equals(dataset));
        // PS3.4 B.2.3 / dcmtk storescp: a data set whose SOP Instance UID is not the Affected SOP Instance UID is refused (A900), not filed elsewhere.
        if (problem) fail(`${problem} (status ${status.toString(16)} "${outcome.errorComment}")`);
        accepted.set(split.sopInstanceUid, { transport: 'C-STORE', index });
        continue;
      }
      if (outcome.errorComment.trim().length < 4) fail(`failure status ${status.toString(16)} without an Error Comment`);
      else count(`C-STORE status ${status.toString(16)}`);
    }
  }, 3_600_000);

  it('leaves the server healthy, the previous content unchanged, and every acceptance retrievable byte-identical', async () => {
    console.log(`transport fuzz: seed ${SEED}, ${COUNT} files per transport; ${JSON.stringify(Object.fromEntries([...tally].sort()))}; ${accepted.size} distinct SOP Instance UIDs accepted and read back; slowest answer ${slowest.ms.toFixed(0)} ms (${slowest.what})`);
    expect(await healthOk(server.httpUrl)).toBe(true);
    const after = await archiveSnapshot(server.archive);
    for (const [sopInstanceUid, entry] of before) {
      expect(after.get(sopInstanceUid), `previously stored ${sopInstanceUid} changed`).toEqual(entry);
    }
    const report = failures.slice(0, 20).map((f) => `${f.transport} seed ${SEED} index ${f.index} (replay: FUZZ_REPLAY=${SEED}:${f.index}) base ${f.base} [${f.mutations.join('; ')}]: ${f.problem}`);
    expect(report, `${failures.length} failures`).toEqual([]);
    // Accepted instances were verified and deleted as they came (or kept in a study of the previous content): nothing else is new.
    expect([...after.keys()].filter((sopInstanceUid) => !before.has(sopInstanceUid) && !kept.has(sopInstanceUid)), 'instances stored although no answer accepted them').toEqual([]);
    for (const [sopInstanceUid, entry] of after) expect(entry.sha256, `stored ${sopInstanceUid} does not match its recorded SHA-256`).toBe(entry.recorded);
    // No garbage left behind: every blob file is referenced by an index row.
    const recorded = new Set([...after.values()].map((entry) => entry.recorded));
    await new Promise((resolve) => setTimeout(resolve, 200)); // deletions of unreferenced blobs run after the answer
    const files = await (server.archive.blobs as FileSystemBlobStore).listBlobKeys();
    expect(files.filter((sha256) => !recorded.has(sha256)), 'blob files that no row references').toEqual([]);

  }, 600_000);
});
