// Diagnostic (not a benchmark mode): how often V8 collects garbage while `vertebra serve` takes
// N CT slices (512×512 16-bit) over STOW-RS (4 connections × 10 instances/request). Starts the
// server with --trace-gc and prints the number and main-thread time of scavenges and
// mark-compacts, plus server CPU per instance (all threads). A mark-compact "GC in old space
// requested" every ~64 slices means external (ArrayBuffer) memory drives full collections.
// Usage: node bench/ingest/stowGcTrace.mjs [--cli PATH/TO/cli/dist/main.js] [--count 500]
import { spawn } from 'node:child_process';
import http from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { request, runPool, stowBody } from '../lib/dicomweb.mjs';
import { benchAdminPassword, benchAuthHeaders } from '../lib/startVertebraChild.mjs';
import { threadCpuDelta, threadCpuMs } from '../lib/threadCpu.mjs';
import { syntheticUid, writeSyntheticPart10 } from '../lib/writeSyntheticPart10.mjs';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const cli = option('cli', fileURLToPath(new URL('../../packages/cli/dist/main.js', import.meta.url)));
const count = Number(option('count', '500'));
const run = Date.now();
const slices = Array.from({ length: count }, (_, i) =>
  writeSyntheticPart10({ patientId: 'P', patientName: 'GC^TRACE', studyInstanceUid: syntheticUid(run, 1), seriesInstanceUid: syntheticUid(run, 1, 1), sopInstanceUid: syntheticUid(run, 1, 1, i + 1), frameOfReferenceUid: syntheticUid(run, 9), studyDate: '20240101', instanceNumber: i + 1, rows: 512, columns: 512, zMm: i * 1.25 }),
);
const dataDir = await mkdtemp(join(os.tmpdir(), 'vertebra-gctrace-'));
const child = spawn(process.execPath, ['--trace-gc', cli, 'serve', '--data', dataDir, '--port', '0', '--dimse-port', 'off'], {
  stdio: ['ignore', 'pipe', 'inherit'],
  env: { ...process.env, VERTEBRA_ADMIN_PASSWORD: benchAdminPassword },
});
let out = '';
const url = await new Promise((resolve, reject) => {
  child.once('exit', (code) => reject(new Error(`vertebra serve exited (${code})`)));
  child.stdout.on('data', (c) => {
    out += c;
    const m = /HTTP\s+(http:\/\/\S+)/.exec(out);
    if (out.includes('Ready.') && m) resolve(m[1]);
  });
});
await request({ agent: new http.Agent(), url: `${url}/dicomweb/studies?StudyInstanceUID=1.2.3`, headers: benchAuthHeaders });
out = '';
const jobs = [];
for (let i = 0; i < count; i += 10) jobs.push(stowBody(slices.slice(i, i + 10)));
const cpu0 = threadCpuMs(child.pid);
const t0 = performance.now();
await runPool({
  jobs,
  connections: 4,
  run: async (job, agent) => {
    const res = await request({ agent, url: `${url}/dicomweb/studies`, method: 'POST', headers: { ...benchAuthHeaders, 'content-type': job.contentType }, body: job.body });
    if (res.status !== 200) throw new Error(`STOW answered ${res.status}`);
  },
});
const ms = performance.now() - t0;
const cpu = threadCpuDelta(cpu0, threadCpuMs(child.pid));
const gcLines = [...new Set(out.split('\n').filter((l) => /Scavenge|Mark-Compact/.test(l)))];
child.kill('SIGTERM');
await new Promise((resolve) => child.once('exit', resolve));
await rm(dataDir, { recursive: true, force: true });
const summary = (pattern) => {
  const lines = gcLines.filter((l) => pattern.test(l));
  const mainMs = lines.reduce((sum, l) => sum + Number(/, ([0-9.]+) \/ [0-9.]+ ms/.exec(l)?.[1] ?? 0), 0);
  return `${lines.length} (${mainMs.toFixed(1)} ms main thread)`;
};
const total = [...cpu.values()].reduce((a, b) => a + b, 0);
console.log(`${count} slices in ${ms.toFixed(0)} ms (${((count * 1000) / ms).toFixed(1)}/s), server CPU ${(total / count).toFixed(2)} ms/instance (${[...cpu].filter(([, v]) => v > 0).map(([k, v]) => `${k} ${(v / count).toFixed(2)}`).join(', ')}); load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
console.log(`scavenges ${summary(/Scavenge/)}, mark-compacts ${summary(/Mark-Compact/)}`);
for (const line of gcLines.filter((l) => /Mark-Compact/.test(l)).slice(0, 3)) console.log(`  ${line.replace(/^.*?ms: /, '').slice(0, 160)}`);
