/**
 * Test-only: a real archive in a temp data directory and the app from buildApp listening
 * on a random loopback port. `close()` stops both and removes the directory.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { openArchive, type ArchiveService } from '@vertebra/archive';
import { buildApp, type AppLimits } from '../../src/buildApp.js';

export interface TestServer {
  readonly app: FastifyInstance;
  readonly archive: ArchiveService;
  readonly dataDir: string;
  /** http://127.0.0.1:PORT */
  readonly origin: string;
  /** origin + '/dicomweb' */
  readonly dicomweb: string;
  close(): Promise<void>;
}

export async function startTestServer(options: { limits?: AppLimits; wrapArchive?: (archive: ArchiveService) => ArchiveService } = {}): Promise<TestServer> {
  const dataDir = await mkdtemp(join(tmpdir(), 'vertebra-dicomweb-'));
  const archive = await openArchive({ dataDir });
  const app = await buildApp({ archive: options.wrapArchive ? options.wrapArchive(archive) : archive, ...(options.limits ? { limits: options.limits } : {}) });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  const origin = `http://127.0.0.1:${address.port}`;
  return {
    app,
    archive,
    dataDir,
    origin,
    dicomweb: `${origin}/dicomweb`,
    async close() {
      await app.close();
      await archive.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
