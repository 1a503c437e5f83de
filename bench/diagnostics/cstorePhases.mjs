// Diagnostic (not a benchmark mode): where the time of one C-STORE goes. Runs the DIMSE SCP
// in-process on a fresh archive, sends 150 CT slices with one storescu association
// (TCP_NODELAY=1), and splits each instance's time into archive.ingest and the gap before the
// next ingest starts (DIMSE response, client, next request's PDUs). Needs the built dist.
// Usage: node bench/diagnostics/cstorePhases.mjs
import { openArchive } from '../../packages/archive/dist/index.js';
import { startDimseServer } from '../../packages/server/dist/index.js';
import { writeSyntheticPart10, syntheticUid } from '../lib/writeSyntheticPart10.mjs';
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
const run = Date.now(); const dir = mkdtempSync(join(tmpdir(), 'vertebra-phase-')); mkdirSync(dir + '/in');
for (let i = 0; i < 150; i++) writeFileSync(`${dir}/in/${String(i).padStart(4,'0')}.dcm`, writeSyntheticPart10({ patientId: 'P', patientName: 'A', studyInstanceUid: syntheticUid(run, 1), seriesInstanceUid: syntheticUid(run, 1, 1), sopInstanceUid: syntheticUid(run, 1, 1, i), frameOfReferenceUid: syntheticUid(run, 9), studyDate: '20240101', instanceNumber: i, rows: 512, columns: 512, zMm: i }));
const archive = await openArchive({ dataDir: dir + '/data' });
const marks = [];
const wrapped = Object.create(archive);
wrapped.ingest = async (req) => { const t0 = performance.now(); const r = await archive.ingest(req); marks.push([t0, performance.now()]); return r; };
const server = await startDimseServer({ archive: wrapped, port: 0 });
const t = performance.now();
await new Promise((res, rej) => { const c = spawn('storescu', ['-aec', 'VERTEBRA', '+sd', '127.0.0.1', String(server.port), dir + '/in'], { env: { ...process.env, TCP_NODELAY: '1' }, stdio: 'inherit' }); c.on('exit', (code) => code === 0 ? res() : rej(new Error('storescu ' + code))); });
const total = performance.now() - t;
const ingest = marks.map(([a, b]) => b - a); const gaps = marks.slice(1).map(([a], i) => a - marks[i][1]);
const mean = (x) => x.reduce((s, v) => s + v, 0) / x.length;
const sorted = (x) => [...x].sort((a, b) => a - b);
console.log(`n=${marks.length} total ${(total/marks.length).toFixed(1)} ms/instance (${(marks.length*1000/total).toFixed(0)}/s); ingest mean ${mean(ingest).toFixed(1)} p50 ${sorted(ingest)[75].toFixed(1)}; gap (ingest end -> next ingest start) mean ${mean(gaps).toFixed(1)} p50 ${sorted(gaps)[74].toFixed(1)}`);
await server.close(); await archive.close();
rmSync(dir, { recursive: true, force: true });
