/**
 * The server side of the viewer: the viewer mounted by buildApp's webDistDir on the real app (buildApp + openArchive on
 * a temp dir) with a small fake dist; no browser needed.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { openArchive, type ArchiveService } from '@vertebra/archive';
import { buildApp } from '@vertebra/server';

describe('registerWebApp', () => {
  let dir: string;
  let app: FastifyInstance;
  let archive: ArchiveService;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vertebra-webapp-'));
    const dist = join(dir, 'dist');
    await mkdir(join(dist, 'assets'), { recursive: true });
    await writeFile(join(dist, 'index.html'), '<!doctype html><div id="root"></div>');
    await writeFile(join(dist, 'assets', 'index-abc123.js'), 'console.log(1)');
    await writeFile(join(dist, 'favicon.svg'), '<svg/>');
    await writeFile(join(dir, 'secret.txt'), 'outside dist');
    archive = await openArchive({ dataDir: join(dir, 'data') });
    app = await buildApp({ archive, webDistDir: dist });
    await app.ready();
  });

  afterAll(async () => {
    await app?.close();
    await archive?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('serves index.html at / and for client routes, never cached', async () => {
    for (const url of ['/', '/worklist', '/studies/1.2.3/series?x=1']) {
      const response = await app.inject({ method: 'GET', url });
      expect(response.statusCode, url).toBe(200);
      expect(response.headers['content-type']).toMatch(/text\/html/);
      expect(response.body).toContain('id="root"');
      expect(String(response.headers['cache-control'])).toMatch(/no-cache|max-age=0/);
    }
    expect((await app.inject({ method: 'HEAD', url: '/' })).statusCode).toBe(200);
  });

  it('gives hashed assets a long immutable cache and other files a short one', async () => {
    const asset = await app.inject({ method: 'GET', url: '/assets/index-abc123.js' });
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['content-type']).toMatch(/javascript/);
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    const icon = await app.inject({ method: 'GET', url: '/favicon.svg' });
    expect(icon.statusCode).toBe(200);
    expect(icon.headers['cache-control']).toBe('public, max-age=0');
  });

  it('answers a missing asset with 404 instead of the app shell', async () => {
    const response = await app.inject({ method: 'GET', url: '/assets/index-gone.js' });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toMatchObject({ code: 'REQUEST_ROUTE_NOT_FOUND' });
  });

  it('never shadows the APIs: /health, DICOMweb routes and unknown API paths keep their answers', async () => {
    expect((await app.inject({ method: 'GET', url: '/health' })).json()).toEqual({ status: 'ok' });
    const qido = await app.inject({ method: 'GET', url: '/dicomweb/studies', headers: { accept: 'application/dicom+json' } });
    expect([200, 204]).toContain(qido.statusCode);
    for (const url of ['/dicomweb', '/dicomweb/nothing/here', '/api/anything', '/health/deep']) {
      const response = await app.inject({ method: 'GET', url });
      expect(response.statusCode, url).toBe(404);
      expect(response.headers['content-type'], url).toMatch(/application\/json/);
    }
  });

  it('does not serve files outside the dist directory', async () => {
    for (const url of ['/../secret.txt', '/%2e%2e/secret.txt', '/assets/..%2f..%2fsecret.txt']) {
      const response = await app.inject({ method: 'GET', url });
      expect(response.body, url).not.toContain('outside dist');
    }
  });
});
