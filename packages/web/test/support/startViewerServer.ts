/**
 * Test-only: a real archive in a temp directory, the server app from buildApp with the
 * viewer mounted through buildApp's webDistDir, listening on a random loopback port.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openArchive } from '@vertebra/archive';
import { buildApp } from '@vertebra/server';

export interface ViewerServer {
  readonly origin: string;
  close(): Promise<void>;
}

export async function startViewerServer(options: { distDir: string }): Promise<ViewerServer> {
  const dataDir = await mkdtemp(join(tmpdir(), 'vertebra-web-'));
  const archive = await openArchive({ dataDir });
  const app = await buildApp({ archive, webDistDir: options.distDir });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return {
    origin: `http://127.0.0.1:${address.port}`,
    async close() {
      await app.close();
      await archive.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** STOW-RS (PS3.18 10.5) of Part 10 files in one multipart/related request; returns the response status. */
export async function stowFiles(origin: string, files: readonly Uint8Array[]): Promise<number> {
  const boundary = `vertebra-${Math.random().toString(16).slice(2)}`;
  const chunks: Uint8Array[] = [];
  const encoder = new TextEncoder();
  for (const file of files) {
    chunks.push(encoder.encode(`--${boundary}\r\nContent-Type: application/dicom\r\n\r\n`), file, encoder.encode('\r\n'));
  }
  chunks.push(encoder.encode(`--${boundary}--\r\n`));
  const response = await fetch(`${origin}/dicomweb/studies`, {
    method: 'POST',
    headers: { 'content-type': `multipart/related; type="application/dicom"; boundary=${boundary}`, accept: 'application/dicom+json' },
    body: Buffer.concat(chunks),
  });
  await response.arrayBuffer();
  return response.status;
}
