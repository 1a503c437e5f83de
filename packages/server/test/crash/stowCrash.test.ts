/**
 * Crash safety of ingest (issue 2; DESIGN.md "no data ever lost"): the server runs as a
 * child process (the built `vertebra serve`), receives a STOW-RS of many instances (PS3.18
 * 10.5) over several connections, and is killed with SIGKILL at a random moment. After a
 * restart on the same data directory, every instance whose STOW response arrived
 * (acknowledged) must be retrievable byte-identical over WADO-RS, every indexed instance
 * must read back with its recorded SHA-256 (no partial instance is visible), and no temp
 * file may be left. A few rounds run in the normal suite; the stress version is separate.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomInt } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import { join, relative, sep } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliMain, ensureCliBuilt } from '../../../../scripts/lib/ensureCliBuilt.mjs';
import { openArchive } from '@vertebra/archive';
// Plain-JS synthetic Part 10 writer shared with the benchmarks (independent of the code under test).
import { syntheticUid, writeSyntheticPart10 } from '../../../../bench/lib/writeSyntheticPart10.mjs';

const instanceCount = 300;
const perRequest = 3;
const inFlight = 3;
const rounds = 3;

interface RunningServer {
  child: ChildProcess;
  httpUrl: string;
  exited: Promise<void>;
}

async function startServer(dataDir: string): Promise<RunningServer> {
  const child = spawn(process.execPath, [cliMain, 'serve', '--data', dataDir, '--port', '0', '--dimse-port', 'off'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let out = '';
  let err = '';
  child.stderr?.on('data', (c) => (err += String(c)));
  const httpUrl = await new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', (chunk) => {
      out += String(chunk);
      const match = /HTTP\s+(http:\/\/\S+)/.exec(out);
      if (match && out.includes('Ready.')) resolve(match[1] ?? '');
    });
    void exited.then(() => reject(new Error(`vertebra serve exited: ${out} ${err}`)));
  });
  return { child, httpUrl, exited };
}

function stowBody(instances: readonly Buffer[]): { body: Buffer; contentType: string } {
  const boundary = `crash-${randomInt(1e9)}`;
  const parts: Buffer[] = [];
  for (const bytes of instances) parts.push(Buffer.from(`--${boundary}\r\nContent-Type: application/dicom\r\n\r\n`), bytes, Buffer.from('\r\n'));
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(parts), contentType: `multipart/related; type="application/dicom"; boundary=${boundary}` };
}

/** SOP Instance UIDs a STOW-RS response lists as stored (ReferencedSOPSequence, PS3.18 Table 10.5.3-1). */
function acknowledgedUids(response: unknown): string[] {
  const items = (response as Record<string, { Value?: Array<Record<string, { Value?: string[] }>> }>)['00081199']?.Value ?? [];
  return items.map((item) => item['00081155']?.Value?.[0]).filter((uid): uid is string => typeof uid === 'string');
}

/** The single part of a multipart/related WADO-RS instance response. */
function singlePart(body: Buffer, contentType: string): Buffer {
  const boundary = /boundary="?([^";]+)"?/i.exec(contentType)?.[1];
  if (!boundary) return body;
  const delimiter = Buffer.from(`--${boundary}`);
  const first = body.indexOf(delimiter);
  const headersEnd = body.indexOf('\r\n\r\n', first);
  const next = body.indexOf(Buffer.from(`\r\n--${boundary}`), headersEnd);
  return body.subarray(headersEnd + 4, next);
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

const runId = `${process.pid}${Date.now()}`;
const studyUid = syntheticUid(runId, 1);
const instances = new Map<string, { seriesUid: string; bytes: Buffer; sha256: string }>();
let root: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  await ensureCliBuilt();
  root = await mkdtemp(join(os.tmpdir(), 'vertebra-crash-'));
  for (let i = 0; i < instanceCount; i += 1) {
    const seriesUid = syntheticUid(runId, 1, 1 + (i % 2));
    const sopUid = syntheticUid(runId, 1, 1 + (i % 2), i + 1);
    const bytes = writeSyntheticPart10({
      patientId: 'CRASH001',
      patientName: 'CRASH^TEST',
      studyInstanceUid: studyUid,
      seriesInstanceUid: seriesUid,
      sopInstanceUid: sopUid,
      frameOfReferenceUid: syntheticUid(runId, 9),
      studyDate: '20240601',
      instanceNumber: Math.floor(i / 2) + 1,
      seriesNumber: 1 + (i % 2),
      rows: 128,
      columns: 128,
      zMm: i,
      pixelSeed: i + 1,
    });
    instances.set(sopUid, { seriesUid, bytes, sha256: createHash('sha256').update(bytes).digest('hex') });
  }
}, 300_000);

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  if (root) await rm(root, { recursive: true, force: true });
});

describe('crash safety of STOW-RS ingest', () => {
  for (let round = 1; round <= rounds; round += 1) {
    it(`round ${round}: SIGKILL during STOW loses no acknowledged instance and shows no partial one`, async () => {
      const dataDir = join(root, `data-${round}`);
      const server = await startServer(dataDir);
      children.push(server.child);
      const acknowledged = new Set<string>();
      const all = [...instances.entries()];
      const batches: Array<typeof all> = [];
      for (let i = 0; i < all.length; i += perRequest) batches.push(all.slice(i, i + perRequest));
      // Kill after a random number of acknowledged requests, plus 0-60 ms,
      // so the kill lands inside a request (parsing, blob write, fsync or index transaction).
      const killAfterAcks = randomInt(3, Math.floor(batches.length * 0.8));
      let acks = 0;
      let killed = false;
      const kill = (): void => {
        if (killed) return;
        killed = true;
        server.child.kill('SIGKILL');
      };
      let next = 0;
      await Promise.all(
        Array.from({ length: inFlight }, async () => {
          while (!killed) {
            const batch = batches[next++];
            if (batch === undefined) return;
            const { body, contentType } = stowBody(batch.map(([, v]) => v.bytes));
            let response: Response;
            try {
              response = await fetch(`${server.httpUrl}/dicomweb/studies`, { method: 'POST', headers: { 'content-type': contentType, accept: 'application/dicom+json' }, body });
              const json: unknown = await response.json();
              if (response.status === 200 || response.status === 202) for (const uid of acknowledgedUids(json)) acknowledged.add(uid);
              else throw new Error(`STOW answered ${response.status}: ${JSON.stringify(json).slice(0, 300)}`);
            } catch (error) {
              if (killed) return; // the connection died with the server: not acknowledged
              throw error;
            }
            acks += 1;
            if (acks === killAfterAcks) setTimeout(kill, randomInt(0, 60));
          }
        }),
      );
      kill();
      await server.exited;
      expect(acknowledged.size).toBeGreaterThan(0);

      // Restart on the same data directory: acknowledged instances come back byte-identical.
      const restarted = await startServer(dataDir);
      children.push(restarted.child);
      try {
        for (const sopUid of acknowledged) {
          const original = instances.get(sopUid);
          expect(original, `server acknowledged an instance we never sent: ${sopUid}`).toBeDefined();
          if (!original) continue;
          const response = await fetch(`${restarted.httpUrl}/dicomweb/studies/${studyUid}/series/${original.seriesUid}/instances/${sopUid}`, {
            headers: { accept: 'multipart/related; type="application/dicom"; transfer-syntax=*' },
          });
          expect(response.status, `acknowledged ${sopUid} is not retrievable`).toBe(200);
          const body = singlePart(Buffer.from(await response.arrayBuffer()), response.headers.get('content-type') ?? '');
          expect(createHash('sha256').update(body).digest('hex'), `acknowledged ${sopUid} differs`).toBe(original.sha256);
        }
      } finally {
        restarted.child.kill('SIGTERM');
        await restarted.exited;
      }

      // Every indexed instance is complete: it reads back with its recorded SHA-256, and it is one we sent.
      const archive = await openArchive({ dataDir });
      try {
        const records = await archive.listInstances({ studyInstanceUid: studyUid });
        console.info(`round ${round}: killed after ${acks} answered requests; ${acknowledged.size} instances acknowledged, ${records.length} indexed after restart`);
        expect(records.length).toBeGreaterThanOrEqual(acknowledged.size);
        expect(records.length).toBeLessThanOrEqual(instanceCount);
        for (const record of records) {
          const bytes = await archive.readInstance(record);
          const sha256 = createHash('sha256').update(bytes).digest('hex');
          expect(sha256, `indexed ${record.sopInstanceUid} is partial or corrupt`).toBe(record.sha256);
          expect(sha256).toBe(instances.get(record.sopInstanceUid)?.sha256);
        }
      } finally {
        await archive.close();
      }
      // Temp files of interrupted writes are gone after the restart.
      const leftovers = (await filesUnder(dataDir)).map((f) => relative(dataDir, f)).filter((f) => f.endsWith('.tmp') || f.startsWith(`tmp${sep}`));
      expect(leftovers).toEqual([]);
    }, 240_000);
  }
});
