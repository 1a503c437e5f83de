/**
 * The built `vertebra` binary (packages/cli/dist/main.js, what `npm start` runs): `serve`
 * on free ports answers GET /health, stops cleanly on SIGTERM; the first start creates
 * 'admin' with VERTEBRA_ADMIN_PASSWORD, or prints a generated password once (and never
 * again); other routes need credentials (HTTP Basic here); `--dimse-allow` admits DIMSE
 * peers, none by default; `serve --demo` loads the phantom patients into an empty archive
 * before it is ready (QIDO-RS finds the follow-up patient's two studies); an expected error
 * exits with its catalogue code and one line on stderr.
 */
import { execFile, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { cliMain, ensureCliBuilt } from '../../../scripts/lib/ensureCliBuilt.mjs';
import { runCliCaptured } from './support/runCliCaptured.js';

let root: string;
const adminPassword = 'serve-test-password-7';

function basic(password: string): Record<string, string> {
  return { authorization: `Basic ${Buffer.from(`admin:${password}`).toString('base64')}` };
}

/** The environment of a spawned server: VERTEBRA_ADMIN_PASSWORD only when given. */
function serveEnv(password?: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.VERTEBRA_ADMIN_PASSWORD;
  if (password !== undefined) env.VERTEBRA_ADMIN_PASSWORD = password;
  return env;
}

interface Served {
  readonly child: ChildProcessWithoutNullStreams;
  readonly url: string;
  readonly exited: Promise<number | null>;
  /** Everything written so far. */
  stdout(): string;
  stderr(): string;
}

/** Spawns `vertebra serve …` and resolves once it printed "Ready.". */
async function serve(args: readonly string[], env: NodeJS.ProcessEnv): Promise<Served> {
  const child = spawn(process.execPath, [cliMain, 'serve', ...args], { stdio: ['pipe', 'pipe', 'pipe'], env });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let out = '';
  let err = '';
  child.stderr.on('data', (chunk) => (err += String(chunk)));
  try {
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (chunk) => {
        out += String(chunk);
        const match = /HTTP\s+(https?:\/\/\S+)/.exec(out);
        if (match && out.includes('Ready.')) resolve(match[1] ?? '');
      });
      void exited.then((code) => reject(new Error(`serve exited ${code}: ${out}${err}`)));
    });
    return { child, url, exited, stdout: () => out, stderr: () => err };
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
}

beforeAll(async () => {
  await ensureCliBuilt();
  root = await mkdtemp(join(os.tmpdir(), 'vertebra-serve-'));
}, 300_000);

afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

it('serves /health on a free port, requires credentials elsewhere, admits only --dimse-allow peers, and exits 0 on SIGTERM', async () => {
  const served = await serve(
    ['--data', join(root, 'data'), '--port', '0', '--dimse-port', '0', '--dimse-allow', 'TESTSCU@127.0.0.1,OTHER', '--move-destination', 'STORESCP=127.0.0.1:4242,PACS=[::1]:104'],
    serveEnv(adminPassword),
  );
  try {
    const out = served.stdout();
    const dimse = /DIMSE\s+127\.0\.0\.1:(\d+)/.exec(out);
    expect(dimse).not.toBeNull();
    expect(out).toMatch(/allowed peers TESTSCU@127\.0\.0\.1, OTHER/);
    expect(out).toMatch(/C-MOVE destinations STORESCP=127\.0\.0\.1:4242, PACS=::1:104/);
    // The password came from the environment: nothing to show.
    expect(out + served.stderr()).not.toMatch(/admin password/);
    expect(out + served.stderr()).not.toContain(adminPassword);
    const health = await fetch(`${served.url}/health`);
    expect(health.status).toBe(200);
    expect((await fetch(`${served.url}/dicomweb/studies`)).status).toBe(401);
    expect((await fetch(`${served.url}/dicomweb/studies`, { headers: basic(adminPassword) })).status).toBeLessThan(300);
    expect((await fetch(`${served.url}/dicomweb/studies`, { headers: basic('not-the-password') })).status).toBe(401);
    const port = dimse?.[1] ?? '';
    const allowed = await promisify(execFile)('echoscu', ['-aet', 'TESTSCU', '-aec', 'VERTEBRA', '127.0.0.1', port]).then(() => 0, (error: { code: number }) => error.code);
    expect(allowed).toBe(0);
    const refused = await promisify(execFile)('echoscu', ['-aet', 'STRANGER', '-aec', 'VERTEBRA', '127.0.0.1', port]).then(() => 0, (error: { code: number }) => error.code);
    expect(refused).not.toBe(0);
    served.child.kill('SIGTERM');
    expect(await served.exited).toBe(0);
  } finally {
    served.child.kill('SIGKILL');
  }
});

it('prints a generated admin password once on the first start, which then works, and never again; DIMSE denies all by default', async () => {
  const dataDir = join(root, 'generated');
  const first = await serve(['--data', dataDir, '--port', '0', '--dimse-port', '0'], serveEnv());
  let password = '';
  try {
    const out = first.stdout();
    const shown = /admin password \(shown once\): (\S+)/.exec(out);
    expect(shown).not.toBeNull();
    password = shown?.[1] ?? '';
    expect(password.length).toBeGreaterThanOrEqual(16);
    expect(out.split(password)).toHaveLength(2);
    expect(first.stderr()).not.toContain(password);
    expect(out).toMatch(/no peer allowed: every association is rejected \(allow with --dimse-allow AE\[@host\]\)/);
    expect(out).toMatch(/no C-MOVE destination \(add with --move-destination AE=host:port\)/);
    const session = await fetch(`${first.url}/api/session`, { headers: basic(password) });
    expect(session.status).toBe(200);
    expect(await session.json()).toMatchObject({ username: 'admin', role: 'admin' });
    expect((await fetch(`${first.url}/dicomweb/studies`, { headers: basic(password) })).status).toBeLessThan(300);
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
  } finally {
    first.child.kill('SIGKILL');
  }
  expect(first.stdout() + first.stderr()).not.toMatch(new RegExp(`${password}[\\s\\S]*${password}`));

  // Second start: users exist; nothing is generated or shown, and the password still works.
  const second = await serve(['--data', dataDir, '--port', '0', '--dimse-port', 'off'], serveEnv('ignored-once-users-exist'));
  try {
    expect(second.stdout() + second.stderr()).not.toMatch(/admin password/);
    expect(second.stdout() + second.stderr()).not.toContain(password);
    expect((await fetch(`${second.url}/dicomweb/studies`, { headers: basic(password) })).status).toBeLessThan(300);
    expect((await fetch(`${second.url}/dicomweb/studies`, { headers: basic('ignored-once-users-exist') })).status).toBe(401);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  } finally {
    second.child.kill('SIGKILL');
  }
}, 60_000);

it('loads the demo patients on first start with --demo and serves them over QIDO-RS', async () => {
  const child = spawn(process.execPath, [cliMain, 'serve', '--data', join(root, 'demo'), '--demo', '--port', '0', '--dimse-port', 'off'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: serveEnv(adminPassword),
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
    const studies = (await (await fetch(`${url}/dicomweb/studies?PatientID=PH-FOLLOWUP-4`, { headers: basic(adminPassword) })).json()) as unknown[];
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

it('refuses a malformed --move-destination and a TLS destination without TLS credentials, naming the problem', async () => {
  const malformed = await runCliCaptured('serve', '--data', join(root, 'bad-move'), '--move-destination', 'STORESCP=127.0.0.1');
  expect(malformed.code).toBe(64);
  expect(malformed.stderr).toContain('expected AE=host:port or AE=host:port:tls');
  const noTls = await runCliCaptured('serve', '--data', join(root, 'bad-move'), '--port', '0', '--dimse-port', '0', '--move-destination', 'SECURE=127.0.0.1:2762:tls');
  expect(noTls.code).toBe(78);
  expect(noTls.stderr).toMatch(/SECURE asks for DICOM TLS, but this server has no TLS certificate/);
});
