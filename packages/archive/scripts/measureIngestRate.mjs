#!/usr/bin/env node
/**
 * Measures the archive's ingest rate through ArchiveService.ingest (not a test):
 * generates N CT slices (512×512, 16-bit, ~512 KB each, Explicit VR Little Endian) in
 * memory, then ingests them with C parallel callers into a fresh data directory and prints
 * instances/s and MB/s. With --grow it also ingests many small instances first and prints
 * the rate again, to show that the rate stays flat as the index grows.
 *
 *   npx tsc -p packages/archive && node packages/archive/scripts/measureIngestRate.mjs \
 *     [--count 500] [--concurrency 8] [--postgres URL] [--synchronous FULL|NORMAL] [--grow 100000]
 *
 * Set UV_THREADPOOL_SIZE (default here: 16) before Node starts its pool: the blob writes
 * and fsyncs run there in parallel.
 */
process.env.UV_THREADPOOL_SIZE ??= '16';
const { mkdtempSync, rmSync } = await import('node:fs');
const { tmpdir, loadavg } = await import('node:os');
const { join } = await import('node:path');
const { randomBytes } = await import('node:crypto');
const { openArchive } = await import('../dist/index.js');

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : fallback;
};
const count = Number(opt('count', '500'));
const concurrency = Number(opt('concurrency', '8'));
const postgres = opt('postgres', undefined);
const synchronous = opt('synchronous', 'FULL');
const grow = Number(opt('grow', '0'));

const long = new Set(['OB', 'OW', 'SQ', 'UN', 'UT']);
function element(tag, vr, value) {
  let bytes = typeof value === 'string' ? Buffer.from(value, 'latin1') : value;
  if (bytes.length % 2) bytes = Buffer.concat([bytes, Buffer.from(vr === 'UI' ? [0] : [0x20])]);
  const head = Buffer.alloc(long.has(vr) ? 12 : 8);
  head.writeUInt16LE(parseInt(tag.slice(0, 4), 16), 0);
  head.writeUInt16LE(parseInt(tag.slice(4), 16), 2);
  head.write(vr, 4, 'latin1');
  if (long.has(vr)) head.writeUInt32LE(bytes.length, 8);
  else head.writeUInt16LE(bytes.length, 6);
  return Buffer.concat([head, bytes]);
}
const us = (n) => {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(n);
  return b;
};
const uid = () => `2.25.${BigInt(`0x${randomBytes(16).toString('hex')}`).toString(10)}`;

function slice({ study, series, sop, number, side, patientId }) {
  const meta = Buffer.concat([
    element('00020001', 'OB', Buffer.from([0, 1])),
    element('00020002', 'UI', '1.2.840.10008.5.1.4.1.1.2'),
    element('00020003', 'UI', sop),
    element('00020010', 'UI', '1.2.840.10008.1.2.1'),
  ]);
  const groupLength = Buffer.alloc(4);
  groupLength.writeUInt32LE(meta.length);
  const preamble = Buffer.alloc(132);
  preamble.write('DICM', 128, 'latin1');
  return Buffer.concat([
    preamble, element('00020000', 'UL', groupLength), meta,
    element('00080016', 'UI', '1.2.840.10008.5.1.4.1.1.2'), element('00080018', 'UI', sop),
    element('00080020', 'DA', '20240115'), element('00080030', 'TM', '101500'), element('00080060', 'CS', 'CT'),
    element('0008103E', 'LO', 'BENCH AXIAL'), element('00100010', 'PN', `BENCH^${patientId}`), element('00100020', 'LO', patientId),
    element('0020000D', 'UI', study), element('0020000E', 'UI', series), element('00200011', 'IS', '1'),
    element('00200013', 'IS', String(number)), element('00200032', 'DS', `0\\0\\${number}`), element('00200037', 'DS', '1\\0\\0\\0\\1\\0'),
    element('00280002', 'US', us(1)), element('00280004', 'CS', 'MONOCHROME2'), element('00280010', 'US', us(side)), element('00280011', 'US', us(side)),
    element('00280100', 'US', us(16)), element('00280101', 'US', us(16)), element('00280102', 'US', us(15)), element('00280103', 'US', us(1)),
    element('7FE00010', 'OW', randomBytes(side * side * 2)),
  ]);
}

async function run(archive, files, label) {
  let next = 0;
  const outcomes = {};
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < files.length) {
        const i = next++;
        const result = await archive.ingest({ bytes: files[i], source: { kind: 'import', label: `${label} ${i}` } });
        outcomes[result.outcome] = (outcomes[result.outcome] ?? 0) + 1;
        if (result.outcome === 'rejected') throw new Error(result.error?.message);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const cpuMs = (cpu.user + cpu.system) / 1000 / files.length;
  const megabytes = files.reduce((n, f) => n + f.length, 0) / 1e6;
  // CPU per instance (all threads of this process) is the figure that other load on the machine disturbs least.
  console.log(`${label}: ${files.length} instances in ${seconds.toFixed(2)} s = ${(files.length / seconds).toFixed(0)} instances/s, ${(megabytes / seconds).toFixed(0)} MB/s, ${cpuMs.toFixed(2)} ms CPU/instance; load average ${loadavg()[0].toFixed(1)}`, outcomes);
  return files.length / seconds;
}

/** QIDO-style query latency at the current index size: p50/p95 over 200 runs each. */
async function measureQueries(archive) {
  const some = await archive.query({ level: 'STUDY', match: {}, limit: 200, offset: 100 });
  const uids = some.rows.map((r) => r['0020000D'].Value[0]);
  const ids = some.rows.map((r) => r['00100020'].Value[0]);
  const cases = {
    'study by StudyInstanceUID': (i) => ({ level: 'STUDY', match: { StudyInstanceUID: uids[i % uids.length] } }),
    'studies by PatientID': (i) => ({ level: 'STUDY', match: { PatientID: ids[i % ids.length] } }),
    'studies by StudyDate range (limit 100)': () => ({ level: 'STUDY', match: { StudyDate: '20240101-20240131' }, limit: 100 }),
    'studies by ModalitiesInStudy (limit 100)': () => ({ level: 'STUDY', match: { ModalitiesInStudy: 'CT' }, limit: 100 }),
    'instances of a study': (i) => ({ level: 'IMAGE', match: { StudyInstanceUID: uids[i % uids.length] } }),
  };
  for (const [name, make] of Object.entries(cases)) {
    const times = [];
    for (let i = 0; i < 200; i++) {
      const t = performance.now();
      await archive.query(make(i));
      times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    console.log(`QIDO ${name}: p50 ${times[100].toFixed(2)} ms, p95 ${times[190].toFixed(2)} ms`);
  }
}

function makeSeries(n, side, patientId) {
  const study = uid();
  const series = uid();
  return Array.from({ length: n }, (_, i) => slice({ study, series, sop: uid(), number: i + 1, side, patientId }));
}

const dataDir = mkdtempSync(join(tmpdir(), 'vertebra-ingest-rate-'));
const schema = `bench_${randomBytes(4).toString('hex')}`;
const archive = await openArchive({
  dataDir,
  ...(postgres ? { databaseUrl: postgres, databaseSchema: schema } : { sqliteSynchronous: synchronous }),
});
try {
  console.log(`index: ${postgres ? `PostgreSQL (schema ${schema})` : `SQLite WAL synchronous=${synchronous}`}; ${concurrency} parallel callers; UV_THREADPOOL_SIZE=${process.env.UV_THREADPOOL_SIZE}`);
  const ct = makeSeries(count, 512, 'P0');
  console.log(`generated ${count} CT slices of ${ct[0].length} bytes`);
  const first = await run(archive, ct, 'CT 512x512 (empty index)');
  if (grow > 0) {
    const batch = 10000;
    for (let done = 0; done < grow; done += batch) {
      const small = [];
      for (let s = 0; s < batch / 50; s++) small.push(...makeSeries(50, 8, `G${(done / 50 + s) % 5000}`));
      await run(archive, small, `small instances ${done + batch}`);
    }
    const later = await run(archive, makeSeries(count, 512, 'P1'), `CT 512x512 (after ${grow} more)`);
    console.log(`rate ratio (grown / empty): ${(later / first).toFixed(2)}`);
    await measureQueries(archive);
  }
} finally {
  await archive.close();
  if (postgres) {
    const pg = (await import('pg')).default;
    const client = new pg.Client({ connectionString: postgres });
    await client.connect();
    await client.query(`drop schema if exists ${schema} cascade`);
    await client.end();
  }
  rmSync(dataDir, { recursive: true, force: true });
}
