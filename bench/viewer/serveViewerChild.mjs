// Child process for the viewer benchmark: the built server (buildApp + openArchive from
// dist) with the built viewer mounted through buildApp's webDistDir, on a free loopback
// port, with authentication on (admin password: benchAdminPassword). Prints
// "READY <url>" when listening; exits on SIGTERM. An optional second argument serves another
// viewer build (e.g. a copy of an earlier dist, to compare before/after in one session).
import { fileURLToPath } from 'node:url';
import { ensureAdminUser, openArchive, securityStoreOf } from '@vertebra/archive';
import { buildApp } from '@vertebra/server';
import { benchAdminPassword } from '../lib/startVertebraChild.mjs';

const dataDir = process.argv[2];
if (!dataDir) throw new Error('usage: serveViewerChild.mjs <dataDir> [webDistDir]');
const webDistDir = process.argv[3] ?? fileURLToPath(new URL('../../packages/web/dist', import.meta.url));
const archive = await openArchive({ dataDir, sqliteSynchronous: 'NORMAL' });
await ensureAdminUser(securityStoreOf(archive), { password: benchAdminPassword });
const app = await buildApp({ archive, webDistDir });
await app.listen({ host: '127.0.0.1', port: 0 });
const address = app.server.address();
process.stdout.write(`READY http://127.0.0.1:${address.port}\n`);
process.on('SIGTERM', async () => {
  await app.close();
  await archive.close();
  process.exit(0);
});
