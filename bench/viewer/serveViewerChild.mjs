// Child process for the viewer benchmark: the built server (buildApp + openArchive from
// dist) with the built viewer mounted through buildApp's webDistDir, on a free loopback
// port, with authentication on (admin password: benchAdminPassword). Prints
// "READY <url>" when listening; exits on SIGTERM. An optional second argument serves another
// viewer build (e.g. a copy of an earlier dist, to compare before/after in one session); an
// optional third, another build of the server package's dist (a copy inside this checkout, so
// that its imports resolve), for the same kind of comparison of server changes. With
// VERTEBRA_BENCH_ANALYSIS=1 in its environment it also runs the CT analysis jobs as `vertebra serve` does
// (startAnalysisJobs of the same server build, backfill off), so that a re-run request (POST …/analysis) analyses a
// series while the viewer reads it (runViewerBench --analysis).
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { analysisStoreOf, ensureAdminUser, openArchive, securityStoreOf } from '@vertebra/archive';
import { benchAdminPassword } from '../lib/startVertebraChild.mjs';

const dataDir = process.argv[2];
if (!dataDir) throw new Error('usage: serveViewerChild.mjs <dataDir> [webDistDir|-] [serverDistDir]');
const webDistDir = process.argv[3] === undefined || process.argv[3] === '-' ? fileURLToPath(new URL('../../packages/web/dist', import.meta.url)) : process.argv[3];
const { buildApp, startAnalysisJobs } = process.argv[4] === undefined ? await import('@vertebra/server') : await import(pathToFileURL(join(resolve(process.argv[4]), 'index.js')).href);
const archive = await openArchive({ dataDir, sqliteSynchronous: 'NORMAL' });
await ensureAdminUser(securityStoreOf(archive), { password: benchAdminPassword });
const analysisJobs = process.env.VERTEBRA_BENCH_ANALYSIS === '1' ? await startAnalysisJobs({ archive, store: analysisStoreOf(archive), backfill: false, quietMs: 3_600_000 }) : undefined;
const app = await buildApp({ archive, webDistDir, ...(analysisJobs === undefined ? {} : { analysisJobs }) });
await app.listen({ host: '127.0.0.1', port: 0 });
const address = app.server.address();
process.stdout.write(`READY http://127.0.0.1:${address.port}\n`);
process.on('SIGTERM', async () => {
  await app.close();
  await analysisJobs?.close();
  await archive.close();
  process.exit(0);
});
