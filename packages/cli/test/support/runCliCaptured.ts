/**
 * Test-only: runs the `vertebra` command in-process with captured stdout/stderr, so CLI
 * tests assert on exit codes and messages without spawning a process.
 */
import type { CliIo } from '../../src/CliIo.js';
import { runCli } from '../../src/runCli.js';

export interface CapturedCliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export async function runCliCaptured(...args: string[]): Promise<CapturedCliRun> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    stderrIsTty: false,
  };
  const code = await runCli({ args, io, repoRoot: '/nonexistent' });
  return { code, stdout, stderr };
}
