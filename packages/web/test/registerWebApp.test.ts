/**
 * The server side of the viewer: the viewer mounted by buildApp's webDistDir on the real app (buildApp + openArchive on
 * a temp dir) with a small fake dist; no browser needed. The viewer's files need a signed-in user (issue 3): requests
 * carry an admin's HTTP Basic header, and a browser navigation without one is sent to /login.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { hashPassword, openArchive, securityStoreOf, type ArchiveService } from '@vertebra/archive';
import { buildApp } from '@vertebra/server';

describe('registerWebApp', () => {
  let dir: string;
  let app: FastifyInstance;
  let archive: ArchiveService;
  const auth = { authorization: `Basic ${Buffer.from('admin:web-test-password').toString('base64')}` };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vertebra-webapp-'));
    const dist = join(dir, 'dist');
    await mkdir(join(dist, 'assets'), { recursive: true });
    await writeFile(join(dist, 'index.html'), '<!doctype html><div id="root"></div>');
    await writeFile(join(dist, 'assets', 'index-abc123.js'), 'console.log(1)');
    await writeFile(join(dist, 'favicon.svg'), '<svg/>');
    await writeFile(join(dir, 'secret.txt'), 'outside dist');
    archive = await openArchive({ dataDir: join(dir, 'data') });
    const time = new Date().toISOString();
    await securityStoreOf(archive)!.insertUser({ username: 'admin', role: 'admin', passwordHash: await hashPassword('web-test-password', { cost: 'test' }), createdAt: time, updatedAt: time });
    app = await buildApp({ archive, webDistDir: dist, auth: { passwordCost: 'test' } });
    await app.ready();
  });

  afterAll(async () => {
    await app?.close();
    await archive?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('serves index.html at / and for client routes, never cached', async () => {
    for (const url of ['/', '/worklist', '/studies/1.2.3/series?x=1']) {
      const response = await app.inject({ method: 'GET', url, headers: auth });
      expect(response.statusCode, url).toBe(200);
      expect(response.headers['content-type']).toMatch(/text\/html/);
      expect(response.body).toContain('id="root"');
      expect(String(response.headers['cache-control'])).toMatch(/no-cache|max-age=0/);
    }
    expect((await app.inject({ method: 'HEAD', url: '/', headers: auth })).statusCode).toBe(200);
  });

  it('gives hashed assets a long immutable cache and other files a short one', async () => {
    const asset = await app.inject({ method: 'GET', url: '/assets/index-abc123.js', headers: auth });
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['content-type']).toMatch(/javascript/);
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    const icon = await app.inject({ method: 'GET', url: '/favicon.svg', headers: auth });
    expect(icon.statusCode).toBe(200);
    expect(icon.headers['cache-control']).toBe('public, max-age=0');
  });

  it('answers a missing asset with 404 instead of the app shell', async () => {
    const response = await app.inject({ method: 'GET', url: '/assets/index-gone.js', headers: auth });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toMatchObject({ code: 'REQUEST_ROUTE_NOT_FOUND' });
  });

  it('never shadows the APIs: /health, DICOMweb routes and unknown API paths keep their answers', async () => {
    expect((await app.inject({ method: 'GET', url: '/health' })).json()).toEqual({ status: 'ok' });
    const qido = await app.inject({ method: 'GET', url: '/dicomweb/studies', headers: { ...auth, accept: 'application/dicom+json' } });
    expect([200, 204]).toContain(qido.statusCode);
    for (const url of ['/dicomweb', '/dicomweb/nothing/here', '/api/anything', '/health/deep']) {
      const response = await app.inject({ method: 'GET', url, headers: auth });
      expect(response.statusCode, url).toBe(404);
      expect(response.headers['content-type'], url).toMatch(/application\/json/);
    }
  });

  it('does not serve files outside the dist directory', async () => {
    for (const url of ['/../secret.txt', '/%2e%2e/secret.txt', '/assets/..%2f..%2fsecret.txt']) {
      const response = await app.inject({ method: 'GET', url, headers: auth });
      expect(response.body, url).not.toContain('outside dist');
    }
  });

  it('needs a signed-in user: a browser navigation goes to /login, a script gets 401, /health stays public', async () => {
    const page = await app.inject({ method: 'GET', url: '/studies/1.2.3?x=1', headers: { accept: 'text/html,application/xhtml+xml' } });
    expect(page.statusCode).toBe(303);
    expect(page.headers.location).toBe(`/login?next=${encodeURIComponent('/studies/1.2.3?x=1')}`);
    const asset = await app.inject({ method: 'GET', url: '/assets/index-abc123.js' });
    expect(asset.statusCode).toBe(401);
    expect(asset.body).not.toContain('console.log');
    const wrong = await app.inject({ method: 'GET', url: '/', headers: { authorization: `Basic ${Buffer.from('admin:wrong-password').toString('base64')}` } });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.body).not.toContain('id="root"');
    expect((await app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
  });
});
