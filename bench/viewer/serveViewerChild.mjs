// Child process for the viewer benchmark: the built server (buildApp + openArchive from
// dist) with the built viewer mounted by registerWebApp, on a free loopback port. Prints
// "READY <url>" when listening; exits on SIGTERM.
import { fileURLToPath } from 'node:url';
import { openArchive } from '@vertebra/archive';
import { buildApp } from '@vertebra/server';

const { registerWebApp } = await import(new URL('../../packages/server/dist/web/registerWebApp.js', import.meta.url).href);
const dataDir = process.argv[2];
if (!dataDir) throw new Error('usage: serveViewerChild.mjs <dataDir>');
const archive = await openArchive({ dataDir, sqliteSynchronous: 'NORMAL' });
const app = await buildApp({ archive });
await registerWebApp(app, { distDir: fileURLToPath(new URL('../../packages/web/dist', import.meta.url)) });
await app.listen({ host: '127.0.0.1', port: 0 });
const address = app.server.address();
process.stdout.write(`READY http://127.0.0.1:${address.port}\n`);
process.on('SIGTERM', async () => {
  await app.close();
  await archive.close();
  process.exit(0);
});
