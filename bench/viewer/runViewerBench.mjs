// Viewer benchmark (issue 5): in headless Chromium on this machine, the time from opening a
// study to (a) the first rendered image and (b) a fully loaded CT volume (default 300 slices
// 512×512, 16-bit, uncompressed) with axial, sagittal and coronal MPR drawn, read from the
// viewer's User Timing marks (vertebra:study-open, vertebra:first-image, vertebra:all-rendered).
// Floor: the same bytes (series metadata + every frame, same Accept header, 6 parallel
// requests like the browser's per-host limit) fetched by a plain script in the same browser.
// Prints both and the ratio, and the CPU seconds the server and Chromium's processes spent on
// each (less skewed than wall-clock time by other load on the machine). `--floor-series` also
// fetches the series as one WADO-RS Retrieve Series request as a second floor, and as 2
// concurrent byte ranges of it (what the viewer does where the server offers ranges:
// readSeriesFrames.seriesStreams) as a third. `--profile DIR` writes a CPU profile of the page's
// main thread per run and adds to the marks how often and how long canvases were copied onto 2D canvases;
// `--trace DIR` writes a Chrome trace per run (all processes and threads: timeline, V8 incl. GC, GPU/ANGLE),
// e.g. to see how long the page waits on the GPU process (CommandBufferProxyImpl::WaitForGetOffset).
// Not a test: it prints figures.
//
//   npm run bench:viewer                    (builds server + viewer first)
//   node bench/viewer/runViewerBench.mjs --slices 300 --runs 3
//   node bench/viewer/runViewerBench.mjs --dist /tmp/old-dist      (serve another viewer build)
//   node bench/viewer/runViewerBench.mjs --user-data-dir /tmp/kept-profile   (a returning browser: caches kept between benches)
//   node bench/viewer/runViewerBench.mjs --analysis   (the server runs its CT analysis jobs; the series' analysis is
//                                                      queued again just before each viewer load, as for a study opened as it arrives)
//   node bench/viewer/runViewerBench.mjs --server-dist .tmp/old-server/dist   (and/or another server build, inside this checkout)
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { request, runPool, stowBody } from '../lib/dicomweb.mjs';
import { syntheticUid, writeSyntheticPart10 } from '../lib/writeSyntheticPart10.mjs';
import { benchAdminPassword, benchAuthHeaders } from '../lib/startVertebraChild.mjs';
import { startViewerServerChild } from './startViewerServerChild.mjs';

const WEB_DIR = fileURLToPath(new URL('../../packages/web/', import.meta.url));
const CHROMIUM = '/usr/bin/chromium';
const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic', '--no-first-run'];

function parseArgs(argv) {
  const options = { slices: 300, size: 512, runs: 3, dist: undefined, serverDist: undefined, profile: undefined, trace: undefined, floorSeries: false, userDataDir: undefined, analysis: false };
  for (let i = 0; i < argv.length; i += 1) {
    if (argv[i] === '--slices') options.slices = Number(argv[++i]);
    else if (argv[i] === '--size') options.size = Number(argv[++i]);
    else if (argv[i] === '--runs') options.runs = Number(argv[++i]);
    else if (argv[i] === '--dist') options.dist = argv[++i];
    else if (argv[i] === '--server-dist') options.serverDist = argv[++i];
    else if (argv[i] === '--profile') options.profile = argv[++i];
    else if (argv[i] === '--trace') options.trace = argv[++i];
    else if (argv[i] === '--floor-series') options.floorSeries = true;
    else if (argv[i] === '--user-data-dir') options.userDataDir = argv[++i];
    else if (argv[i] === '--analysis') options.analysis = true;
  }
  return options;
}

function run(command, args, cwd) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${command} exited with ${code}`))));
  });
}

async function loadSeries(url, { slices, size }) {
  const studyInstanceUid = syntheticUid(9, 5, Date.now());
  const seriesInstanceUid = `${studyInstanceUid}.1`;
  const frameOfReferenceUid = `${studyInstanceUid}.2`;
  const instances = Array.from({ length: slices }, (_, k) =>
    writeSyntheticPart10({
      patientId: 'BENCH-VIEWER', patientName: 'Bench^Viewer', studyInstanceUid, seriesInstanceUid,
      sopInstanceUid: `${seriesInstanceUid}.${k + 1}`, frameOfReferenceUid, studyDate: '20260101',
      instanceNumber: k + 1, rows: size, columns: size, zMm: -k,
    }),
  );
  const batches = [];
  for (let i = 0; i < instances.length; i += 20) batches.push(instances.slice(i, i + 20));
  await runPool({
    jobs: batches,
    connections: 2,
    run: async (batch, agent) => {
      const { body, contentType } = stowBody(batch);
      const r = await request({ agent, url: `${url}/dicomweb/studies`, method: 'POST', headers: { ...benchAuthHeaders, 'content-type': contentType, accept: 'application/dicom+json' }, body });
      if (r.status !== 200) throw new Error(`STOW-RS answered ${r.status}: ${r.body.toString().slice(0, 300)}`);
    },
  });
  return { studyInstanceUid, seriesInstanceUid, bytes: instances.reduce((n, b) => n + b.length, 0) };
}

/** Starts a Chrome trace of every process (CDP Tracing); the returned function stops it and writes it to `file`. */
async function startTrace(page, file) {
  const cdp = await page.context().newCDPSession(page);
  const events = [];
  cdp.on('Tracing.dataCollected', ({ value }) => events.push(...value));
  await cdp.send('Tracing.start', { transferMode: 'ReportEvents', traceConfig: { includedCategories: ['devtools.timeline', 'toplevel', 'v8', 'v8.execute', 'blink', 'gpu', 'gpu.angle', 'disabled-by-default-gpu.service', 'disabled-by-default-devtools.timeline', 'blink.user_timing'] } });
  return async () => {
    const done = new Promise((resolve) => cdp.once('Tracing.tracingComplete', resolve));
    await cdp.send('Tracing.end');
    await done;
    await writeFile(file, JSON.stringify({ traceEvents: events }));
    await cdp.detach();
  };
}

async function measureViewer(page, url, studyInstanceUid, profileFile, traceFile) {
  const stopTrace = traceFile === undefined ? undefined : await startTrace(page, traceFile);
  const cdp = profileFile === undefined ? undefined : await page.context().newCDPSession(page);
  if (cdp !== undefined) {
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
    await cdp.send('Profiler.start');
  }
  await page.goto(`${url}/#/studies/${studyInstanceUid}`);
  await page.waitForSelector('.study-viewer[data-viewer-state="ready"], .study-viewer[data-viewer-state="error"]', { timeout: 300_000 });
  if (cdp !== undefined) {
    const { profile } = await cdp.send('Profiler.stop');
    await writeFile(profileFile, JSON.stringify(profile));
    await cdp.detach();
  }
  await stopTrace?.();
  const state = await page.getAttribute('.study-viewer', 'data-viewer-state');
  if (state !== 'ready') throw new Error(`viewer: ${(await page.locator('.viewport-error, .error').allTextContents()).join(' | ')}`);
  return page.evaluate(() => {
    const at = (name) => performance.getEntriesByName(name).at(-1)?.startTime ?? Number.NaN;
    const open = at('vertebra:study-open');
    const marks = Object.fromEntries(
      performance.getEntriesByType('mark').filter((m) => m.name.startsWith('vertebra:') && m.startTime >= open).map((m) => [m.name.slice(9), Math.round(m.startTime - open)]),
    );
    const resources = performance.getEntriesByType('resource').filter((r) => r.startTime >= open);
    for (const [name, test] of [['qido-series', (u) => /\/series\?/.test(u)], ['series-metadata', (u) => u.endsWith('/metadata')], ['series-retrieve', (u) => /\/series\/[^/?]+$/.test(u)]]) {
      const r = resources.find((e) => test(e.name));
      if (r !== undefined) marks[`${name}-request`] = Math.round(r.startTime - open), marks[`${name}-response`] = Math.round(r.responseEnd - open);
    }
    // The series may come as several byte-range requests (readMultipartRanges): their count and the last byte of any.
    const retrieves = resources.filter((r) => /\/series\/[^/?]+$/.test(r.name));
    if (retrieves.length > 1) marks['series-retrieve-requests'] = retrieves.length, marks['series-retrieve-last-response'] = Math.round(Math.max(...retrieves.map((r) => r.responseEnd)) - open);
    const frames = resources.filter((r) => r.name.includes('/frames/'));
    if (frames.length > 0) {
      marks['first-frame-request'] = Math.round(Math.min(...frames.map((r) => r.startTime)) - open);
      marks['first-frame-response'] = Math.round(Math.min(...frames.map((r) => r.responseEnd)) - open);
      marks['last-frame-response'] = Math.round(Math.max(...frames.map((r) => r.responseEnd)) - open);
    }
    const draws = globalThis.__vertebraDrawStats;
    if (draws !== undefined) marks['canvas-copies'] = draws.count, marks['canvas-copy-ms'] = Math.round(draws.ms), marks['canvas-copy-at'] = draws.at.filter(([t]) => t >= open).map(([t, ms, w]) => `${Math.round(t - open)}+${ms}(${w})`).join(' ');
    return { marks, firstImageMs: at('vertebra:first-image') - open, volumeLoadedMs: at('vertebra:volume-loaded') - open, allRenderedMs: at('vertebra:all-rendered') - open };
  });
}

async function measurePlainFetch(page, url, studyInstanceUid, seriesInstanceUid) {
  await page.goto(`${url}/health`);
  return page.evaluate(async ({ base, study, series }) => {
    const t0 = performance.now();
    const meta = await (await fetch(`${base}/studies/${study}/series/${series}/metadata`, { headers: { accept: 'application/dicom+json' } })).json();
    const uids = meta.map((d) => d['00080018'].Value[0]);
    let next = 0;
    let bytes = 0;
    await Promise.all(
      Array.from({ length: 6 }, async () => {
        for (;;) {
          const uid = uids[next++];
          if (uid === undefined) return;
          const r = await fetch(`${base}/studies/${study}/series/${series}/instances/${uid}/frames/1`, {
            headers: { accept: 'multipart/related; type=application/octet-stream; transfer-syntax=*' },
          });
          const n = (await r.arrayBuffer()).byteLength;
          bytes += n; // read after the await: `bytes += await …` would lose concurrent updates
        }
      }),
    );
    return { ms: performance.now() - t0, bytes, frames: uids.length };
  }, { base: `${url}/dicomweb`, study: studyInstanceUid, series: seriesInstanceUid });
}

/**
 * CPU seconds (user + system) used so far by this process's descendants (the server child,
 * Chromium and its helper processes), from /proc: a measure of the work a load costs that
 * other sessions' load on the machine skews far less than wall-clock time. NaN off Linux.
 */
function descendantCpuSeconds(byProcess) {
  try {
    const ticks = 100; // USER_HZ on Linux
    const procs = new Map();
    for (const name of readdirSync('/proc')) {
      if (!/^\d+$/.test(name)) continue;
      try {
        const stat = readFileSync(`/proc/${name}/stat`, 'latin1');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        procs.set(Number(name), { ppid: Number(fields[1]), cpu: (Number(fields[11]) + Number(fields[12])) / ticks });
      } catch {
        // the process ended meanwhile
      }
    }
    let total = 0;
    for (const [pid, info] of procs) {
      for (let p = info.ppid, hops = 0; p > 1 && hops < 20; p = procs.get(p)?.ppid ?? 0, hops += 1) {
        if (p === process.pid) {
          total += info.cpu;
          if (byProcess !== undefined) {
            let kind = 'other';
            try {
              const cmd = readFileSync(`/proc/${pid}/cmdline`, 'latin1');
              kind = cmd.includes('serveViewerChild') ? 'server' : /--type=([a-z-]+)/.exec(cmd)?.[1] ?? (cmd.includes('chromium') ? 'browser' : 'other');
              if (kind === 'utility' && cmd.includes('NetworkService')) kind = 'network';
            } catch {
              // gone
            }
            byProcess[kind] = (byProcess[kind] ?? 0) + info.cpu;
            if (kind === 'renderer' || kind === 'gpu-process') {
              // Threads of the page's renderer and of the GPU process (SwiftShader), by thread name.
              for (const tid of readdirSync(`/proc/${pid}/task`)) {
                try {
                  const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'latin1');
                  const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')).replace(/\d+$/, '');
                  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
                  const key = `${kind}/${comm}`;
                  byProcess[key] = (byProcess[key] ?? 0) + (Number(fields[11]) + Number(fields[12])) / ticks;
                } catch {
                  // thread ended
                }
              }
            }
          }
          break;
        }
      }
      void pid;
    }
    return total;
  } catch {
    return Number.NaN;
  }
}

/** Diagnostic (--floor-series): the same series as one WADO-RS series retrieve (Part 10 instances, as stored), one request. */
async function measureSeriesRetrieve(page, url, studyInstanceUid, seriesInstanceUid) {
  return page.evaluate(async ({ base, study, series }) => {
    const t0 = performance.now();
    const r = await fetch(`${base}/studies/${study}/series/${series}`, { headers: { accept: 'multipart/related; type="application/dicom"; transfer-syntax=*' }, cache: 'no-store' });
    const reader = r.body.getReader();
    let bytes = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      bytes += value.byteLength;
    }
    return { ms: performance.now() - t0, bytes };
  }, { base: `${url}/dicomweb`, study: studyInstanceUid, series: seriesInstanceUid });
}

/**
 * Diagnostic (--floor-series): the same series as the viewer fetches it where the server offers byte ranges
 * (readMultipartRanges): `bytes=0-` for the total length, then `streams` concurrent ranges, the first response
 * read up to the first cut and cancelled. Bytes are counted, not parsed.
 */
async function measureSeriesRanges(page, url, studyInstanceUid, seriesInstanceUid, streams) {
  return page.evaluate(async ({ base, study, series, streams }) => {
    const t0 = performance.now();
    const target = `${base}/studies/${study}/series/${series}`;
    const accept = 'multipart/related; type="application/dicom"; transfer-syntax=1.2.840.10008.1.2.1';
    const first = await fetch(target, { headers: { accept, range: 'bytes=0-' }, cache: 'no-store' });
    const total = Number(/\/(\d+)$/.exec(first.headers.get('content-range') ?? '')?.[1] ?? 0);
    const etag = first.headers.get('etag') ?? '';
    const cuts = Array.from({ length: streams + 1 }, (_, k) => Math.round((total * k) / streams));
    const drain = async (body, length) => {
      const reader = body.getReader();
      let n = 0;
      while (n < length) {
        const { done, value } = await reader.read();
        if (done) break;
        n += value.byteLength;
      }
      await reader.cancel();
      return Math.min(n, length);
    };
    const counts = await Promise.all([
      drain(first.body, first.status === 206 ? cuts[1] : Infinity),
      ...(first.status !== 206 ? [] : cuts.slice(1, -1).map(async (from, k) => {
        const r = await fetch(target, { headers: { accept, range: `bytes=${from}-${cuts[k + 2] - 1}`, 'if-range': etag }, cache: 'no-store' });
        return drain(r.body, Infinity);
      })),
    ]);
    return { ms: performance.now() - t0, bytes: counts.reduce((a, b) => a + b, 0), ranges: counts.length };
  }, { base: `${url}/dicomweb`, study: studyInstanceUid, series: seriesInstanceUid, streams });
}

/** --analysis: queues the series' CT analysis again (POST …/analysis, 202) so that it runs while the viewer loads. */
async function queueAnalysis(url, studyInstanceUid, seriesInstanceUid) {
  const r = await request({ url: `${url}/api/studies/${studyInstanceUid}/series/${seriesInstanceUid}/analysis`, method: 'POST', headers: { ...benchAuthHeaders, accept: 'application/json' } });
  if (r.status !== 202) throw new Error(`analysis re-run answered ${r.status}: ${r.body.toString().slice(0, 300)}`);
}

/** --analysis: waits until the series' analysis is done or failed; its state and how long it ran (started → finished). */
async function awaitAnalysis(url, studyInstanceUid, seriesInstanceUid) {
  for (;;) {
    const r = await request({ url: `${url}/api/studies/${studyInstanceUid}/analyses`, headers: { ...benchAuthHeaders, accept: 'application/json' } });
    const found = JSON.parse(r.body.toString()).analyses.find((a) => a.seriesInstanceUid === seriesInstanceUid);
    if (found !== undefined && (found.state === 'done' || found.state === 'failed')) {
      return { state: found.state, ms: Date.parse(found.finishedAt) - Date.parse(found.startedAt ?? found.queuedAt), error: found.error?.code };
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main() {
  const options = parseArgs(process.argv.slice(2));
  if (options.dist === undefined && !existsSync(join(WEB_DIR, 'dist', 'index.html'))) await run(join(WEB_DIR, '..', '..', 'node_modules', '.bin', 'vite'), ['build', '--logLevel', 'error'], WEB_DIR);
  const dataDir = await mkdtemp(join(os.tmpdir(), 'vertebra-bench-viewer-'));
  // A kept Chromium profile (--user-data-dir) measures a returning browser: its disk caches (GPU shader / pipeline
  // cache, V8 code cache, HTTP cache) filled by an earlier bench; a fresh one, a browser's first study ever.
  const profileDir = options.userDataDir ?? (await mkdtemp(join(os.tmpdir(), 'vertebra-bench-chromium-')));
  if (options.userDataDir !== undefined) await mkdir(profileDir, { recursive: true });
  const server = await startViewerServerChild(dataDir, { dist: options.dist, serverDist: options.serverDist, analysis: options.analysis });
  if (options.dist !== undefined) console.log(`viewer build: ${options.dist}`);
  if (options.serverDist !== undefined) console.log(`server build: ${options.serverDist}`);
  let context;
  try {
    const series = await loadSeries(server.url, options);
    console.log(`stored ${options.slices} CT slices ${options.size}×${options.size} (${(series.bytes / 1e6).toFixed(0)} MB) at ${server.url}`);
    context = await chromium.launchPersistentContext(profileDir, { executablePath: CHROMIUM, headless: true, args: FLAGS, viewport: { width: 1500, height: 800 } });
    const page = context.pages()[0] ?? (await context.newPage());
    if (options.profile !== undefined) {
      // Diagnostic: how often (and how long) canvases are copied onto the viewports' 2D canvases.
      await page.addInitScript(() => {
        const draw = CanvasRenderingContext2D.prototype.drawImage;
        const stats = { count: 0, ms: 0, at: [] };
        globalThis.__vertebraDrawStats = stats;
        CanvasRenderingContext2D.prototype.drawImage = function (...args) {
          const t0 = performance.now();
          try {
            return draw.apply(this, args);
          } finally {
            stats.count += 1;
            stats.ms += performance.now() - t0;
            stats.at.push([Math.round(t0), Math.round(performance.now() - t0), args[0]?.width ?? 0]);
          }
        };
      });
    }
    // Sign in through the login form, as a user does; the session cookie carries every later request.
    await page.goto(`${server.url}/`);
    await page.fill('input[name="username"]', 'admin');
    await page.fill('input[name="password"]', benchAdminPassword);
    await page.click('button[type="submit"]');
    // The first load after sign-in also warms the HTTP cache with the app's scripts, as a returning user has it.
    await page.waitForSelector('[data-worklist-state="ready"]');
    const viewer = [];
    const floor = [];
    for (let r = 0; r < options.runs; r += 1) {
      if (options.profile !== undefined) await mkdir(options.profile, { recursive: true });
      if (options.trace !== undefined) await mkdir(options.trace, { recursive: true });
      if (options.analysis) await queueAnalysis(server.url, series.studyInstanceUid, series.seriesInstanceUid);
      const split0 = {};
      const cpuBefore = descendantCpuSeconds(split0);
      viewer.push(await measureViewer(page, server.url, series.studyInstanceUid, options.profile === undefined ? undefined : join(options.profile, `viewer-run${r + 1}.cpuprofile`), options.trace === undefined ? undefined : join(options.trace, `viewer-run${r + 1}.trace.json`)));
      const split1 = {};
      const cpuViewer = descendantCpuSeconds(split1);
      viewer.at(-1).cpuByProcess = Object.fromEntries(Object.entries(split1).map(([k, v]) => [k, Number((v - (split0[k] ?? 0)).toFixed(2))]).filter(([, v]) => v >= 0.05));
      if (options.analysis) {
        // The analysis runs in the server's process: its CPU is in "server" above. The floor is measured after it ended.
        const analysis = await awaitAnalysis(server.url, series.studyInstanceUid, series.seriesInstanceUid);
        console.log(`  analysis of the series, queued just before the viewer load: ${analysis.state}${analysis.error === undefined ? '' : ` (${analysis.error})`}, ran ${analysis.ms} ms`);
      }
      const cpuFloorStart = options.analysis ? descendantCpuSeconds() : cpuViewer;
      floor.push(await measurePlainFetch(page, server.url, series.studyInstanceUid, series.seriesInstanceUid));
      viewer.at(-1).cpuSeconds = cpuViewer - cpuBefore;
      floor.at(-1).cpuSeconds = descendantCpuSeconds() - cpuFloorStart;
      if (options.floorSeries) {
        const c0 = descendantCpuSeconds();
        const one = await measureSeriesRetrieve(page, server.url, series.studyInstanceUid, series.seriesInstanceUid);
        floor.at(-1).seriesMs = one.ms;
        floor.at(-1).seriesCpuSeconds = descendantCpuSeconds() - c0;
        console.log(`  series retrieve in one request: ${one.ms.toFixed(0)} ms, ${(one.bytes / 1e6).toFixed(0)} MB, CPU ${floor.at(-1).seriesCpuSeconds.toFixed(2)} s`);
        const c1 = descendantCpuSeconds();
        const ranged = await measureSeriesRanges(page, server.url, series.studyInstanceUid, series.seriesInstanceUid, 2);
        floor.at(-1).rangesMs = ranged.ms;
        floor.at(-1).ranges = ranged.ranges;
        floor.at(-1).rangesCpuSeconds = descendantCpuSeconds() - c1;
        console.log(`  series retrieve as ${ranged.ranges} byte ranges: ${ranged.ms.toFixed(0)} ms, ${(ranged.bytes / 1e6).toFixed(0)} MB, CPU ${floor.at(-1).rangesCpuSeconds.toFixed(2)} s`);
      }
      const v = viewer.at(-1);
      const f = floor.at(-1);
      console.log(`  marks (ms after study-open): ${JSON.stringify(v.marks)}`);
      console.log(`  viewer CPU seconds by process: ${JSON.stringify(v.cpuByProcess)}`);
      console.log(`run ${r + 1}: first image ${v.firstImageMs.toFixed(0)} ms · all frames loaded ${v.volumeLoadedMs.toFixed(0)} ms · volume + 3 MPR views ${v.allRenderedMs.toFixed(0)} ms · plain fetch ${f.ms.toFixed(0)} ms (${f.frames} frames, ${(f.bytes / 1e6).toFixed(0)} MB) · CPU (server + browser) viewer ${v.cpuSeconds.toFixed(2)} s, plain fetch ${f.cpuSeconds.toFixed(2)} s · load ${os.loadavg()[0].toFixed(1)}`);
    }
    const first = median(viewer.map((v) => v.firstImageMs));
    const full = median(viewer.map((v) => v.allRenderedMs));
    const plain = median(floor.map((f) => f.ms));
    console.log('');
    console.log(`median of ${options.runs} (headless Chromium, SwiftShader WebGL, ${os.cpus().length} cores, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}):`);
    console.log(`  open study → first image          ${first.toFixed(0)} ms   (goal < 300 ms)`);
    console.log(`  open study → full volume + MPR    ${full.toFixed(0)} ms   (goal < 2000 ms)`);
    console.log(`  plain fetch of the same bytes     ${plain.toFixed(0)} ms`);
    console.log(`  ratio viewer / plain fetch        ${(full / plain).toFixed(2)}×  (goal ≤ 2×)`);
    console.log(`  CPU time, viewer load             ${median(viewer.map((v) => v.cpuSeconds)).toFixed(2)} s   (server + Chromium processes)`);
    console.log(`  CPU time, plain fetch             ${median(floor.map((f) => f.cpuSeconds)).toFixed(2)} s`);
    if (options.floorSeries) {
      const series1 = median(floor.map((f) => f.seriesMs));
      console.log(`  series retrieve, one request      ${series1.toFixed(0)} ms, CPU ${median(floor.map((f) => f.seriesCpuSeconds)).toFixed(2)} s; viewer / that ${(full / series1).toFixed(2)}×`);
      const ranges1 = median(floor.map((f) => f.rangesMs));
      console.log(`  series retrieve, ${median(floor.map((f) => f.ranges))} byte range(s)  ${ranges1.toFixed(0)} ms, CPU ${median(floor.map((f) => f.rangesCpuSeconds)).toFixed(2)} s; viewer / that ${(full / ranges1).toFixed(2)}×`);
    }
  } finally {
    await context?.close();
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
    if (options.userDataDir === undefined) await rm(profileDir, { recursive: true, force: true });
  }
}

await main();
