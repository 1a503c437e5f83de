/**
 * Test-only: runs the `vertebra` command in-process with captured stdout/stderr, so CLI
 * tests assert on exit codes and messages without spawning a process. runCliWithInput
 * also serves stdin lines (passwords for `user add`), as a terminal or a pipe.
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

export interface CapturedStdin {
  /** Lines the command reads, in order; after them, end of input. */
  readonly lines: readonly string[];
  /** Whether stdin claims to be a terminal (prompts are then allowed). */
  readonly isTty?: boolean;
}

export interface CapturedCliRunWithInput extends CapturedCliRun {
  /** Each read: its prompt and whether it asked for no echo. */
  readonly reads: ReadonlyArray<{ readonly prompt?: string; readonly hidden?: boolean }>;
}

/** Like runCliCaptured, with stdin served from `input.lines`. */
export async function runCliWithInput(input: CapturedStdin, ...args: string[]): Promise<CapturedCliRunWithInput> {
  let stdout = '';
  let stderr = '';
  const pending = [...input.lines];
  const reads: Array<{ prompt?: string; hidden?: boolean }> = [];
  const io: CliIo = {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    stderrIsTty: false,
    stdin: {
      isTty: input.isTty === true,
      readLine: async (options = {}) => {
        reads.push({ ...(options.prompt === undefined ? {} : { prompt: options.prompt }), ...(options.hidden === undefined ? {} : { hidden: options.hidden }) });
        if (options.prompt !== undefined) stderr += options.prompt;
        return pending.shift();
      },
    },
  };
  const code = await runCli({ args, io, repoRoot: '/nonexistent' });
  return { code, stdout, stderr, reads };
}
