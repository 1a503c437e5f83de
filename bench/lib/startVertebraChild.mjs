// Starts `vertebra serve` (the built CLI, packages/cli/dist/main.js) as a child process on
// free ports and a given data directory, and waits until GET /health answers: the server
// under benchmark runs in its own process, like Orthanc, not in the client's event loop.
// Authentication is on, as in production: the admin password comes from
// VERTEBRA_ADMIN_PASSWORD and every HTTP request sends `authHeaders` (HTTP Basic, cached by
// the server after the first scrypt check); DIMSE allows the calling AE titles in `dimseAllow`.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../../packages/cli/dist/main.js', import.meta.url));

export const benchAdminPassword = 'bench-admin-password';
export const benchAuthHeaders = Object.freeze({ authorization: `Basic ${Buffer.from(`admin:${benchAdminPassword}`).toString('base64')}` });

/**
 * @param {{ dataDir: string, dimse?: boolean, dimseAllow?: string[], nodeArgs?: string[], env?: Record<string,string>, cli?: string }} options (cli: another build's main.js, for A/B runs)
 * @returns {Promise<{ httpUrl: string, dimsePort: number | null, pid: number, authHeaders: Record<string,string>, stop(): Promise<void>, kill(): Promise<void> }>}
 */
export async function startVertebraChild({ dataDir, dimse = true, dimseAllow = ['BENCHSCU', 'STORESCU'], nodeArgs = [], env = {}, cli = CLI }) {
  const args = [...nodeArgs, cli, 'serve', '--data', dataDir, '--port', '0', '--dimse-port', dimse ? '0' : 'off', '--ae-title', 'VERTEBRA'];
  if (dimse && dimseAllow.length > 0) args.push('--dimse-allow', dimseAllow.join(','));
  const child = spawn(process.execPath, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, VERTEBRA_ADMIN_PASSWORD: benchAdminPassword, ...env },
  });
  let out = '';
  let err = '';
  child.stderr.on('data', (c) => (err = (err + c).slice(-4000)));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const ready = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`vertebra serve did not start: ${err}`)), 30_000);
    child.stdout.on('data', (c) => {
      out += c;
      if (out.includes('Ready.')) {
        clearTimeout(timer);
        const http = /HTTP\s+(http:\/\/\S+)/.exec(out);
        const dimseMatch = /DIMSE\s+\S+:(\d+)/.exec(out);
        resolve({ httpUrl: http?.[1], dimsePort: dimseMatch ? Number(dimseMatch[1]) : null });
      }
    });
    void exited.then((code) => reject(new Error(`vertebra serve exited (${code}): ${err}`)));
  });
  return {
    ...ready,
    pid: child.pid,
    authHeaders: benchAuthHeaders,
    stop: async () => {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await exited;
    },
    kill: async () => {
      if (child.exitCode !== null) return;
      child.kill('SIGKILL');
      await exited;
    },
  };
}
