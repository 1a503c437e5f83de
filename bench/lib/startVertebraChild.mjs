// Starts `vertebra serve` (the built CLI, packages/cli/dist/main.js) as a child process on
// free ports and a given data directory, and waits until GET /health answers: the server
// under benchmark runs in its own process, like Orthanc, not in the client's event loop.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../../packages/cli/dist/main.js', import.meta.url));

/**
 * @param {{ dataDir: string, dimse?: boolean, nodeArgs?: string[], env?: Record<string,string> }} options
 * @returns {Promise<{ httpUrl: string, dimsePort: number | null, pid: number, stop(): Promise<void>, kill(): Promise<void> }>}
 */
export async function startVertebraChild({ dataDir, dimse = true, nodeArgs = [], env = {} }) {
  const child = spawn(process.execPath, [...nodeArgs, CLI, 'serve', '--data', dataDir, '--port', '0', '--dimse-port', dimse ? '0' : 'off', '--ae-title', 'VERTEBRA'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
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
