/**
 * The analysis worker from the build (issue 6): `vertebra serve` runs packages/cli/dist, whose
 * analysis worker is dist/jobs/analysisWorker.js (the other job tests run it from the
 * TypeScript sources). A CT sent by STOW-RS is analysed by the built worker; with
 * `--no-analysis` nothing is analysed and a re-run is refused with 409.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { cliMain, ensureCliBuilt } from '../../../../scripts/lib/ensureCliBuilt.mjs';
import { basicAuthHeaders } from '../support/startTestServer.js';
import { finished, headCt, listAnalyses, pollAnalyses, stow } from './analysisTestSupport.js';

const password = 'serve-analysis-password-3';
const headers = basicAuthHeaders('admin', password);
let root: string;

interface Served {
  readonly child: ChildProcessWithoutNullStreams;
  readonly url: string;
  readonly exited: Promise<number | null>;
  output(): string;
}

async function serve(args: readonly string[]): Promise<Served> {
  const env: NodeJS.ProcessEnv = { ...process.env, VERTEBRA_ADMIN_PASSWORD: password };
  const child = spawn(process.execPath, [cliMain, 'serve', '--port', '0', '--dimse-port', 'off', ...args], { stdio: ['pipe', 'pipe', 'pipe'], env });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let out = '';
  child.stderr.on('data', (chunk) => (out += String(chunk)));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk) => {
      out += String(chunk);
      const match = /HTTP\s+(https?:\/\/\S+)/.exec(out);
      if (match && out.includes('Ready.')) resolve(match[1] ?? '');
    });
    void exited.then((code) => reject(new Error(`serve exited ${code}: ${out}`)));
  }).catch((error: unknown) => {
    child.kill('SIGKILL');
    throw error;
  });
  return { child, url, exited, output: () => out };
}

beforeAll(async () => {
  await ensureCliBuilt();
  root = await mkdtemp(join(tmpdir(), 'vertebra-serve-analysis-'));
}, 300_000);

afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

it('analyses a CT received by `vertebra serve` in the built worker, and `--no-analysis` analyses nothing', async () => {
  const served = await serve(['--data', join(root, 'on')]);
  try {
    expect(served.output()).toMatch(/Analysis\s+CT series are analysed/);
    const head = headCt({ slices: 12 });
    const response = await stow(served.url, headers, head.instances);
    expect(response.status).toBe(200);
    await response.arrayBuffer();
    const { latest } = await pollAnalyses({ api: `${served.url}/api`, headers }, [head.studyInstanceUid], (l) => finished(l.get(head.seriesInstanceUid)));
    expect(latest.get(head.seriesInstanceUid)).toMatchObject({ state: 'done', instanceCount: 12, error: null, result: { status: 'no-spine' } });
    expect(served.output()).toContain(`analysis: series ${head.seriesInstanceUid} done (12 instances)`);
    served.child.kill('SIGTERM');
    expect(await served.exited).toBe(0);
  } finally {
    served.child.kill('SIGKILL');
  }

  const off = await serve(['--data', join(root, 'off'), '--no-analysis']);
  try {
    expect(off.output()).toMatch(/Analysis\s+off \(--no-analysis\)/);
    const head = headCt({ slices: 12 });
    const response = await stow(off.url, headers, head.instances);
    expect(response.status).toBe(200);
    await response.arrayBuffer();
    const rerun = await fetch(`${off.url}/api/studies/${head.studyInstanceUid}/series/${head.seriesInstanceUid}/analysis`, { method: 'POST', headers });
    expect(rerun.status).toBe(409);
    expect(await rerun.json()).toMatchObject({ code: 'ANALYSIS_NOT_APPLICABLE' });
    expect(await listAnalyses(`${off.url}/api`, headers, head.studyInstanceUid)).toEqual([]);
    off.child.kill('SIGTERM');
    expect(await off.exited).toBe(0);
  } finally {
    off.child.kill('SIGKILL');
  }
});
