/**
 * Test support shared by the tests that spawn the built `vertebra` binary
 * (packages/cli/dist/main.js): builds it with `tsc -b packages/cli` (incremental), one build
 * at a time across test workers (a lock directory in the temp folder). Type errors still
 * emit JavaScript; `npm test` fails on them before these tests run, so they only warn here.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rmdir } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
export const cliMain = join(repoRoot, 'packages/cli/dist/main.js');

export async function ensureCliBuilt() {
  const lock = join(os.tmpdir(), 'vertebra-tsc-build.lock');
  for (let waited = 0; ; waited += 200) {
    try {
      await mkdir(lock);
      break;
    } catch {
      if (waited > 300_000) throw new Error(`build lock ${lock} held too long`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  try {
    await promisify(execFile)(process.execPath, [join(repoRoot, 'node_modules/typescript/bin/tsc'), '-b', 'packages/cli'], { cwd: repoRoot });
  } catch (error) {
    if (!existsSync(cliMain)) throw error;
    console.warn(`tsc -b packages/cli reported errors; testing the emitted build: ${error?.stdout?.slice(0, 500) ?? ''}`);
  } finally {
    await rmdir(lock);
  }
}
