// Analysis benchmark (issue 6): the whole @vertebra/analysis pipeline on a 512×512×300 CT
// (thoracolumbar, 1 mm slices) and a 512×512×600 whole-spine CT (from the phantom), time per
// stage (result.timingsMs) and peak memory; goals: ≤ 3 s for 300 slices, time linear in slices,
// peak memory ≤ 2× the volume. Each volume is rendered by this process, written to a temp raw
// file, and analysed in a fresh child process so that its peak RSS belongs to the analysis
// alone. Baselines in the same child: reading the raw file once, and copying the voxels once
// (Int16Array → Float32Array, the cheapest full pass). Not a test.
//
// Memory is resident set size (RSS: V8 heap + typed-array backing stores + malloc arenas, the
// volume itself included), read as the kernel's high-water mark (VmHWM, or getrusage maxRSS where
// /proc is missing), so nothing between samples is missed. The child runs with --expose-gc and
// collects the previous run's garbage before each run, and on Linux resets the high-water mark then
// (/proc/self/clear_refs = 5), so each run's peak is its own, not the previous run's garbage;
// the reported peak is the worst run. Also printed: the live typed-array memory
// (process.memoryUsage().arrayBuffers) at each stage boundary, to see which stage holds what.
//
//   npm run bench:analysis            (builds, then node bench/analysis/runAnalysisBench.mjs)
//   node bench/analysis/runAnalysisBench.mjs [--runs N] [--sizes 300,600] [--dist DIR]
//   (--dist: another build of @vertebra/analysis, e.g. a copy of packages/analysis/dist from before a change)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';

const mib = (bytes) => `${(bytes / 1048576).toFixed(0)} MiB`;

if (process.argv[2] === '--child') {
  // Child: read the raw volume, run the baselines and the analysis, print one JSON line.
  const [, , , rawPath, metaPath, runsText, distDir] = process.argv;
  const { analyzeSpineCt } = await import(distDir ? pathToFileURL(join(resolve(distDir), 'index.js')).href : '../../packages/analysis/dist/index.js');
  const meta = JSON.parse(readFileSync(metaPath, 'utf8'));
  // Peak RSS since the last reset: VmHWM from /proc (Linux), else the process' maxRSS (never reset).
  const canReset = (() => {
    try {
      writeFileSync('/proc/self/clear_refs', '5');
      return /VmHWM:\s+\d+/.test(readFileSync('/proc/self/status', 'utf8'));
    } catch {
      return false;
    }
  })();
  const highWater = () => (canReset ? Number(/VmHWM:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))[1]) * 1024 : process.resourceUsage().maxRSS * 1024);
  const rssBefore = process.memoryUsage().rss;
  let t = performance.now();
  const buffer = readFileSync(rawPath);
  const data = new Int16Array(buffer.buffer, buffer.byteOffset, buffer.byteLength / 2);
  const readMs = performance.now() - t;
  const rssWithVolume = process.memoryUsage().rss;
  const volume = { ...meta, data, valueUnit: 'HU' };
  const runs = [];
  for (let r = 0; r < Number(runsText); r++) {
    // Previous run's garbage out first: V8 frees typed-array backing stores after a collection, on
    // a concurrent sweeper task, hence the pause and a second collection.
    globalThis.gc?.();
    await new Promise((done) => setTimeout(done, 100));
    globalThis.gc?.();
    if (canReset) writeFileSync('/proc/self/clear_refs', '5');
    const rssStart = process.memoryUsage().rss;
    const liveArrayBuffers = {};
    t = performance.now();
    const result = analyzeSpineCt(volume, { onProgress: (p) => (liveArrayBuffers[p.stage] = process.memoryUsage().arrayBuffers) });
    const wallMs = performance.now() - t;
    runs.push({ wallMs, peakRss: highWater(), rssStart, liveArrayBuffers, timingsMs: result.timingsMs, status: result.status, vertebrae: result.vertebrae.length, labelled: result.vertebrae.filter((v) => v.label).length });
  }
  const peakRss = Math.max(...runs.map((r) => r.peakRss));
  const maxRss = canReset ? peakRss : process.resourceUsage().maxRSS * 1024;
  // The copy baseline runs last so that its Float32 buffer does not count in the analysis' peak.
  t = performance.now();
  const copy = Float32Array.from(data);
  const copyMs = performance.now() - t;
  copy[0] = 0;
  console.log(JSON.stringify({ readMs, copyMs, rssBefore, rssWithVolume, peakRss, maxRss, canReset, runs }));
  process.exit(0);
}

const args = process.argv.slice(2);
const runs = Number(args[args.indexOf('--runs') + 1] ?? 2) || 2;
const dist = args.includes('--dist') ? args[args.indexOf('--dist') + 1] : '';
const sizes = (args.includes('--sizes') ? args[args.indexOf('--sizes') + 1] : '300,600').split(',').map(Number);
const { buildAnatomy, buildSpineModel, computeGroundTruth, defaultPhantomParameters, mergePhantomParameters, renderCtVolume } = await import('../../packages/phantom/dist/index.js');

const parameters = mergePhantomParameters(defaultPhantomParameters, { seed: 1 });
const model = buildSpineModel(parameters);
const truth = computeGroundTruth(model);
const anatomy = buildAnatomy(model, { patientPosition: 'HFS' });
const centreY = anatomy.outline.reduce((sum, s) => sum + s.cy, 0) / anatomy.outline.length;
const z = (level) => truth.vertebrae.find((v) => v.level === level).centroidLps[2];
const dir = mkdtempSync(join(tmpdir(), 'vertebra-analysis-bench-'));
const self = fileURLToPath(import.meta.url);

console.log(`# Analysis benchmark — ${new Date().toISOString()} — Node ${process.version}, load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}${dist ? `, analysis from ${dist}` : ''}`);
const rows = [];
try {
  for (const slices of sizes) {
    // 300: 1 mm slices centred on T12/L1; 600: the whole spine, C1 to below the hips.
    const whole = slices > 400;
    const zRange = whole ? [model.hipAxisCentre[2] - 60, z('C1') + 40] : [z('T12') - 150, z('T12') + 150 - 1];
    const spacing = whole ? (zRange[1] - zRange[0]) / (slices - 1) : 1;
    let t = performance.now();
    const { volume } = renderCtVolume(anatomy, {
      columns: 512,
      rows: 512,
      pixelSpacingMm: whole ? 0.9 : 0.8,
      sliceThicknessMm: Math.max(1, spacing),
      sliceSpacingMm: spacing,
      centreXY: [0, centreY],
      zRange,
      noiseHu: parameters.noiseHu,
      noiseSeed: 'bench',
      labels: false,
    });
    const renderMs = performance.now() - t;
    const rawPath = join(dir, `ct${slices}.raw`);
    const metaPath = join(dir, `ct${slices}.json`);
    writeFileSync(rawPath, new Uint8Array(volume.data.buffer, volume.data.byteOffset, volume.data.byteLength));
    writeFileSync(metaPath, JSON.stringify({ dimensions: volume.dimensions, spacingMm: volume.spacingMm, originLps: volume.originLps, direction: volume.direction }));
    const child = spawnSync(process.execPath, ['--expose-gc', self, '--child', rawPath, metaPath, String(runs), dist], { encoding: 'utf8', maxBuffer: 1 << 24 });
    if (child.status !== 0) throw new Error(`child failed: ${child.stderr}`);
    const m = JSON.parse(child.stdout.trim().split('\n').pop());
    const bytes = volume.data.byteLength;
    const best = m.runs.reduce((a, b) => (a.wallMs <= b.wallMs ? a : b));
    console.log(`\n## ${volume.dimensions.join('×')} (${mib(bytes)} Int16, rendered in ${(renderMs / 1000).toFixed(1)} s): ${best.status}, ${best.vertebrae} vertebrae, ${best.labelled} labelled`);
    console.log(`analysis wall per run: ${m.runs.map((r) => `${r.wallMs.toFixed(0)} ms`).join(', ')}`);
    console.log(`stages (best run): ${Object.entries(best.timingsMs).map(([k, v]) => `${k} ${v}`).join(', ')}`);
    console.log(`baselines: read raw file ${m.readMs.toFixed(0)} ms, one Int16→Float32 copy ${m.copyMs.toFixed(0)} ms → analysis = ${(best.wallMs / m.readMs).toFixed(1)}× read, ${(best.wallMs / m.copyMs).toFixed(1)}× copy`);
    const peak = Math.max(m.peakRss, m.maxRss);
    const extra = peak - m.rssWithVolume;
    const overNode = peak - m.rssBefore;
    console.log(
      `memory: Node alone ${mib(m.rssBefore)}, with volume ${mib(m.rssWithVolume)}, peak ${mib(peak)} → analysis working set ${mib(extra)} = ${(extra / bytes).toFixed(2)}× the volume; ` +
        `(peak − Node alone) / volume = ${(overNode / bytes).toFixed(2)}× (goal ≤ 2×)`,
    );
    console.log(`peak RSS per run (${m.canReset ? 'VmHWM reset before each run, after gc' : 'process maxRSS, not reset'}): ${m.runs.map((r) => `${mib(r.peakRss)} = ${((r.peakRss - m.rssBefore) / bytes).toFixed(2)}× (RSS at its start ${mib(r.rssStart)})`).join(', ')}`);
    console.log(`live typed arrays at stage ends (worst run): ${Object.entries(m.runs.reduce((a, b) => (a.peakRss >= b.peakRss ? a : b)).liveArrayBuffers).map(([k, v]) => `${k} ${mib(v)}`).join(', ')}`);
    rows.push({ dims: volume.dimensions.join('×'), slices: volume.dimensions[2], bytes, best, m, extra, overNode });
  }
  if (rows.length > 1) {
    const [a, b] = rows;
    console.log(`\nscaling ${a.slices}→${b.slices} slices: analysis ×${(b.best.wallMs / a.best.wallMs).toFixed(2)} for ×${(b.slices / a.slices).toFixed(2)} slices`);
  }
  console.log(`\n| volume | analysis s (best of ${runs}) | resample | canal | bodyAxis | bodies | labels | read raw ms | copy ms | × read | working set / volume | (peak − Node) / volume |`);
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    const s = r.best.timingsMs;
    console.log(`| ${r.dims} | ${(r.best.wallMs / 1000).toFixed(2)} | ${s.resample ?? '–'} | ${s.canal ?? '–'} | ${s.bodyAxis ?? '–'} | ${s.bodies ?? '–'} | ${s.labels ?? '–'} | ${r.m.readMs.toFixed(0)} | ${r.m.copyMs.toFixed(0)} | ${(r.best.wallMs / r.m.readMs).toFixed(1)} | ${(r.extra / r.bytes).toFixed(2)} | ${(r.overNode / r.bytes).toFixed(2)} |`);
  }
  console.log(`load average at end ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
