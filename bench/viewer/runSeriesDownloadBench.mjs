// Diagnostic (issue 5): where the time of the viewer's one WADO-RS Retrieve Series request
// (PS3.18 10.4.1.1.1, 300 CT slices 512×512 by default, Explicit VR Little Endian) goes.
// Measures the same request (a) from a plain Node client over loopback — the server's own rate
// and CPU — and (b) in headless Chromium, read several ways with nothing else on the page:
//   reader       fetch body read with the default reader (what readMultipartStream does)
//   byob         the same with a BYOB reader into one reused 4 MB buffer
//   arraybuffer  response.arrayBuffer() (no streaming)
//   par2         two such requests at once (2× the bytes): does one stream limit the rate?
//   inst4        every instance as its own Retrieve Instance request, 4 at a time
//   ranges2/3    the series as 2 or 3 concurrent byte ranges (RFC 9110 14), as the viewer reads it
//                where the server offers ranges: `bytes=0-` for the length, read to the first cut
//                and cancelled, the other ranges with If-Range
// Requests bypass the browser's HTTP cache (the series response carries an ETag now).
// Not a test: it prints figures.
//
//   node bench/viewer/runSeriesDownloadBench.mjs [--slices 300] [--runs 2] [--modes reader,par2]
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { request, runPool, stowBody } from '../lib/dicomweb.mjs';
import { syntheticUid, writeSyntheticPart10 } from '../lib/writeSyntheticPart10.mjs';
import { benchAuthHeaders } from '../lib/startVertebraChild.mjs';
import { startViewerServerChild } from './startViewerServerChild.mjs';

const args = process.argv.slice(2);
const arg = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const slices = Number(arg('--slices', 300));
const size = Number(arg('--size', 512));
const runs = Number(arg('--runs', 2));
const modes = arg('--modes', 'reader,byob,arraybuffer,par2,inst4').split(',');
const accept = 'multipart/related; type="application/dicom"; transfer-syntax=1.2.840.10008.1.2.1';

/** CPU seconds (user + system) of one process, from /proc. */
function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function nodeGet(url) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    let firstByteMs = 0;
    let bytes = 0;
    http.get(url, { headers: { ...benchAuthHeaders, accept } }, (res) => {
      res.on('data', (c) => { if (bytes === 0) firstByteMs = performance.now() - t0; bytes += c.length; });
      res.on('end', () => resolve({ ms: performance.now() - t0, firstByteMs, bytes }));
      res.on('error', reject);
    }).on('error', reject);
  });
}

/** Runs in the page: one way of reading the series. */
async function readInPage({ seriesUrl, auth, accept, mode, uids }) {
  const headers = { accept, authorization: auth };
  const t0 = performance.now();
  let bytes = 0;
  const drain = async (response) => {
    const reader = response.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      bytes += value.byteLength;
    }
  };
  if (mode === 'reader') await drain(await fetch(seriesUrl, { headers, cache: 'no-store' }));
  else if (mode === 'ranges2' || mode === 'ranges3') {
    const streams = Number(mode.slice(-1));
    const first = await fetch(seriesUrl, { headers: { ...headers, range: 'bytes=0-' }, cache: 'no-store' });
    const total = Number(/\/(\d+)$/.exec(first.headers.get('content-range') ?? '')?.[1] ?? 0);
    const cuts = Array.from({ length: streams + 1 }, (_, k) => Math.round((total * k) / streams));
    const drainTo = async (body, length) => {
      const reader = body.getReader();
      let n = 0;
      while (n < length) {
        const { done, value } = await reader.read();
        if (done) break;
        n += value.byteLength;
      }
      await reader.cancel();
      bytes += Math.min(n, length);
    };
    await Promise.all([
      drainTo(first.body, first.status === 206 ? cuts[1] : Infinity),
      ...(first.status !== 206 ? [] : cuts.slice(1, -1).map(async (from, k) => {
        const r = await fetch(seriesUrl, { headers: { ...headers, range: `bytes=${from}-${cuts[k + 2] - 1}`, 'if-range': first.headers.get('etag') ?? '' }, cache: 'no-store' });
        await drainTo(r.body, Infinity);
      })),
    ]);
  }
  else if (mode === 'arraybuffer') bytes = (await (await fetch(seriesUrl, { headers })).arrayBuffer()).byteLength;
  else if (mode === 'byob') {
    const reader = (await fetch(seriesUrl, { headers })).body.getReader({ mode: 'byob' });
    let buffer = new ArrayBuffer(4 << 20);
    for (;;) {
      const { done, value } = await reader.read(new Uint8Array(buffer));
      if (done) break;
      bytes += value.byteLength;
      buffer = value.buffer;
    }
  } else if (mode === 'par2') await Promise.all([0, 1].map(async () => drain(await fetch(seriesUrl, { headers, cache: 'no-store' }))));
  else if (mode === 'inst4') {
    let next = 0;
    await Promise.all(Array.from({ length: 4 }, async () => {
      for (let uid = uids[next++]; uid !== undefined; uid = uids[next++]) {
        const n = (await (await fetch(`${seriesUrl}/instances/${uid}`, { headers })).arrayBuffer()).byteLength;
        bytes += n;
      }
    }));
  }
  return { ms: performance.now() - t0, bytes };
}

const dataDir = await mkdtemp(join(os.tmpdir(), 'vertebra-bench-dl-'));
const profileDir = await mkdtemp(join(os.tmpdir(), 'vertebra-bench-dl-chromium-'));
const server = await startViewerServerChild(dataDir);
let context;
try {
  const { url } = server;
  const study = syntheticUid(9, 6, Date.now());
  const series = `${study}.1`;
  const uids = Array.from({ length: slices }, (_, k) => `${series}.${k + 1}`);
  const instances = uids.map((sopInstanceUid, k) => writeSyntheticPart10({
    patientId: 'BENCH-DL', patientName: 'Bench^DL', studyInstanceUid: study, seriesInstanceUid: series,
    sopInstanceUid, frameOfReferenceUid: `${study}.2`, studyDate: '20260101', instanceNumber: k + 1, rows: size, columns: size, zMm: -k,
  }));
  const batches = [];
  for (let i = 0; i < instances.length; i += 20) batches.push(instances.slice(i, i + 20));
  await runPool({ jobs: batches, connections: 2, run: async (batch, agent) => {
    const { body, contentType } = stowBody(batch);
    const r = await request({ agent, url: `${url}/dicomweb/studies`, method: 'POST', headers: { ...benchAuthHeaders, 'content-type': contentType, accept: 'application/dicom+json' }, body });
    if (r.status !== 200) throw new Error(`STOW-RS answered ${r.status}`);
  } });
  const seriesUrl = `${url}/dicomweb/studies/${study}/series/${series}`;
  context = await chromium.launchPersistentContext(profileDir, { executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking'] });
  const page = context.pages()[0] ?? (await context.newPage());
  await page.goto(`${url}/health`);
  for (let r = 0; r < runs; r += 1) {
    const c0 = cpuSeconds(server.pid);
    const one = await nodeGet(seriesUrl);
    console.log(`run ${r + 1} node     ${one.ms.toFixed(0).padStart(5)} ms  ${(one.bytes / 1e6).toFixed(0)} MB  ${(one.bytes / one.ms / 1e3).toFixed(0)} MB/s  (first byte ${one.firstByteMs.toFixed(0)} ms, server CPU ${(cpuSeconds(server.pid) - c0).toFixed(2)} s) · load ${os.loadavg()[0].toFixed(1)}`);
    for (const mode of modes) {
      const res = await page.evaluate(readInPage, { seriesUrl, auth: benchAuthHeaders.authorization, accept, mode, uids });
      console.log(`run ${r + 1} ${mode.padEnd(8)} ${res.ms.toFixed(0).padStart(5)} ms  ${(res.bytes / 1e6).toFixed(0)} MB  ${(res.bytes / res.ms / 1e3).toFixed(0)} MB/s · load ${os.loadavg()[0].toFixed(1)}`);
    }
  }
} finally {
  await context?.close();
  await server.stop();
  await rm(dataDir, { recursive: true, force: true });
  await rm(profileDir, { recursive: true, force: true });
}
