#!/usr/bin/env node
/**
 * Entry point of the `vertebra` command: wires the real process streams and signals into
 * `runCli` and exits with its code.
 */
import { fileURLToPath } from 'node:url';

// Durable ingest overlaps many fsyncs on libuv's pool (default 4 threads). The pool size is
// read once, at its first use, so it is set before anything else is loaded.
process.env.UV_THREADPOOL_SIZE ??= '16';
const { runCli } = await import('./runCli.js');
const { processStdinInput } = await import('./processStdinInput.js');

const waitForShutdown = (): Promise<string> =>
  new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals): void => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      resolve(signal);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });

const exitCode = await runCli({
  args: process.argv.slice(2),
  io: { stdout: process.stdout, stderr: process.stderr, stderrIsTty: process.stderr.isTTY === true, waitForShutdown, stdin: processStdinInput(() => process.stdin, process.stderr) },
  repoRoot: fileURLToPath(new URL('../../..', import.meta.url)),
  env: process.env,
});
process.exitCode = exitCode;
