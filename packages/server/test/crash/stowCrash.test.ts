/**
 * Crash safety of ingest (issue 2 and issue 3, "SIGKILL at random moments during ingest";
 * DESIGN.md "no data ever lost"): the real `vertebra serve` runs as a child process on one
 * data directory and receives instances over STOW-RS (PS3.18 10.5, several requests in
 * flight) and C-STORE (PS3.7 9.1.1, two associations) at the same time, and is killed with
 * SIGKILL at a random moment (after a random number of acknowledgements plus 0-60 ms, so the
 * kill lands inside parsing, a blob write, an fsync or an index transaction). It is then
 * restarted on the same directory, and the restart time is printed (spawn until /health
 * answers 200; the goal is under 2 s, not asserted). After each restart every instance
 * acknowledged in that round (a STOW-RS response listing it, a C-STORE-RSP with status
 * Success) reads back byte-identical over WADO-RS. The restarted server takes the next
 * round's ingest. At the end, the archive is opened with nothing else running and the orphan
 * sweep at age 0 (sweepOrphanBlobs): every acknowledged instance is there; every index row's
 * blob exists with the recorded SHA-256 and is an instance we sent (no partial record); every
 * blob file is referenced by a row (no orphan after the sweep); no temp file is left.
 * CRASH_ROUNDS rounds (default 3; `npm run test:stress`: 20).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomInt } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import { join, relative, sep } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliMain, ensureCliBuilt } from '../../../../scripts/lib/ensureCliBuilt.mjs';
import { openArchive, type ArchiveLogger, type FileSystemBlobStore } from '@vertebra/archive';
// Plain-JS synthetic Part 10 writer shared with the benchmarks (independent of the code under test).
import { syntheticUid, writeSyntheticPart10 } from '../../../../bench/lib/writeSyntheticPart10.mjs';
import { freePort, openStoreAssociation, retrieveInstance, serveAuthArgs, splitForCStore, stow } from '../stress/stressSupport.js';

const rounds = Number(process.env.CRASH_ROUNDS ?? 3);
const stowPerRound = 90;
const cStorePerRound = 60;
const perRequest = 3;
const stowInFlight = 3;
const cStoreAssociations = 2;
const CT_IMAGE_STORAGE = '1.2.840.10008.5.1.4.1.1.2';
const EXPLICIT_LE = '1.2.840.10008.1.2.1';

interface RunningServer {
  child: ChildProcess;
  httpUrl: string;
  dimsePort: number;
  exited: Promise<void>;
  /** ms from spawn until GET /health answered 200. */
  healthMs: number;
}

interface Sent {
  readonly transport: 'STOW-RS' | 'C-STORE';
  readonly seriesUid: string;
  readonly sopUid: string;
  readonly bytes: Buffer;
  /** STOW-RS: the whole file; C-STORE: the data set bytes sent (stored after the SCP's file meta). */
  readonly expected: Buffer;
  readonly sha256: string;
}

async function startServer(dataDir: string): Promise<RunningServer> {
  const [httpPort, dimsePort] = [await freePort(), await freePort()];
  const auth = serveAuthArgs(cliMain);
  const started = performance.now();
  const child = spawn(process.execPath, [cliMain, 'serve', '--data', dataDir, '--port', String(httpPort), '--dimse-port', String(dimsePort), ...auth.args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: auth.env,
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let out = '';
  let err = '';
  let dead = false;
  void exited.then(() => (dead = true));
  child.stderr?.on('data', (c) => (err += String(c)));
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (chunk) => {
      out += String(chunk);
      if (out.includes('Ready.')) resolve();
    });
    void exited.then(() => reject(new Error(`vertebra serve exited: ${out} ${err}`)));
  });
  ready.catch(() => undefined);
  const httpUrl = `http://127.0.0.1:${httpPort}`;
  let healthMs = -1;
  while (!dead) {
    try {
      const response = await fetch(`${httpUrl}/health`);
      await response.arrayBuffer();
      if (response.status === 200) {
        healthMs = performance.now() - started;
        break;
      }
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  await ready; // DIMSE listens too
  return { child, httpUrl, dimsePort, exited, healthMs };
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

const runId = `${process.pid}${Date.now() % 1e9}`;
const studyUid = syntheticUid(runId, 1);
const sent = new Map<string, Sent>();
const byRound: Sent[][] = [];
const acknowledged = new Set<string>();
const restartMs: number[] = [];
let root: string;
let dataDir: string;
let server: RunningServer | undefined;
const children: ChildProcess[] = [];

beforeAll(async () => {
  await ensureCliBuilt();
  root = await mkdtemp(join(os.tmpdir(), 'vertebra-crash-'));
  dataDir = join(root, 'data');
  for (let round = 0; round < rounds; round += 1) {
    const list: Sent[] = [];
    for (let i = 0; i < stowPerRound + cStorePerRound; i += 1) {
      const transport = i < stowPerRound ? 'STOW-RS' : 'C-STORE';
      const seriesNumber = 1 + round * 2 + (transport === 'STOW-RS' ? 0 : 1);
      const seriesUid = syntheticUid(runId, 1, seriesNumber);
      const sopUid = syntheticUid(runId, 1, seriesNumber, i + 1);
      const bytes = writeSyntheticPart10({
        patientId: 'CRASH001',
        patientName: 'CRASH^TEST',
        studyInstanceUid: studyUid,
        seriesInstanceUid: seriesUid,
        sopInstanceUid: sopUid,
        frameOfReferenceUid: syntheticUid(runId, 9),
        studyDate: '20240601',
        instanceNumber: i + 1,
        seriesNumber,
        rows: 128,
        columns: 128,
        zMm: i,
        pixelSeed: round * 1000 + i + 1,
      });
      const expected = transport === 'STOW-RS' ? bytes : Buffer.from(splitForCStore(bytes, { sopClassUid: CT_IMAGE_STORAGE, sopInstanceUid: sopUid }).dataset);
      const entry: Sent = { transport, seriesUid, sopUid, bytes, expected, sha256: createHash('sha256').update(expected).digest('hex') };
      sent.set(sopUid, entry);
      list.push(entry);
    }
    byRound.push(list);
  }
  server = await startServer(dataDir);
  children.push(server.child);
}, 300_000);

afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  if (root) await rm(root, { recursive: true, force: true });
});

/** Sends the round's instances over both transports until the kill; returns the acknowledged SOP Instance UIDs. */
async function ingestUntilKilled(running: RunningServer, list: readonly Sent[]): Promise<{ acked: Set<string>; answered: number }> {
  const acked = new Set<string>();
  const stowBatches: Sent[][] = [];
  const stowList = list.filter((s) => s.transport === 'STOW-RS');
  for (let i = 0; i < stowList.length; i += perRequest) stowBatches.push(stowList.slice(i, i + perRequest));
  const cStoreList = list.filter((s) => s.transport === 'C-STORE');
  const answersExpected = stowBatches.length + cStoreList.length;
  const killAfter = randomInt(3, Math.floor(answersExpected * 0.8));
  let answered = 0;
  let killed = false;
  const kill = (): void => {
    if (killed) return;
    killed = true;
    running.child.kill('SIGKILL');
  };
  const answer = (): void => {
    answered += 1;
    if (answered === killAfter) setTimeout(kill, randomInt(0, 60));
  };
  let nextBatch = 0;
  const stowWorkers = Array.from({ length: stowInFlight }, async () => {
    while (!killed) {
      const batch = stowBatches[nextBatch++];
      if (batch === undefined) return;
      try {
        const outcome = await stow(running.httpUrl, batch.map((s) => s.bytes));
        if (outcome.status !== 200) throw new Error(`STOW answered ${outcome.status}: ${outcome.text.slice(0, 300)}`);
        for (const uid of outcome.stored) acked.add(uid);
      } catch (error) {
        if (killed) return; // the connection died with the server: not acknowledged
        throw error;
      }
      answer();
    }
  });
  let nextStore = 0;
  const cStoreWorkers = Array.from({ length: cStoreAssociations }, async () => {
    let association: Awaited<ReturnType<typeof openStoreAssociation>>;
    try {
      association = await openStoreAssociation({ port: running.dimsePort, sopClassUid: CT_IMAGE_STORAGE, transferSyntaxUid: EXPLICIT_LE });
    } catch (error) {
      if (killed) return;
      throw error;
    }
    const { scu, contextId } = association;
    try {
      while (!killed) {
        const entry = cStoreList[nextStore++];
        if (entry === undefined) return;
        const outcome = await scu.store({ contextId, sopClassUid: CT_IMAGE_STORAGE, sopInstanceUid: entry.sopUid, dataset: entry.expected });
        if (outcome.kind === 'status' && outcome.status === 0) acked.add(entry.sopUid);
        else if (killed) return;
        else throw new Error(`C-STORE of ${entry.sopUid}: ${JSON.stringify(outcome)}`);
        answer();
      }
    } finally {
      scu.destroy();
    }
  });
  await Promise.all([...stowWorkers, ...cStoreWorkers]);
  kill();
  await running.exited;
  return { acked, answered };
}

describe('crash safety of ingest (STOW-RS and C-STORE) under SIGKILL', () => {
  for (let round = 1; round <= rounds; round += 1) {
    it(`round ${round}: SIGKILL during ingest, restart, every acknowledged instance byte-identical`, async () => {
      const running = server;
      if (!running) throw new Error('no server from the previous round');
      const { acked, answered } = await ingestUntilKilled(running, byRound[round - 1] ?? []);
      expect(acked.size).toBeGreaterThan(0);
      for (const uid of acked) acknowledged.add(uid);

      const restarted = await startServer(dataDir);
      children.push(restarted.child);
      server = restarted;
      restartMs.push(restarted.healthMs);
      console.info(`round ${round}: killed after ${answered} answers; ${acked.size} instances acknowledged; restart until /health 200: ${restarted.healthMs.toFixed(0)} ms`);
      for (const sopUid of acked) {
        const original = sent.get(sopUid);
        expect(original, `server acknowledged an instance we never sent: ${sopUid}`).toBeDefined();
        if (!original) continue;
        const body = await retrieveInstance(restarted.httpUrl, { studyInstanceUid: studyUid, seriesInstanceUid: original.seriesUid, sopInstanceUid: sopUid });
        expect(body, `acknowledged ${sopUid} is not retrievable`).toBeDefined();
        const content = body?.subarray(Math.max(0, body.length - original.expected.length));
        expect(content && createHash('sha256').update(content).digest('hex'), `acknowledged ${original.transport} ${sopUid} differs`).toBe(original.sha256);
        if (original.transport === 'STOW-RS') expect(body?.length).toBe(original.bytes.length);
      }
    }, 300_000);
  }

  it('after the last restart: no partial record, no orphan blob after the sweep, no temp file', async () => {
    const last = server;
    if (last) {
      last.child.kill('SIGTERM');
      await last.exited;
      server = undefined;
    }
    const sorted = [...restartMs].sort((a, b) => a - b);
    console.info(`restart after SIGKILL until /health 200 (${sorted.length} restarts): min ${sorted[0]?.toFixed(0)} ms, median ${sorted[Math.floor(sorted.length / 2)]?.toFixed(0)} ms, max ${sorted[sorted.length - 1]?.toFixed(0)} ms (goal < 2000 ms)`);

    const lines: string[] = [];
    const logger: ArchiveLogger = { info: (m) => void lines.push(m), warn: (m) => void lines.push(m), error: (m) => void lines.push(m) };
    // Nothing else writes now: the sweep may take every unreferenced blob file, whatever its age.
    const archive = await openArchive({ dataDir, orphanBlobMinAgeMs: 0, logger });
    try {
      const records = await archive.listInstances({ studyInstanceUid: studyUid });
      const indexed = new Set(records.map((r) => r.sopInstanceUid));
      expect([...acknowledged].filter((uid) => !indexed.has(uid)), 'acknowledged instances missing from the index').toEqual([]);
      for (const record of records) {
        const bytes = await archive.readInstance(record);
        const sha256 = createHash('sha256').update(bytes).digest('hex');
        expect(sha256, `indexed ${record.sopInstanceUid} is partial or corrupt`).toBe(record.sha256);
        const original = sent.get(record.sopInstanceUid);
        expect(original, `indexed ${record.sopInstanceUid} was never sent`).toBeDefined();
        if (original) expect(createHash('sha256').update(bytes.subarray(bytes.length - original.expected.length)).digest('hex')).toBe(original.sha256);
      }
      const recorded = new Set(records.map((r) => r.sha256));
      const blobFiles = await (archive.blobs as FileSystemBlobStore).listBlobKeys();
      expect(blobFiles.filter((sha256) => !recorded.has(sha256)), 'blob files no row references, after the sweep').toEqual([]);
      console.info(`final check: ${acknowledged.size} acknowledged, ${records.length} indexed, ${blobFiles.length} blob files; ${lines.find((l) => l.includes('orphan sweep')) ?? 'orphan sweep: nothing to move'}`);
    } finally {
      await archive.close();
    }
    const leftovers = (await filesUnder(dataDir)).map((f) => relative(dataDir, f)).filter((f) => f.endsWith('.tmp') || f.startsWith(`tmp${sep}`));
    expect(leftovers).toEqual([]);
  }, 300_000);
});
