/**
 * Serves the built viewer (packages/web/dist) at `/`: static files, a single-page-app
 * fallback to index.html for client-side routes, a one-year immutable cache for Vite's
 * content-hashed files under /assets/ and revalidation for everything else. Paths of the
 * APIs (/dicomweb, /api, /health) are never answered with the viewer: an unknown API path
 * still gets the app's JSON 404.
 */
import { stat } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import '../auth/routeAccess.js';

export interface WebAppOptions {
  /** Directory holding the viewer build: index.html and assets/. */
  readonly distDir: string;
}

/** URL prefixes that belong to the server's APIs, never to the viewer. */
export const reservedApiPrefixes: readonly string[] = ['/dicomweb', '/api', '/health', '/login'];

const hashedAssetCacheSeconds = 365 * 24 * 60 * 60;

function isReservedPath(pathname: string): boolean {
  return reservedApiPrefixes.some((prefix) => pathname === prefix || pathname.startsWith(`${prefix}/`));
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

export async function registerWebApp(app: FastifyInstance, options: WebAppOptions): Promise<void> {
  const root = resolve(options.distDir);
  // serve: false: only reply.sendFile is added; this module owns the routing.
  await app.register(fastifyStatic, { root, serve: false });

  const notFound = (reply: FastifyReply): FastifyReply => {
    reply.callNotFound();
    return reply;
  };
  const handler = async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
    let pathname: string;
    try {
      pathname = decodeURIComponent((request.url.split('?')[0] ?? '/').replace(/\/+/g, '/'));
    } catch {
      return notFound(reply);
    }
    if (isReservedPath(pathname)) return notFound(reply);
    const relative = normalize(pathname).replace(/^([/\\])+/, '');
    const absolute = join(root, relative);
    const insideRoot = absolute === root || absolute.startsWith(root + sep);
    if (insideRoot && relative !== '' && (await isFile(absolute))) {
      if (relative.startsWith(`assets${sep}`)) {
        return reply.sendFile(relative, { cacheControl: true, maxAge: hashedAssetCacheSeconds * 1000, immutable: true });
      }
      return reply.sendFile(relative, { cacheControl: true, maxAge: 0 });
    }
    // A missing file with an extension (a stale asset, a typo) is a 404, not the app shell.
    if (extname(relative) !== '') return notFound(reply);
    reply.header('cache-control', 'no-cache');
    return reply.sendFile('index.html', { cacheControl: false });
  };
  // The viewer's files need a signed-in user of any role (issue 3); the login page is at /login.
  const access = { config: { permission: 'self' } } as const;
  app.get('/', access, handler);
  app.get('/*', access, handler);
}
