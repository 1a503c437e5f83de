// What a running CT analysis (issue 6: runAnalysisInWorker, the server's worker thread) costs work that serves
// users at the same time, with the worker at the server's priority (nice 0) or lowered (nice 10, the default:
// lowerThreadPriority). Foreground: `--threads` threads (default 2 = this machine's cores, like a viewer load:
// the page's renderer, the GPU process and the server) each repeating a fixed CPU task (Int16 → Float32 of a
// 512×512 slice with rescale, the viewer's per-slice conversion), timed alone, then while the analysis of a
// phantom spine CT (normal-hfs-1mm, full size) runs, per nice value, alternating. Prints wall-clock time of the
// foreground work and how long the analysis took. Not a test: it prints figures. Uses the built packages.
//
//   node bench/viewer/runAnalysisContentionBench.mjs [--rounds 3] [--threads 2] [--slices 600]
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import os from 'node:os';

function convert(slices) {
  const src = new Int16Array(512 * 512);
  for (let i = 0; i < src.length; i += 1) src[i] = (i * 2654435761) >>> 20;
  const dst = new Float32Array(src.length);
  let sum = 0;
  for (let s = 0; s < slices; s += 1) {
    for (let i = 0; i < src.length; i += 1) dst[i] = src[i] * 1 - 1024;
    sum += dst[s & 1023];
  }
  return sum;
}

if (!isMainThread) {
  convert(workerData.slices);
  parentPort.postMessage('done');
} else {
  const args = process.argv.slice(2);
  const arg = (name, fallback) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : fallback);
  const rounds = arg('--rounds', 3);
  const threads = arg('--threads', 2);
  const slices = arg('--slices', 600);
  const { generatePhantomCase, phantomSuite } = await import('@vertebra/phantom');
  const { runAnalysisInWorker } = await import('../../packages/server/dist/jobs/runAnalysisInWorker.js');
  const options = phantomSuite().find((c) => c.caseId === 'normal-hfs-1mm');
  const phantom = generatePhantomCase({ ...options, modalities: ['ct'] });
  const files = phantom.files.filter((f) => f.path.endsWith('.dcm')).map((f) => f.bytes);
  console.log(`phantom spine CT: ${files.length} instances, ${(files.reduce((n, b) => n + b.length, 0) / 1e6).toFixed(0)} MB; foreground ${threads} threads × ${slices} slice conversions`);

  /** Runs the foreground threads; resolves with their wall-clock time (ms, the slowest). */
  const foreground = () => {
    const t0 = performance.now();
    return Promise.all(Array.from({ length: threads }, () => new Promise((resolve, reject) => {
      const w = new Worker(new URL(import.meta.url), { workerData: { slices } });
      w.once('message', () => resolve(performance.now() - t0));
      w.once('error', reject);
    }))).then((ms) => Math.max(...ms));
  };
  const analysis = async (niceValue) => {
    const t0 = performance.now();
    const instances = files.map((bytes, k) => ({ bytes: bytes.slice(), subject: `instance ${k}` }));
    const output = await runAnalysisInWorker({ seriesInstanceUid: '1.2.3', instances }, { memoryLimitMb: 4096, timeoutMs: 600_000, niceValue });
    return { ms: performance.now() - t0, ok: output.ok, nice: output.threadNice };
  };
  const alone = await analysis(0);
  console.log(`analysis alone: ${alone.ms.toFixed(0)} ms (${alone.ok ? 'ok' : 'failed'}, nice ${alone.nice})`);
  for (let r = 1; r <= rounds; r += 1) {
    const base = await foreground();
    const line = [`round ${r}: foreground alone ${base.toFixed(0)} ms`];
    for (const nice of [0, 10]) {
      const a = analysis(nice);
      await new Promise((resolve) => setTimeout(resolve, 300)); // the worker has started and decodes
      const fg = await foreground();
      const done = await a;
      line.push(`with analysis at nice ${done.nice}: foreground ${fg.toFixed(0)} ms, analysis ${done.ms.toFixed(0)} ms`);
    }
    console.log(`${line.join(' · ')} · load ${os.loadavg()[0].toFixed(1)}`);
  }
}
