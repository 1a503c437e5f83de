/**
 * Parallel ingest (issue 3, "8 parallel clients × 1000 instances"): 8 clients at once on one
 * server, 4 over STOW-RS (PS3.18 10.5, a few instances per request) and 4 over C-STORE
 * (PS3.7 9.1.1, one association each, one instance after the other), each with its own
 * instances, some of them in studies shared between a STOW and a C-STORE client (so that
 * both transports create and extend the same study, series and patient rows concurrently).
 * Every instance must be acknowledged; afterwards the index holds exactly the instances sent
 * (0 lost, 0 duplicated: instance count, each UID once, the expected study/series counts),
 * and every instance reads back byte-identical over WADO-RS (STOW: the whole file; C-STORE:
 * the data set bytes after the SCP's file meta). STRESS_PARALLEL_INSTANCES per client
 * (default 40; `npm run test:stress`: 1000).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syntheticUid, writeSyntheticPart10 } from '../../../../bench/lib/writeSyntheticPart10.mjs';
import { archiveSnapshot, healthOk, openStoreAssociation, retrieveInstance, sha256Hex, splitForCStore, startStressServer, stow, type StressServer } from './stressSupport.js';

const perClient = Number(process.env.STRESS_PARALLEL_INSTANCES ?? 40);
const clients = 8;
const stowBatch = 5;
const runId = `${process.pid}${Date.now() % 1e9}`;
const CT_IMAGE_STORAGE = '1.2.840.10008.5.1.4.1.1.2';
const EXPLICIT_LE = '1.2.840.10008.1.2.1';

interface Planned {
  readonly client: number;
  readonly transport: 'STOW-RS' | 'C-STORE';
  readonly study: string;
  readonly series: string;
  readonly sop: string;
  readonly bytes: Buffer;
  /** What must read back: the whole file (STOW-RS) or the data set tail (C-STORE). */
  readonly expected: Buffer;
}

function plan(): Planned[] {
  const out: Planned[] = [];
  for (let client = 0; client < clients; client += 1) {
    const transport = client % 2 === 0 ? 'STOW-RS' : 'C-STORE';
    for (let i = 0; i < perClient; i += 1) {
      // Clients 2k and 2k+1 (one per transport) share 4 studies; each client has its own series in them.
      const studyNumber = 1 + Math.floor(client / 2) * 4 + (i % 4);
      const study = syntheticUid(runId, studyNumber);
      const series = syntheticUid(runId, studyNumber, client + 1);
      const sop = syntheticUid(runId, studyNumber, client + 1, i + 1);
      const bytes = writeSyntheticPart10({
        patientId: `PAR${Math.floor(client / 2)}`,
        patientName: `PARALLEL^${Math.floor(client / 2)}`,
        studyInstanceUid: study,
        seriesInstanceUid: series,
        sopInstanceUid: sop,
        frameOfReferenceUid: syntheticUid(runId, studyNumber, 99),
        studyDate: '20240301',
        instanceNumber: i + 1,
        seriesNumber: client + 1,
        rows: 32,
        columns: 32,
        zMm: i,
        pixelSeed: client * 100_000 + i + 1,
      });
      const expected = transport === 'STOW-RS' ? bytes : Buffer.from(splitForCStore(bytes, { sopClassUid: CT_IMAGE_STORAGE, sopInstanceUid: sop }).dataset);
      out.push({ client, transport, study, series, sop, bytes, expected });
    }
  }
  return out;
}

describe(`parallel ingest: ${clients} clients (STOW-RS and C-STORE) × ${perClient} instances`, () => {
  let server: StressServer;
  const planned = plan();

  beforeAll(async () => {
    server = await startStressServer();
  });
  afterAll(async () => {
    await server?.close();
  });

  it('acknowledges every instance, loses none, duplicates none, and returns each byte-identical', async () => {
    const acknowledged = new Map<string, number>();
    const ack = (sop: string): void => void acknowledged.set(sop, (acknowledged.get(sop) ?? 0) + 1);
    const started = performance.now();
    await Promise.all(
      Array.from({ length: clients }, async (_, client) => {
        const mine = planned.filter((p) => p.client === client);
        if (mine[0]?.transport === 'STOW-RS') {
          for (let i = 0; i < mine.length; i += stowBatch) {
            const batch = mine.slice(i, i + stowBatch);
            const outcome = await stow(server.httpUrl, batch.map((p) => p.bytes));
            expect(outcome.status, outcome.text.slice(0, 300)).toBe(200);
            for (const sop of outcome.stored) ack(sop);
          }
          return;
        }
        const { scu, contextId } = await openStoreAssociation({ port: server.dimsePort, sopClassUid: CT_IMAGE_STORAGE, transferSyntaxUid: EXPLICIT_LE });
        try {
          for (const p of mine) {
            const outcome = await scu.store({ contextId, sopClassUid: CT_IMAGE_STORAGE, sopInstanceUid: p.sop, dataset: p.expected });
            expect(outcome, p.sop).toMatchObject({ kind: 'status', status: 0 });
            ack(p.sop);
          }
        } finally {
          await scu.release();
        }
      }),
    );
    const ingestSeconds = (performance.now() - started) / 1000;

    expect(await healthOk(server.httpUrl)).toBe(true);
    expect([...acknowledged.values()].filter((n) => n !== 1), 'instances acknowledged more than once').toEqual([]);
    expect(acknowledged.size).toBe(planned.length);

    const counts = await server.archive.index.counts();
    const snapshot = await archiveSnapshot(server.archive);
    expect(counts.instances, 'instance rows').toBe(planned.length);
    expect(snapshot.size).toBe(planned.length);
    expect(counts.studies).toBe(new Set(planned.map((p) => p.study)).size);
    expect(counts.series).toBe(new Set(planned.map((p) => p.series)).size);
    expect(counts.patients).toBe(clients / 2);

    const mismatches: string[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        for (let p = planned[next++]; p !== undefined; p = planned[next++]) {
          const entry = snapshot.get(p.sop);
          if (!entry) {
            mismatches.push(`${p.transport} ${p.sop}: lost`);
            continue;
          }
          if (entry.sha256 !== entry.recorded) mismatches.push(`${p.sop}: stored bytes differ from the recorded SHA-256`);
          const bytes = await retrieveInstance(server.httpUrl, { studyInstanceUid: p.study, seriesInstanceUid: p.series, sopInstanceUid: p.sop });
          const tail = bytes?.subarray(Math.max(0, bytes.length - p.expected.length));
          if (!bytes || (p.transport === 'STOW-RS' ? sha256Hex(bytes) !== sha256Hex(p.expected) : !tail?.equals(p.expected))) mismatches.push(`${p.transport} ${p.sop}: not byte-identical over WADO-RS`);
        }
      }),
    );
    console.log(`parallel ingest: ${planned.length} instances from ${clients} clients stored in ${ingestSeconds.toFixed(1)} s; ${counts.studies} studies, ${counts.series} series`);
    expect(mismatches.slice(0, 20), `${mismatches.length} mismatches`).toEqual([]);
  }, 3_600_000);
});
