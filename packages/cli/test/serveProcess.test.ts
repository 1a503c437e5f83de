/**
 * The built `vertebra` binary (packages/cli/dist/main.js, what `npm start` runs): `serve`
 * on free ports answers GET /health, stops cleanly on SIGTERM; `serve --demo` loads the
 * phantom patients into an empty archive before it is ready (QIDO-RS finds the follow-up
 * patient's two studies); an expected error exits with its catalogue code and one line on stderr.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { cliMain, ensureCliBuilt } from '../../../scripts/lib/ensureCliBuilt.mjs';

let root: string;
beforeAll(async () => {
  await ensureCliBuilt();
  root = await mkdtemp(join(os.tmpdir(), 'vertebra-serve-'));
}, 300_000);

afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

it('serves /health on a free port and exits 0 on SIGTERM', async () => {
  const child = spawn(process.execPath, [cliMain, 'serve', '--data', join(root, 'data'), '--port', '0', '--dimse-port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    let out = '';
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (chunk) => {
        out += String(chunk);
        const match = /HTTP\s+(http:\/\/\S+)/.exec(out);
        if (match && out.includes('Ready.')) resolve(match[1] ?? '');
      });
      void exited.then((code) => reject(new Error(`serve exited ${code}: ${out}`)));
    });
    expect(out).toMatch(/DIMSE\s+127\.0\.0\.1:\d+/);
    const health = await fetch(`${url}/health`);
    expect(health.status).toBe(200);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  } finally {
    child.kill('SIGKILL');
  }
});

it('loads the demo patients on first start with --demo and serves them over QIDO-RS', async () => {
  const child = spawn(process.execPath, [cliMain, 'serve', '--data', join(root, 'demo'), '--demo', '--port', '0', '--dimse-port', 'off'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    let out = '';
    let err = '';
    child.stderr.on('data', (chunk) => (err += String(chunk)));
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (chunk) => {
        out += String(chunk);
        const match = /HTTP\s+(http:\/\/\S+)/.exec(out);
        if (match && out.includes('Ready.')) resolve(match[1] ?? '');
      });
      void exited.then((code) => reject(new Error(`serve exited ${code}: ${out}${err}`)));
    });
    expect(err).toMatch(/^demo: empty archive: loading \d+ demo sources/);
    expect(err).toMatch(/demo: \[4\/\d+\] phantom scoliosis follow-up.*2 studies/);
    expect(err).toMatch(/demo: loaded \d+ instances in \d+ studies/);
    const studies = (await (await fetch(`${url}/dicomweb/studies?PatientID=PH-FOLLOWUP-4`)).json()) as unknown[];
    expect(studies).toHaveLength(2);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  } finally {
    child.kill('SIGKILL');
  }
}, 180_000);

it('exits with the catalogue code and one line for an expected error', async () => {
  const result = await promisify(execFile)(process.execPath, [cliMain, 'ls', '--data', join(root, 'missing')]).then(
    () => ({ code: 0, stderr: '' }),
    (error: { code: number; stderr: string }) => ({ code: error.code, stderr: error.stderr }),
  );
  expect(result.code).toBe(66);
  expect(result.stderr.trim().split('\n')).toHaveLength(1);
  expect(result.stderr).toMatch(/^vertebra: ARCHIVE_NOT_FOUND:/);
});
