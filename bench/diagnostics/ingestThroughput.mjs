// Diagnostic (not a benchmark mode): archive.ingest alone, no transport. Ingests N CT slices
// (512×512 16-bit) into a fresh archive with C ingests in flight and prints the rate, the
// process CPU time per instance (main thread + libuv pool + workers, from process.cpuUsage)
// and the latency of one ingest (p50/p95). Needs the built dist.
// Usage: node bench/diagnostics/ingestThroughput.mjs [--count 300] [--concurrency 1,16]
import { openArchive } from '../../packages/archive/dist/index.js';
import { writeSyntheticPart10, syntheticUid } from '../lib/writeSyntheticPart10.mjs';
import { threadCpuDelta, threadCpuMs } from '../lib/threadCpu.mjs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const args = process.argv.slice(2);
const option = (name, fallback) => { const i = args.indexOf(`--${name}`); return i >= 0 ? args[i + 1] : fallback; };
const count = Number(option('count', '300'));
const concurrencies = option('concurrency', '1,16').split(',').map(Number);
const run = Date.now();
const makeSlices = (series) => Array.from({ length: count }, (_, i) => writeSyntheticPart10({ patientId: 'P', patientName: 'A', studyInstanceUid: syntheticUid(run, series), seriesInstanceUid: syntheticUid(run, series, 1), sopInstanceUid: syntheticUid(run, series, 1, i), frameOfReferenceUid: syntheticUid(run, 9), studyDate: '20240101', instanceNumber: i, rows: 512, columns: 512, zMm: i }));
const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;

for (const [k, concurrency] of concurrencies.entries()) {
  const slices = makeSlices(k + 1);
  const dir = mkdtempSync(join(tmpdir(), 'vertebra-ingest-tp-'));
  const archive = await openArchive({ dataDir: dir });
  const latencies = [];
  let next = 0;
  const cpu0 = process.cpuUsage();
  const threads0 = threadCpuMs();
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    for (;;) {
      const i = next++;
      if (i >= slices.length) return;
      const s = performance.now();
      const result = await archive.ingest({ bytes: slices[i], source: { kind: 'import', label: `slice ${i}` } });
      latencies.push(performance.now() - s);
      if (result.outcome !== 'stored') throw new Error(`slice ${i}: ${result.outcome} ${result.error?.message ?? ''}`);
    }
  }));
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const threads = threadCpuDelta(threads0, threadCpuMs());
  latencies.sort((a, b) => a - b);
  console.log(`concurrency ${concurrency}: ${(count * 1000 / ms).toFixed(0)}/s, CPU ${((cpu.user + cpu.system) / 1000 / count).toFixed(2)} ms/instance (user ${(cpu.user / 1000 / count).toFixed(2)}, sys ${(cpu.system / 1000 / count).toFixed(2)}), latency p50 ${quantile(latencies, 0.5).toFixed(1)} ms p95 ${quantile(latencies, 0.95).toFixed(1)} ms; CPU ms/instance by thread: ${[...threads].filter(([, v]) => v > 0).map(([k, v]) => `${k} ${(v / count).toFixed(2)}`).join(', ')}`);
  await archive.close();
  rmSync(dir, { recursive: true, force: true });
}
