// Starts bench/viewer/serveViewerChild.mjs (a Vertebra server on a data directory, optionally
// serving another viewer build) as a child process and waits for its "READY <url>" line.
// Shared by the viewer benches: runViewerBench, runFrameFetchBench, runSeriesDownloadBench.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CHILD = fileURLToPath(new URL('./serveViewerChild.mjs', import.meta.url));

/** @returns {Promise<{ url: string, pid: number, stop: () => Promise<void> }>} */
export async function startViewerServerChild(dataDir, { dist, serverDist, nodeArgs = [], analysis = false } = {}) {
  const extra = serverDist === undefined ? (dist === undefined ? [] : [dist]) : [dist ?? '-', serverDist];
  const env = analysis ? { ...process.env, VERTEBRA_BENCH_ANALYSIS: '1' } : process.env;
  const child = spawn(process.execPath, [...nodeArgs, CHILD, dataDir, ...extra], { stdio: ['ignore', 'pipe', 'inherit'], env });
  const url = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (c) => {
      out += c;
      const m = /READY (\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`server exited (${code})`)));
  });
  return { url, pid: child.pid, stop: () => new Promise((resolve) => { child.once('exit', resolve); child.kill('SIGTERM'); }) };
}
