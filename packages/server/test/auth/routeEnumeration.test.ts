/**
 * Every route of the app (issue 3: "every route without credentials gets 401; with the
 * wrong role, 403"), enumerated rather than listed by hand: the routes the auth hook
 * vetted (routeAccessOf) are checked against Fastify's own route tree, so a route that
 * escaped the hook would fail here. For each route and method: no credentials → 401
 * AUTH_REQUIRED with a Basic challenge (303 to /login for a browser navigation); invalid
 * credentials → 401 AUTH_INVALID_CREDENTIALS; every role lacking the route's permission →
 * 403 AUTH_FORBIDDEN; a role holding it → neither 401 nor 403. Public routes are exactly
 * GET /health, GET /login and POST /api/session (with their HEADs).
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { roles, type Role } from '@vertebra/archive';
import { roleHasPermission, rolePermissions } from '../../src/auth/permissions.js';
import { routeAccessOf, type RouteAccessEntry } from '../../src/auth/registerAuth.js';
import { startTestServer, type TestServer, type TestUser } from '../support/startTestServer.js';

/** (method, path) pairs of Fastify's route tree (printRoutes with full segments). */
function routesOfTree(tree: string): { method: string; url: string }[] {
  const found: { method: string; url: string }[] = [];
  const stack: string[] = [];
  for (const line of tree.split('\n')) {
    const match = /^((?:[│ ] {3})*)[├└]── (.*?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!match) continue;
    const depth = (match[1] ?? '').length / 4;
    stack.length = depth;
    stack.push(match[2] ?? '');
    const methods = match[3];
    if (methods === undefined) continue;
    for (const method of methods.split(', ')) found.push({ method, url: stack.join('') });
  }
  return found;
}

const sample: Record<string, string> = {
  study: '1.2.826.0.1.3680043.8.498.1',
  series: '1.2.826.0.1.3680043.8.498.2',
  instance: '1.2.826.0.1.3680043.8.498.3',
  frames: '1',
  username: 'nobody-here',
  id: 'no-such-id',
  pseudonymousStudyUid: '2.25.1',
};

function concreteUrl(url: string): string {
  return url.replace(/:([A-Za-z_]+)/g, (_, name: string) => sample[name] ?? 'x').replace(/\*$/, 'x');
}

describe('every route requires authentication and the right role', () => {
  let server: TestServer;
  let dist: string;
  let routes: readonly RouteAccessEntry[];
  const users = new Map<Role, TestUser>();

  beforeAll(async () => {
    dist = await mkdtemp(join(tmpdir(), 'vertebra-routes-'));
    await mkdir(join(dist, 'assets'), { recursive: true });
    await writeFile(join(dist, 'index.html'), '<!doctype html><div id="root"></div>');
    // Wrong credentials are sent on purpose for every route: the throttle is set out of the way.
    server = await startTestServer({ webDistDir: dist, auth: { maxFailuresPerUser: 1_000_000, maxFailuresPerAddress: 1_000_000 } });
    users.set('admin', server.admin);
    for (const role of roles) if (role !== 'admin') users.set(role, await server.createUser(role));
    routes = routeAccessOf(server.app);
  });
  afterAll(async () => {
    await server?.close();
    if (dist) await rm(dist, { recursive: true, force: true });
  });

  const send = (route: RouteAccessEntry, headers: Record<string, string> = {}) => {
    const withBody = route.method === 'POST' || route.method === 'PUT' || route.method === 'PATCH';
    return fetch(`${server.origin}${concreteUrl(route.url)}`, {
      method: route.method,
      headers: { ...headers, ...(withBody ? { 'content-type': 'application/json' } : {}) },
      ...(withBody ? { body: '{}' } : {}),
      redirect: 'manual',
    });
  };
  const codeOf = async (response: Response): Promise<string | undefined> => {
    const text = await response.text();
    return text === '' ? undefined : (JSON.parse(text) as { code?: string }).code;
  };

  it('vets every route in Fastify\'s route tree, and the tree has the routes we expect', () => {
    const tree = routesOfTree(server.app.printRoutes({ commonPrefix: false }));
    expect(tree.length).toBeGreaterThan(50);
    expect(routes.length).toBe(tree.length);
    const vetted = new Set(routes.map((r) => `${r.method} ${r.url}`));
    for (const expected of ['GET /dicomweb/studies', 'POST /dicomweb/studies', 'GET /api/research/studies', 'POST /api/users', 'GET /*', 'PUT /api/session/password', 'POST /api/studies/:study/viewed']) {
      expect(vetted.has(expected), expected).toBe(true);
    }
  });

  it('grants the permissions of the contract: researchers never read identified DICOM data', () => {
    expect(Object.fromEntries(Object.entries(rolePermissions).map(([role, granted]) => [role, [...granted].sort()]))).toEqual({
      admin: ['annotation:write', 'audit:read', 'dicom:read', 'dicom:write', 'research:read', 'self', 'user:manage'],
      radiologist: ['annotation:write', 'dicom:read', 'dicom:write', 'self'],
      surgeon: ['annotation:write', 'dicom:read', 'self'],
      technologist: ['dicom:read', 'dicom:write', 'self'],
      researcher: ['research:read', 'self'],
    });
    const permissionOf = (method: string, url: string) => routes.find((r) => r.method === method && r.url === url)?.permission;
    expect(permissionOf('GET', '/dicomweb/studies')).toBe('dicom:read');
    expect(permissionOf('GET', '/dicomweb/studies/:study/series/:series/instances/:instance/frames/:frames')).toBe('dicom:read');
    expect(permissionOf('POST', '/dicomweb/studies')).toBe('dicom:write');
    expect(permissionOf('GET', '/api/studies/:study/measurements')).toBe('dicom:read');
    expect(permissionOf('POST', '/api/studies/:study/measurements')).toBe('annotation:write');
    expect(permissionOf('GET', '/api/studies/:study/analyses')).toBe('dicom:read');
    expect(permissionOf('POST', '/api/studies/:study/series/:series/analysis')).toBe('annotation:write');
    expect(permissionOf('GET', '/api/analysis-status')).toBe('dicom:read');
    expect(permissionOf('GET', '/api/research/studies/:pseudonymousStudyUid')).toBe('research:read');
    expect(permissionOf('POST', '/api/users')).toBe('user:manage');
    expect(permissionOf('GET', '/api/audit')).toBe('audit:read');
    expect(permissionOf('GET', '/*')).toBe('self');
  });

  it('leaves only /health, GET /login and POST /api/session public', () => {
    const publicRoutes = routes.filter((r) => r.permission === 'public').map((r) => `${r.method} ${r.url}`).sort();
    expect(publicRoutes).toEqual(['GET /health', 'GET /login', 'HEAD /health', 'HEAD /login', 'POST /api/session']);
  });

  it('answers every other route without credentials with 401 AUTH_REQUIRED and a Basic challenge', async () => {
    for (const route of routes.filter((r) => r.permission !== 'public')) {
      const response = await send(route);
      const label = `${route.method} ${route.url}`;
      expect(response.status, label).toBe(401);
      expect(response.headers.get('www-authenticate'), label).toMatch(/^Basic realm="Vertebra"/);
      if (route.method !== 'HEAD') expect(await codeOf(response), label).toBe('AUTH_REQUIRED');
      else await response.arrayBuffer();
    }
  });

  it('sends browser navigations without credentials to /login, and script requests get no Basic challenge', async () => {
    for (const route of routes.filter((r) => r.permission !== 'public' && r.method === 'GET')) {
      const url = concreteUrl(route.url);
      const page = await send(route, { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' });
      expect(page.status, route.url).toBe(303);
      expect(page.headers.get('location'), route.url).toBe(`/login?next=${encodeURIComponent(url)}`);
      await page.arrayBuffer();
      const script = await send(route, { accept: 'text/html', 'x-requested-with': 'XMLHttpRequest' });
      expect(script.status, route.url).toBe(401);
      expect(script.headers.get('www-authenticate'), route.url).toBeNull();
      await script.arrayBuffer();
    }
  });

  it('answers invalid credentials (wrong password, unknown token, unknown user) with 401 AUTH_INVALID_CREDENTIALS', async () => {
    const wrong = [
      { authorization: `Basic ${Buffer.from('admin:not-the-password').toString('base64')}` },
      { authorization: `Basic ${Buffer.from('ghost:whatever-password').toString('base64')}` },
      { authorization: `Bearer vtb_${'A'.repeat(43)}` },
      { authorization: 'Bearer not-even-a-token' },
    ];
    for (const route of routes.filter((r) => r.permission !== 'public' && r.method !== 'HEAD')) {
      for (const headers of wrong) {
        const response = await send(route, headers);
        expect(response.status, `${route.method} ${route.url}`).toBe(401);
        expect(await codeOf(response), `${route.method} ${route.url}`).toBe('AUTH_INVALID_CREDENTIALS');
      }
    }
  });

  it('answers every role lacking the permission with 403 AUTH_FORBIDDEN, and lets every role holding it through', async () => {
    let forbiddenChecks = 0;
    for (const route of routes) {
      const permission = route.permission;
      if (permission === 'public') continue;
      for (const role of roles) {
        const user = users.get(role)!;
        const response = await send(route, user.authHeaders);
        const label = `${role} ${route.method} ${route.url}`;
        if (!roleHasPermission(role, permission)) {
          expect(response.status, label).toBe(403);
          if (route.method !== 'HEAD') expect(await codeOf(response), label).toBe('AUTH_FORBIDDEN');
          else await response.arrayBuffer();
          forbiddenChecks += 1;
        } else {
          expect([401, 403], `${label} answered ${response.status}`).not.toContain(response.status);
          await response.arrayBuffer();
        }
      }
    }
    // Researchers alone are refused every DICOMweb route.
    expect(forbiddenChecks).toBeGreaterThan(routes.filter((r) => r.url.startsWith('/dicomweb')).length);
  });

  it('refuses to build an app with a route that declares no permission', async () => {
    const { default: Fastify } = await import('fastify');
    const { registerAuth } = await import('../../src/auth/registerAuth.js');
    const app = Fastify();
    registerAuth(app, { authenticator: { authenticate: async () => ({ ok: false, reason: 'missing' }) } as never });
    expect(() => app.get('/unguarded', async () => 'data')).toThrow(/declares no permission/);
    expect(() => app.get('/typo', { config: { permission: 'dicom:raed' as never } }, async () => 'data')).toThrow(/declares no permission/);
    await app.close();
  });
});
