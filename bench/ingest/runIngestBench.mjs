// Ingest benchmark (issue 2): Vertebra against Orthanc (Debian 1.10, SQLite, default
// durability) on the same generated files, in the same run, on loopback.
//
//   npm run bench:ingest                      500 CT slices 512×512 16-bit: STOW-RS (4 connections),
//                                             C-STORE (one storescu association, client TCP_NODELAY
//                                             off and on), `vertebra import` vs Orthanc REST /instances
//   npm run bench:ingest -- --scale 100000    100,000 small instances into Vertebra: ingest rate in the
//                                             first and last 5 %, QIDO-RS latency p50/p95 at that size
// Options: --count N (500), --batch N (instances per STOW request, 10), --connections N (4),
//          --modes stow,cstore,import, --profile (writes Vertebra CPU profiles to bench/out/profiles/;
//          summarize with bench/lib/summarizeCpuProfile.mjs), --no-orthanc (Vertebra only, for profiling),
//          --ab PATH/TO/OTHER/cli/dist/main.js [--rounds N] [--b-env K=V,K=V] [--b-node-args A,B]: A/B of two Vertebra builds
//          (A = PATH, B = this tree) on the same slices, alternating A B B A … per mode (stow, cstore =
//          storescu TCP_NODELAY=1), no Orthanc; prints rate and server CPU per instance of every run,
//          --warmup N: before each timed STOW-RS / C-STORE run, send N other slices (another study)
//          the same way to the same server, Vertebra and Orthanc alike, untimed: measures a running
//          server instead of a fresh one (Vertebra's JIT compiles the ingest path during the first
//          few hundred instances; default 0 = the fresh-server figures reported so far).
// Every mode starts each server fresh on an empty data directory. Not a test: it prints figures.
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startOrthanc } from '../../scripts/lib/startOrthanc.mjs';
import { request, runPool, stowBody } from '../lib/dicomweb.mjs';
import { benchAuthHeaders, startVertebraChild } from '../lib/startVertebraChild.mjs';
import { processCpuMs, threadCpuDelta, threadCpuMs } from '../lib/threadCpu.mjs';
import { syntheticUid, writeSyntheticPart10 } from '../lib/writeSyntheticPart10.mjs';
import { runScaleBench } from './runScaleBench.mjs';

const CLI = fileURLToPath(new URL('../../packages/cli/dist/main.js', import.meta.url));
const PROFILE_DIR = fileURLToPath(new URL('../out/profiles/', import.meta.url));

function parseArgs(argv) {
  const options = { count: 500, batch: 10, connections: 4, modes: ['stow', 'cstore', 'import'], scale: 0, profile: false, orthanc: true, ab: '', rounds: 3, bEnv: {}, bNodeArgs: [], warmup: 0 };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    const value = () => argv[++i] ?? '';
    if (arg === '--count') options.count = Number(value());
    else if (arg === '--batch') options.batch = Number(value());
    else if (arg === '--connections') options.connections = Number(value());
    else if (arg === '--modes') options.modes = value().split(',');
    else if (arg === '--scale') options.scale = Number(value());
    else if (arg === '--profile') options.profile = true;
    else if (arg === '--no-orthanc') options.orthanc = false;
    else if (arg === '--ab') options.ab = value();
    else if (arg === '--rounds') options.rounds = Number(value());
    else if (arg === '--warmup') options.warmup = Number(value());
    else if (arg === '--b-node-args') options.bNodeArgs = value().split(',');
    else if (arg === '--b-env') options.bEnv = Object.fromEntries(value().split(',').map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
    else throw new Error(`unknown option ${arg}`);
  }
  return options;
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function run(command, args, env = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c) => (out = (out + c).slice(-20000)));
    child.stderr.on('data', (c) => (out = (out + c).slice(-20000)));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${command} exited ${code}: ${out.slice(-2000)}`))));
  });
}

async function generateSlices(dir, count, modality = 'CT') {
  await mkdir(dir, { recursive: true });
  const run = Date.now();
  const buffers = [];
  for (let i = 0; i < count; i += 1) {
    const bytes = writeSyntheticPart10({
      patientId: 'BENCH001',
      patientName: 'BENCH^CT',
      studyInstanceUid: syntheticUid(run, 1),
      seriesInstanceUid: syntheticUid(run, 1, 1),
      sopInstanceUid: syntheticUid(run, 1, 1, i + 1),
      frameOfReferenceUid: syntheticUid(run, 9),
      studyDate: '20240315',
      modality,
      instanceNumber: i + 1,
      rows: 512,
      columns: 512,
      zMm: i * 1.25,
    });
    buffers.push(bytes);
    await writeFile(join(dir, `slice${String(i + 1).padStart(4, '0')}.dcm`), bytes);
  }
  return { buffers, studyInstanceUid: syntheticUid(run, 1) };
}

const rate = (count, ms) => (count * 1000) / ms;

async function vertebraCount(httpUrl, studyUid) {
  const agent = new http.Agent({ keepAlive: false });
  const res = await request({ agent, url: `${httpUrl}/dicomweb/studies?StudyInstanceUID=${studyUid}&includefield=00201208`, headers: { ...benchAuthHeaders, accept: 'application/dicom+json' } });
  const rows = res.status === 200 ? JSON.parse(String(res.body)) : [];
  return Number(rows[0]?.['00201208']?.Value?.[0] ?? 0);
}

async function orthancCount(baseUrl) {
  const agent = new http.Agent({ keepAlive: false });
  const res = await request({ agent, url: `${baseUrl}/statistics` });
  return JSON.parse(String(res.body)).CountInstances;
}

async function stowAll({ url, buffers, batch, connections, authHeaders = {} }) {
  const jobs = [];
  for (let i = 0; i < buffers.length; i += batch) jobs.push(stowBody(buffers.slice(i, i + batch)));
  const failures = [];
  const start = performance.now();
  await runPool({
    jobs,
    connections,
    run: async (job, agent) => {
      const res = await request({ agent, url, method: 'POST', headers: { ...authHeaders, 'content-type': job.contentType, accept: 'application/dicom+json' }, body: job.body });
      if (res.status !== 200) failures.push(`${res.status} ${String(res.body).slice(0, 200)}`);
    },
  });
  const ms = performance.now() - start;
  if (failures.length > 0) throw new Error(`STOW failures (${failures.length}): ${failures[0]}`);
  return ms;
}

async function postInstances({ url, buffers, connections }) {
  const start = performance.now();
  const failures = [];
  await runPool({
    jobs: buffers,
    connections,
    run: async (bytes, agent) => {
      const res = await request({ agent, url, method: 'POST', headers: { 'content-type': 'application/dicom' }, body: bytes });
      if (res.status !== 200) failures.push(`${res.status} ${String(res.body).slice(0, 200)}`);
    },
  });
  if (failures.length > 0) throw new Error(`POST /instances failures (${failures.length}): ${failures[0]}`);
  return performance.now() - start;
}

async function storescu({ port, aeTitle, dir, tcpNoDelay }) {
  const start = performance.now();
  await run('storescu', ['-aet', 'BENCHSCU', '-aec', aeTitle, '+sd', '127.0.0.1', String(port), dir], { TCP_NODELAY: tcpNoDelay ? '1' : '0' });
  return performance.now() - start;
}

/** A/B of two builds, alternating A B B A …: per run the rate and the server CPU per instance (all threads). */
async function runAb({ options, buffers, slicesDir, studyInstanceUid, freshDir, warm }) {
  const n = buffers.length;
  const builds = { A: { cli: options.ab, env: {}, nodeArgs: [] }, B: { cli: CLI, env: options.bEnv, nodeArgs: options.bNodeArgs } };
  const modes = options.modes.filter((m) => m === 'stow' || m === 'cstore');
  const median = (xs) => {
    const s = [...xs].sort((a, b) => a - b);
    const m = Math.floor(s.length / 2);
    return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
  };
  for (const mode of modes) {
    const runs = { A: [], B: [] };
    for (let round = 0; round < options.rounds; round += 1) {
      for (const which of round % 2 === 0 ? ['A', 'B'] : ['B', 'A']) {
        const server = await startVertebraChild({ dataDir: await freshDir(`ab-${which}-${mode}`), cli: builds[which].cli, env: builds[which].env, nodeArgs: builds[which].nodeArgs });
        try {
          await vertebraCount(server.httpUrl, '1.2.3');
          if (warm && mode === 'stow') await stowAll({ url: `${server.httpUrl}/dicomweb/studies`, buffers: warm.buffers, batch: options.batch, connections: options.connections, authHeaders: server.authHeaders });
          if (warm && mode === 'cstore') await storescu({ port: server.dimsePort, aeTitle: 'VERTEBRA', dir: warm.dir, tcpNoDelay: true });
          const threads0 = threadCpuMs(server.pid);
          const client0 = process.cpuUsage();
          const ms =
            mode === 'stow'
              ? await stowAll({ url: `${server.httpUrl}/dicomweb/studies`, buffers, batch: options.batch, connections: options.connections, authHeaders: server.authHeaders })
              : await storescu({ port: server.dimsePort, aeTitle: 'VERTEBRA', dir: slicesDir, tcpNoDelay: true });
          const threads = threadCpuDelta(threads0, threadCpuMs(server.pid));
          const client = process.cpuUsage(client0);
          const stored = await vertebraCount(server.httpUrl, studyInstanceUid);
          if (stored !== n) throw new Error(`${which} holds ${stored} of ${n} instances after ${mode}`);
          const cpu = [...threads.values()].reduce((a, b) => a + b, 0) / n;
          runs[which].push({ rate: rate(n, ms), cpu });
          console.log(`  ${mode} ${which}: ${rate(n, ms).toFixed(1)}/s, server CPU ${cpu.toFixed(2)} ms/instance (${[...threads].filter(([, v]) => v > 0).map(([k, v]) => `${k} ${(v / n).toFixed(2)}`).join(', ')}); client CPU ${mode === 'stow' ? ((client.user + client.system) / 1000 / n).toFixed(2) : '– (storescu)'} ms/instance; load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
        } finally {
          await server.stop();
        }
      }
    }
    for (const which of ['A', 'B']) {
      const r = runs[which];
      console.log(`${mode} ${which} median: ${median(r.map((x) => x.rate)).toFixed(1)}/s, ${median(r.map((x) => x.cpu)).toFixed(2)} ms CPU/instance (${r.length} runs)`);
    }
  }
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  if (options.scale > 0) {
    await runScaleBench({ instances: options.scale, batch: Math.max(options.batch, 50), connections: options.connections, profile: options.profile, profileDir: PROFILE_DIR });
    return;
  }
  const work = await mkdtemp(join(os.tmpdir(), 'vertebra-bench-'));
  const slicesDir = join(work, 'slices');
  let fresh = 0;
  const freshDir = async (name) => {
    const dir = join(work, `${name}-${++fresh}`);
    await mkdir(dir, { recursive: true });
    return dir;
  };
  const nodeArgs = (name) => (options.profile ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`, `--cpu-prof-name=vertebra-${name}-${Date.now()}.cpuprofile`] : []);
  if (options.profile) await mkdir(PROFILE_DIR, { recursive: true });

  console.log(`Generating ${options.count} CT slices 512×512 16-bit in ${slicesDir} …`);
  const { buffers, studyInstanceUid } = await generateSlices(slicesDir, options.count);
  await new Promise((resolve) => setTimeout(resolve, 5)); // another Date.now(): other UIDs
  const warm = options.warmup > 0 ? { dir: join(work, 'warmup'), ...(await generateSlices(join(work, 'warmup'), options.warmup, 'OT')) } : null; // not CT: queues no analysis job that could run in a timed window
  if (warm) console.log(`Warm-up: ${options.warmup} other slices sent untimed before each STOW-RS / C-STORE run, to both servers.`);
  const n = buffers.length;
  const mb = buffers.reduce((s, b) => s + b.length, 0) / 1e6;
  console.log(`${n} files, ${mb.toFixed(0)} MB. Node ${process.version}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'})`);

  if (options.ab !== '') {
    await runAb({ options, buffers, slicesDir, studyInstanceUid, freshDir, warm });
    await rm(work, { recursive: true, force: true });
    return;
  }

  const results = [];
  /** Server CPU ms per instance (all threads, from /proc), by server and mode. */
  const cpuPerInstance = new Map();
  const withVertebra = async (name, fn, warmUp = async () => undefined) => {
    const server = await startVertebraChild({ dataDir: await freshDir(`vertebra-${name}`), nodeArgs: nodeArgs(name) });
    try {
      // One authenticated request first: the HTTP Basic password check (scrypt, ~0.1–0.2 s of
      // CPU, then cached) is a per-client sign-in cost, not a per-instance ingest cost.
      await vertebraCount(server.httpUrl, '1.2.3');
      await warmUp(server);
      const threads0 = threadCpuMs(server.pid);
      const ms = await fn(server);
      const threads = threadCpuDelta(threads0, threadCpuMs(server.pid));
      const stored = await vertebraCount(server.httpUrl, studyInstanceUid);
      if (stored !== n) throw new Error(`Vertebra holds ${stored} of ${n} instances after ${name}`);
      const cpu = [...threads.values()].reduce((a, b) => a + b, 0);
      console.log(`    Vertebra server CPU ${(cpu / n).toFixed(2)} ms/instance (${[...threads].filter(([, v]) => v > 0).map(([k, v]) => `${k} ${(v / n).toFixed(2)}`).join(', ')}); load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
      cpuPerInstance.set(`vertebra-${name}`, cpu / n);
      return rate(n, ms);
    } finally {
      await server.stop();
    }
  };
  const withOrthanc = async (name, fn, orthancOptions = {}, warmUp = async () => undefined) => {
    if (!options.orthanc) return Number.NaN;
    const orthanc = await startOrthanc({ workDir: await freshDir(`orthanc-${name}`), httpPort: await freePort(), dicomPort: await freePort(), aeTitle: 'ORTHANC', ...orthancOptions });
    try {
      await warmUp(orthanc);
      const cpu0 = orthanc.pid === undefined ? Number.NaN : processCpuMs(orthanc.pid);
      const ms = await fn(orthanc);
      const cpu = orthanc.pid === undefined ? Number.NaN : processCpuMs(orthanc.pid) - cpu0;
      console.log(`    Orthanc server CPU ${(cpu / n).toFixed(2)} ms/instance`);
      cpuPerInstance.set(`orthanc-${name}`, cpu / n);
      const stored = await orthancCount(orthanc.baseUrl);
      if (stored !== n + (warm && name !== 'rest' ? warm.buffers.length : 0)) throw new Error(`Orthanc holds ${stored} of ${n} instances after ${name}`);
      return rate(n, ms);
    } finally {
      await orthanc.stop();
    }
  };
  const record = (mode, vertebra, orthanc, vertebraCpu = Number.NaN, orthancCpu = Number.NaN) => {
    results.push({ mode, vertebra, orthanc, ratio: vertebra / orthanc, vertebraCpu, orthancCpu });
    console.log(`  ${mode}: Vertebra ${vertebra.toFixed(1)}/s, Orthanc ${orthanc.toFixed(1)}/s, ratio ${(vertebra / orthanc).toFixed(2)}`);
  };

  if (options.modes.includes('stow')) {
    const mode = `STOW-RS, ${options.connections} connections, ${options.batch} instances/request`;
    console.log(mode);
    const v = await withVertebra(
      'stow',
      (s) => stowAll({ url: `${s.httpUrl}/dicomweb/studies`, buffers, batch: options.batch, connections: options.connections, authHeaders: s.authHeaders }),
      (s) => (warm ? stowAll({ url: `${s.httpUrl}/dicomweb/studies`, buffers: warm.buffers, batch: options.batch, connections: options.connections, authHeaders: s.authHeaders }) : undefined),
    );
    const o = await withOrthanc(
      'stow',
      (o) => stowAll({ url: `${o.baseUrl}/dicom-web/studies`, buffers, batch: options.batch, connections: options.connections }),
      {},
      (o) => (warm ? stowAll({ url: `${o.baseUrl}/dicom-web/studies`, buffers: warm.buffers, batch: options.batch, connections: options.connections }) : undefined),
    );
    record(mode, v, o, cpuPerInstance.get('vertebra-stow'), cpuPerInstance.get('orthanc-stow'));
  }
  if (options.modes.includes('cstore')) {
    for (const tcpNoDelay of [false, true]) {
      const mode = `C-STORE, one storescu association, client TCP_NODELAY=${tcpNoDelay ? 1 : 0}`;
      console.log(mode);
      const v = await withVertebra(
        `cstore${tcpNoDelay ? '-nodelay' : ''}`,
        (s) => storescu({ port: s.dimsePort, aeTitle: 'VERTEBRA', dir: slicesDir, tcpNoDelay }),
        (s) => (warm ? storescu({ port: s.dimsePort, aeTitle: 'VERTEBRA', dir: warm.dir, tcpNoDelay }) : undefined),
      );
      const o = await withOrthanc(
        'cstore',
        (o) => storescu({ port: o.dicomPort, aeTitle: 'ORTHANC', dir: slicesDir, tcpNoDelay }),
        {},
        (o) => (warm ? storescu({ port: o.dicomPort, aeTitle: 'ORTHANC', dir: warm.dir, tcpNoDelay }) : undefined),
      );
      const vName = `vertebra-cstore${tcpNoDelay ? '-nodelay' : ''}`;
      record(mode, v, o, cpuPerInstance.get(vName), cpuPerInstance.get('orthanc-cstore'));
      if (tcpNoDelay) {
        const mode2 = 'C-STORE, one storescu association, TCP_NODELAY=1 on client and on Orthanc';
        console.log(mode2);
        const o2 = await withOrthanc('cstore-both', (o) => storescu({ port: o.dicomPort, aeTitle: 'ORTHANC', dir: slicesDir, tcpNoDelay }), { tcpNoDelay: true }, (o) =>
          warm ? storescu({ port: o.dicomPort, aeTitle: 'ORTHANC', dir: warm.dir, tcpNoDelay }) : undefined,
        );
        record(mode2, v, o2, cpuPerInstance.get('vertebra-cstore-nodelay'), cpuPerInstance.get('orthanc-cstore-both'));
      }
    }
  }
  if (options.modes.includes('import')) {
    const mode = `vertebra import (CLI, 4 in flight) vs Orthanc REST POST /instances (${options.connections} connections)`;
    console.log(mode);
    const dataDir = await freshDir('vertebra-import');
    const start = performance.now();
    await run(process.execPath, [...nodeArgs('import'), CLI, 'import', slicesDir, '--data', dataDir, '--json']);
    const importMs = performance.now() - start;
    const check = await startVertebraChild({ dataDir, dimse: false });
    const stored = await vertebraCount(check.httpUrl, studyInstanceUid);
    await check.stop();
    if (stored !== n) throw new Error(`Vertebra holds ${stored} of ${n} instances after import`);
    const o = await withOrthanc('rest', (o) => postInstances({ url: `${o.baseUrl}/instances`, buffers, connections: options.connections }));
    record(mode, rate(n, importMs), o, Number.NaN, cpuPerInstance.get('orthanc-rest'));
  }

  console.log(`\nResults (instances/s, higher is better; server CPU ms per instance, all threads; load average now ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}):`);
  console.log('| mode | Vertebra | Orthanc | Vertebra/Orthanc | Vertebra CPU ms/inst. | Orthanc CPU ms/inst. |');
  console.log('|---|---:|---:|---:|---:|---:|');
  const ms = (v) => (v === undefined || Number.isNaN(v) ? '–' : v.toFixed(2));
  for (const r of results) console.log(`| ${r.mode} | ${r.vertebra.toFixed(1)} | ${r.orthanc.toFixed(1)} | ${r.ratio.toFixed(2)} | ${ms(r.vertebraCpu)} | ${ms(r.orthancCpu)} |`);
  await rm(work, { recursive: true, force: true });
}

await main();
