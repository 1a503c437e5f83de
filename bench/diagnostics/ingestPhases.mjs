// Diagnostic (not a benchmark mode): where the time of one sequential archive.ingest goes for a
// 512×512 16-bit CT slice: blob put (temp write + fsync + rename + directory fsync), index
// commit (SQLite transaction), duplicate lookup, and the rest (header parse, SHA-256, DICOM
// JSON, group-commit wait). Needs the built dist. Usage: node bench/diagnostics/ingestPhases.mjs
import { createArchiveService, FileSystemBlobStore, openSqliteIndex } from '../../packages/archive/dist/index.js';
import { writeSyntheticPart10, syntheticUid } from '../lib/writeSyntheticPart10.mjs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
const run = Date.now(); const dir = mkdtempSync(join(tmpdir(), 'vertebra-iph-'));
const bufs = Array.from({ length: 150 }, (_, i) => writeSyntheticPart10({ patientId: 'P', patientName: 'A', studyInstanceUid: syntheticUid(run, 1), seriesInstanceUid: syntheticUid(run, 1, 1), sopInstanceUid: syntheticUid(run, 1, 1, i), frameOfReferenceUid: syntheticUid(run, 9), studyDate: '20240101', instanceNumber: i, rows: 512, columns: 512, zMm: i }));
const blobs = await FileSystemBlobStore.open({ root: dir });
const index = await openSqliteIndex({ file: dir + '/index.sqlite' });
const t = { put: 0, commit: 0, find: 0, total: 0 };
const wrap = (obj, name, key) => { const f = obj[name].bind(obj); obj[name] = async (...a) => { const s = performance.now(); try { return await f(...a); } finally { t[key] += performance.now() - s; } }; };
wrap(blobs, 'put', 'put'); wrap(index, 'commitBatch', 'commit'); wrap(index, 'findInstance', 'find');
const archive = createArchiveService({ index, blobs });
for (const b of bufs) { const s = performance.now(); await archive.ingest({ bytes: b, source: { kind: 'import', label: 'x' } }); t.total += performance.now() - s; }
for (const k of Object.keys(t)) console.log(k, (t[k] / bufs.length).toFixed(2), 'ms/instance');
await archive.close();
rmSync(dir, { recursive: true, force: true });
