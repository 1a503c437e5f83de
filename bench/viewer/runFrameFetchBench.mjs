// Server-side floor of the viewer benchmark (issue 5): WADO-RS frame retrieval (PS3.18
// 10.4.1.1.3) of a stored 300-slice 512×512 CT, every frame as multipart/related
// application/octet-stream, fetched by a plain Node client over loopback with 6 keep-alive
// connections (the browser's per-host limit), authentication on. Prints MB/s and the server's
// CPU seconds per round (round 1 finds every frame new; later rounds repeat it);
// `--cpu-prof DIR` writes a V8 CPU profile of the server child to DIR.
//
//   npm run build && node bench/viewer/runFrameFetchBench.mjs --rounds 5 [--cpu-prof /tmp/prof]
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import { join } from 'node:path';
import { request, runPool, stowBody } from '../lib/dicomweb.mjs';
import { syntheticUid, writeSyntheticPart10 } from '../lib/writeSyntheticPart10.mjs';
import { benchAuthHeaders } from '../lib/startVertebraChild.mjs';
import { startViewerServerChild } from './startViewerServerChild.mjs';

const ACCEPT = 'multipart/related; type=application/octet-stream; transfer-syntax=*';

function parseArgs(argv) {
  const options = { slices: 300, size: 512, rounds: 5, connections: 6, cpuProf: undefined };
  for (let i = 0; i < argv.length; i += 1) {
    if (argv[i] === '--slices') options.slices = Number(argv[++i]);
    else if (argv[i] === '--size') options.size = Number(argv[++i]);
    else if (argv[i] === '--rounds') options.rounds = Number(argv[++i]);
    else if (argv[i] === '--connections') options.connections = Number(argv[++i]);
    else if (argv[i] === '--cpu-prof') options.cpuProf = argv[++i];
  }
  return options;
}

/** CPU seconds (user + system) a process has used, from /proc/<pid>/stat (Linux; NaN elsewhere). */
function cpuSecondsOf(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const dataDir = await mkdtemp(join(os.tmpdir(), 'vertebra-bench-frames-'));
  const server = await startViewerServerChild(dataDir, { nodeArgs: options.cpuProf === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', options.cpuProf] });
  try {
    const study = syntheticUid(9, 6, Date.now());
    const series = `${study}.1`;
    const instances = Array.from({ length: options.slices }, (_, k) =>
      writeSyntheticPart10({
        patientId: 'BENCH-FRAMES', patientName: 'Bench^Frames', studyInstanceUid: study, seriesInstanceUid: series,
        sopInstanceUid: `${series}.${k + 1}`, frameOfReferenceUid: `${study}.2`, studyDate: '20260101',
        instanceNumber: k + 1, rows: options.size, columns: options.size, zMm: -k,
      }),
    );
    const batches = [];
    for (let i = 0; i < instances.length; i += 20) batches.push(instances.slice(i, i + 20));
    await runPool({
      jobs: batches,
      connections: 2,
      run: async (batch, agent) => {
        const { body, contentType } = stowBody(batch);
        const r = await request({ agent, url: `${server.url}/dicomweb/studies`, method: 'POST', headers: { ...benchAuthHeaders, 'content-type': contentType, accept: 'application/dicom+json' }, body });
        if (r.status !== 200) throw new Error(`STOW-RS answered ${r.status}`);
      },
    });
    const uids = instances.map((_, k) => `${series}.${k + 1}`);
    const agent = new http.Agent({ keepAlive: true });
    for (let round = 0; round < options.rounds; round += 1) {
      const t0 = performance.now();
      const cpu0 = cpuSecondsOf(server.pid);
      let bytes = 0;
      await runPool({
        jobs: uids,
        connections: options.connections,
        run: async (uid, poolAgent) => {
          const r = await request({ agent: poolAgent, url: `${server.url}/dicomweb/studies/${study}/series/${series}/instances/${uid}/frames/1`, headers: { ...benchAuthHeaders, accept: ACCEPT } });
          if (r.status !== 200) throw new Error(`frames answered ${r.status}`);
          bytes += r.body.length;
        },
      });
      const ms = performance.now() - t0;
      console.log(`round ${round + 1}: ${uids.length} frames, ${(bytes / 1e6).toFixed(0)} MB in ${ms.toFixed(0)} ms (${(bytes / 1e3 / ms).toFixed(0)} MB/s) · server CPU ${(cpuSecondsOf(server.pid) - cpu0).toFixed(2)} s · load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
    }
    agent.destroy();
  } finally {
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

await main();
