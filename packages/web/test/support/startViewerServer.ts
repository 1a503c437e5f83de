/**
 * Test-only: a real archive in a temp directory with its first user (admin, known test
 * password), the server app from buildApp with the viewer mounted through buildApp's
 * webDistDir, listening on a random loopback port; with `analysis`, the automatic CT spine
 * analysis jobs run too (worker threads, a short quiet time so tests need not wait). `fetch` sends the admin's HTTP Basic
 * credentials, like a script would; the browser signs in through /login instead.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analysisStoreOf, ensureAdminUser, openArchive, securityStoreOf } from '@vertebra/archive';
import { buildApp, startAnalysisJobs, type AnalysisJobs } from '@vertebra/server';

export interface ViewerServer {
  readonly origin: string;
  readonly username: string;
  readonly password: string;
  /** Authorization header of the admin (HTTP Basic). */
  readonly authHeaders: Readonly<Record<string, string>>;
  /** fetch with the admin's credentials; `path` is relative to the origin or absolute. */
  fetch(path: string, init?: RequestInit): Promise<Response>;
  close(): Promise<void>;
}

export const testAdminPassword = 'viewer-e2e-password';

export async function startViewerServer(options: { distDir: string; analysis?: { quietMs: number } }): Promise<ViewerServer> {
  const dataDir = await mkdtemp(join(tmpdir(), 'vertebra-web-'));
  const archive = await openArchive({ dataDir });
  const security = securityStoreOf(archive);
  if (security === undefined) throw new Error('openArchive attached no security store');
  await ensureAdminUser(security, { password: testAdminPassword });
  let analysisJobs: AnalysisJobs | undefined;
  if (options.analysis !== undefined) {
    const store = analysisStoreOf(archive);
    if (store === undefined) throw new Error('openArchive attached no analysis store');
    analysisJobs = await startAnalysisJobs({ archive, store, quietMs: options.analysis.quietMs });
  }
  const app = await buildApp({ archive, webDistDir: options.distDir, ...(analysisJobs === undefined ? {} : { analysisJobs }) });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  const origin = `http://127.0.0.1:${address.port}`;
  const authHeaders = { authorization: `Basic ${Buffer.from(`admin:${testAdminPassword}`).toString('base64')}` };
  return {
    origin,
    username: 'admin',
    password: testAdminPassword,
    authHeaders,
    fetch: (path, init = {}) =>
      fetch(new URL(path, origin), { ...init, headers: { ...authHeaders, ...(init.headers as Record<string, string> | undefined) } }),
    async close() {
      await app.close();
      await analysisJobs?.close();
      await archive.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** STOW-RS (PS3.18 10.5) of Part 10 files in one multipart/related request; returns the response status. */
export async function stowFiles(server: ViewerServer, files: readonly Uint8Array[]): Promise<number> {
  const boundary = `vertebra-${Math.random().toString(16).slice(2)}`;
  const chunks: Uint8Array[] = [];
  const encoder = new TextEncoder();
  for (const file of files) {
    chunks.push(encoder.encode(`--${boundary}\r\nContent-Type: application/dicom\r\n\r\n`), file, encoder.encode('\r\n'));
  }
  chunks.push(encoder.encode(`--${boundary}--\r\n`));
  const response = await server.fetch('/dicomweb/studies', {
    method: 'POST',
    headers: { 'content-type': `multipart/related; type="application/dicom"; boundary=${boundary}`, accept: 'application/dicom+json' },
    body: Buffer.concat(chunks),
  });
  await response.arrayBuffer();
  return response.status;
}
