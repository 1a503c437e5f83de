// Scale mode of the ingest benchmark: STOW-RS of many small instances (8×8 pixels; many
// patients, studies and dates; CT/MR/CR) into a fresh Vertebra, then QIDO-RS latency at
// that size. Prints the ingest rate over the first and the last 5 % of the instances and
// p50/p95 latency for study-by-UID, PatientID, StudyDate range and ModalitiesInStudy.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import { join } from 'node:path';
import { request, runPool, stowBody } from '../lib/dicomweb.mjs';
import { startVertebraChild } from '../lib/startVertebraChild.mjs';
import { syntheticUid, writeSyntheticPart10 } from '../lib/writeSyntheticPart10.mjs';

const INSTANCES_PER_SERIES = 10;
const SERIES_PER_STUDY = 2;
const STUDIES_PER_PATIENT = 2;
const MODALITIES = [
  ['CT', '1.2.840.10008.5.1.4.1.1.2'],
  ['MR', '1.2.840.10008.5.1.4.1.1.4'],
  ['CT', '1.2.840.10008.5.1.4.1.1.2'],
  ['CR', '1.2.840.10008.5.1.4.1.1.1'],
];

function studyDate(study) {
  // Spread over 2000-01-01 … about 2024: one study every ~1.75 days for 5,000 studies.
  const day = new Date(Date.UTC(2000, 0, 1) + ((study * 37) % 8900) * 86_400_000);
  return day.toISOString().slice(0, 10).replaceAll('-', '');
}

function instance(runId, index) {
  const perStudy = INSTANCES_PER_SERIES * SERIES_PER_STUDY;
  const study = Math.floor(index / perStudy);
  const series = Math.floor(index / INSTANCES_PER_SERIES);
  const patient = Math.floor(study / STUDIES_PER_PATIENT);
  const [modality, sopClassUid] = MODALITIES[study % MODALITIES.length];
  return writeSyntheticPart10({
    patientId: `P${String(patient).padStart(6, '0')}`,
    patientName: `SCALE^PATIENT${patient}`,
    studyInstanceUid: syntheticUid(runId, study),
    seriesInstanceUid: syntheticUid(runId, study, series),
    sopInstanceUid: syntheticUid(runId, study, series, index),
    frameOfReferenceUid: syntheticUid(runId, study, 0),
    studyDate: studyDate(study),
    accessionNumber: `A${study}`,
    modality,
    sopClassUid,
    seriesNumber: (series % SERIES_PER_STUDY) + 1,
    instanceNumber: (index % INSTANCES_PER_SERIES) + 1,
    rows: 8,
    columns: 8,
    zMm: index % INSTANCES_PER_SERIES,
  });
}

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

export async function runScaleBench({ instances, batch, connections, profile, profileDir }) {
  const work = await mkdtemp(join(os.tmpdir(), 'vertebra-scale-'));
  const dataDir = join(work, 'data');
  await mkdir(dataDir);
  const runId = Date.now();
  const studies = Math.ceil(instances / (INSTANCES_PER_SERIES * SERIES_PER_STUDY));
  console.log(`Scale: ${instances} instances (8×8 pixels), ${studies} studies, ${Math.ceil(studies / STUDIES_PER_PATIENT)} patients; STOW-RS ${connections} connections × ${batch}/request`);
  console.log(`Node ${process.version}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'}), data in ${dataDir}`);
  const nodeArgs = profile ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, `--cpu-prof-name=vertebra-scale-${runId}.cpuprofile`] : [];
  if (profile) await mkdir(profileDir, { recursive: true });
  const server = await startVertebraChild({ dataDir, dimse: false, nodeArgs });
  try {
    const jobs = [];
    for (let i = 0; i < instances; i += batch) jobs.push({ first: i, count: Math.min(batch, instances - i) });
    /** completion time (ms since start) of the batch that finished instance k, per instance */
    const doneAt = new Float64Array(instances);
    const url = `${server.httpUrl}/dicomweb/studies`;
    const start = performance.now();
    let completed = 0;
    let lastReport = start;
    await runPool({
      jobs,
      connections,
      run: async (job, agent) => {
        const buffers = Array.from({ length: job.count }, (_, k) => instance(runId, job.first + k));
        const { body, contentType } = stowBody(buffers);
        const res = await request({ agent, url, method: 'POST', headers: { ...server.authHeaders, 'content-type': contentType, accept: 'application/dicom+json' }, body });
        if (res.status !== 200) throw new Error(`STOW ${res.status}: ${String(res.body).slice(0, 300)}`);
        const t = performance.now() - start;
        for (let k = 0; k < job.count; k += 1) doneAt[job.first + k] = t;
        completed += job.count;
        if (performance.now() - lastReport > 10_000) {
          lastReport = performance.now();
          console.log(`  ${completed}/${instances} (${((completed * 1000) / t).toFixed(0)}/s overall)`);
        }
      },
    });
    const totalMs = performance.now() - start;
    // Rate over a window = instances in the window / time between the completions that bound it.
    const sorted = Array.from(doneAt).sort((a, b) => a - b);
    const window = Math.max(batch * connections, Math.floor(instances * 0.05));
    const firstRate = (window * 1000) / sorted[window - 1];
    const lastRate = (window * 1000) / (sorted[instances - 1] - sorted[instances - 1 - window]);
    console.log(`Ingest: ${instances} in ${(totalMs / 1000).toFixed(1)} s = ${((instances * 1000) / totalMs).toFixed(1)}/s overall;` +
      ` first 5 %: ${firstRate.toFixed(1)}/s, last 5 %: ${lastRate.toFixed(1)}/s (last/first ${(lastRate / firstRate).toFixed(2)})`);

    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const queries = {
      'study by StudyInstanceUID': (i) => `StudyInstanceUID=${syntheticUid(runId, (i * 7919) % studies)}`,
      PatientID: (i) => `PatientID=P${String(((i * 104729) % studies) >> 1).padStart(6, '0')}`,
      'StudyDate range (one month)': (i) => {
        const year = 2000 + (i % 24);
        const month = String((i % 12) + 1).padStart(2, '0');
        return `StudyDate=${year}${month}01-${year}${month}31`;
      },
      'ModalitiesInStudy=MR (limit=100)': () => 'ModalitiesInStudy=MR&limit=100',
    };
    const latency = [];
    for (const [name, query] of Object.entries(queries)) {
      const times = [];
      let rows = 0;
      for (let i = 0; i < 220; i += 1) {
        const t0 = performance.now();
        const res = await request({ agent, url: `${server.httpUrl}/dicomweb/studies?${query(i)}`, headers: { ...server.authHeaders, accept: 'application/dicom+json' } });
        const t = performance.now() - t0;
        if (res.status !== 200 && res.status !== 204) throw new Error(`QIDO ${name}: ${res.status} ${String(res.body).slice(0, 200)}`);
        if (i >= 20) {
          times.push(t);
          rows += res.status === 200 ? JSON.parse(String(res.body)).length : 0;
        }
      }
      times.sort((a, b) => a - b);
      latency.push({ name, p50: percentile(times, 50), p95: percentile(times, 95), rows: rows / times.length });
    }
    agent.destroy();
    console.log(`\nQIDO-RS /dicomweb/studies at ${instances} instances (200 requests each after 20 warm-up, one keep-alive connection):`);
    console.log('| query | p50 ms | p95 ms | rows/answer |');
    console.log('|---|---:|---:|---:|');
    for (const l of latency) console.log(`| ${l.name} | ${l.p50.toFixed(2)} | ${l.p95.toFixed(2)} | ${l.rows.toFixed(1)} |`);
  } finally {
    await server.stop();
    await rm(work, { recursive: true, force: true });
  }
}
