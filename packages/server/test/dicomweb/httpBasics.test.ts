/**
 * The app shell from buildApp: /health without auth (the one public data-free route), JSON errors from the catalogue,
 * unknown routes, and unexpected errors answered as 500 without internals or PHI.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/startTestServer.js';

describe('buildApp', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({
      // Fault injection: the archive's query fails with an unexpected error carrying PHI.
      wrapArchive: (archive) => ({
        ...archive,
        ingest: (request) => archive.ingest(request),
        listInstances: (selector) => archive.listInstances(selector),
        readInstance: (record) => archive.readInstance(record),
        readInstanceMetadata: (record) => archive.readInstanceMetadata(record),
        listIngestWarnings: (uid) => archive.listIngestWarnings(uid),
        close: () => archive.close(),
        query: async () => {
          throw new Error('disk exploded while reading patient Doe^Jane at /var/secret/path');
        },
      }),
    });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('answers GET /health with 200 {status:"ok"}', async () => {
    const response = await fetch(`${server.origin}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('answers unknown routes with a JSON 404', async () => {
    const response = await fetch(`${server.origin}/nope`, { headers: server.authHeaders });
    expect(response.status).toBe(404);
    expect(((await response.json()) as { code: string }).code).toBe('REQUEST_ROUTE_NOT_FOUND');
  });

  it('answers unexpected errors with 500 and no internals in the body', async () => {
    const response = await fetch(`${server.dicomweb}/studies`, { headers: server.authHeaders });
    expect(response.status).toBe(500);
    const text = await response.text();
    expect(JSON.parse(text).code).toBe('INTERNAL');
    expect(text).not.toMatch(/Doe|secret|exploded|at .*\.ts/);
  });
});
