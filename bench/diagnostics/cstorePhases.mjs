// Diagnostic (not a benchmark mode): where the time of one C-STORE goes. Runs the DIMSE SCP
// in-process on a fresh archive, sends 150 CT slices with one storescu association
// (TCP_NODELAY=1 unless --nagle), and splits each instance's time into archive.ingest (and,
// inside it, the blob put and the index commit with its WAL fdatasync) and the gap before the
// next ingest starts (DIMSE response, client, next request's PDUs). Also prints the process
// CPU time per instance (SCP side only; storescu is another process). Needs the built dist.
// Usage: node bench/diagnostics/cstorePhases.mjs [--count 150] [--nagle] [--max-pdu BYTES]
import { createArchiveService, FileSystemBlobStore, openSqliteIndex } from '../../packages/archive/dist/index.js';
import { startDimseServer } from '../../packages/server/dist/index.js';
import { writeSyntheticPart10, syntheticUid } from '../lib/writeSyntheticPart10.mjs';
import { threadCpuDelta, threadCpuMs } from '../lib/threadCpu.mjs';
import { mkdtempSync, writeFileSync, mkdirSync, rmSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const args = process.argv.slice(2);
const countIndex = args.indexOf('--count');
const count = countIndex >= 0 ? Number(args[countIndex + 1]) : 150;
const nagle = args.includes('--nagle');
const pduIndex = args.indexOf('--max-pdu');
const maxReceivePduBytes = pduIndex >= 0 ? Number(args[pduIndex + 1]) : undefined;
const run = Date.now(); const dir = mkdtempSync(join(tmpdir(), 'vertebra-phase-')); mkdirSync(dir + '/in');
for (let i = 0; i < count; i++) writeFileSync(`${dir}/in/${String(i).padStart(4,'0')}.dcm`, writeSyntheticPart10({ patientId: 'P', patientName: 'A', studyInstanceUid: syntheticUid(run, 1), seriesInstanceUid: syntheticUid(run, 1, 1), sopInstanceUid: syntheticUid(run, 1, 1, i), frameOfReferenceUid: syntheticUid(run, 9), studyDate: '20240101', instanceNumber: i, rows: 512, columns: 512, zMm: i }));
const blobs = await FileSystemBlobStore.open({ root: dir + '/data' });
const index = await openSqliteIndex({ file: dir + '/data/index.sqlite' });
const phase = { put: [], commit: [] };
const wrap = (obj, name, key) => { const f = obj[name].bind(obj); obj[name] = async (...a) => { const s = performance.now(); try { return await f(...a); } finally { phase[key].push(performance.now() - s); } }; };
wrap(blobs, 'put', 'put'); wrap(index, 'commitBatch', 'commit');
const archive = createArchiveService({ index, blobs });
const marks = [];
const wrapped = Object.create(archive);
wrapped.ingest = async (req) => { const t0 = performance.now(); const r = await archive.ingest(req); marks.push([t0, performance.now()]); return r; };
// storescu's default calling AE title; the SCP denies every other peer (issue 3).
const server = await startDimseServer({ archive: wrapped, port: 0, allowedPeers: [{ aeTitle: 'STORESCU' }], ...(maxReceivePduBytes ? { maxReceivePduBytes } : {}) });
const cpu0 = process.cpuUsage();
const threads0 = threadCpuMs();
const t = performance.now();
await new Promise((res, rej) => { const c = spawn('storescu', ['-aec', 'VERTEBRA', '+sd', '127.0.0.1', String(server.port), dir + '/in'], { env: { ...process.env, TCP_NODELAY: nagle ? '0' : '1' }, stdio: 'inherit' }); c.on('exit', (code) => code === 0 ? res() : rej(new Error('storescu ' + code))); });
const total = performance.now() - t;
const cpu = process.cpuUsage(cpu0);
const threads = threadCpuDelta(threads0, threadCpuMs());
const ingest = marks.map(([a, b]) => b - a); const gaps = marks.slice(1).map(([a], i) => a - marks[i][1]);
const mean = (x) => x.reduce((s, v) => s + v, 0) / x.length;
const p50 = (x) => [...x].sort((a, b) => a - b)[Math.floor(x.length / 2)];
const f = (x) => `mean ${mean(x).toFixed(1)} p50 ${p50(x).toFixed(1)}`;
console.log(`n=${marks.length} ${(total / marks.length).toFixed(1)} ms/instance (${(marks.length * 1000 / total).toFixed(0)}/s), SCP CPU ${((cpu.user + cpu.system) / 1000 / marks.length).toFixed(2)} ms/instance (user ${(cpu.user / 1000 / marks.length).toFixed(2)}, system ${(cpu.system / 1000 / marks.length).toFixed(2)})`);
console.log(`  ingest ${f(ingest)} (put ${f(phase.put)}, commit+WAL sync ${f(phase.commit)}); gap ingest end -> next ingest start ${f(gaps)}`);
console.log(`  CPU ms/instance by thread: ${[...threads].filter(([, ms]) => ms > 0).map(([name, ms]) => `${name} ${(ms / marks.length).toFixed(2)}`).join(', ')}`);
await server.close(); await archive.close();
rmSync(dir, { recursive: true, force: true });
