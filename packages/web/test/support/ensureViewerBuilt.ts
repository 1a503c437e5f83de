/**
 * Test-only: builds the viewer with Vite unless packages/web/dist is newer than every
 * source file (so a test run after `npm run build -w packages/web` reuses it).
 */
import { spawn } from 'node:child_process';
import { readdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const webPackageDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const webDistDir = join(webPackageDir, 'dist');

async function newestMtimeMs(path: string): Promise<number> {
  const info = await stat(path);
  if (!info.isDirectory()) return info.mtimeMs;
  let newest = info.mtimeMs;
  for (const entry of await readdir(path)) newest = Math.max(newest, await newestMtimeMs(join(path, entry)));
  return newest;
}

export async function ensureViewerBuilt(): Promise<{ built: boolean }> {
  const sources = Math.max(
    await newestMtimeMs(join(webPackageDir, 'src')),
    await newestMtimeMs(join(webPackageDir, 'index.html')),
    await newestMtimeMs(join(webPackageDir, 'vite.config.ts')),
  );
  const built = await stat(join(webDistDir, 'index.html')).then((s) => s.mtimeMs, () => 0);
  if (built > sources) return { built: false };
  const vite = join(webPackageDir, '..', '..', 'node_modules', '.bin', 'vite');
  await new Promise<void>((resolve, reject) => {
    const child = spawn(vite, ['build', '--logLevel', 'error'], { cwd: webPackageDir, stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`vite build exited with ${code}`))));
  });
  return { built: true };
}
