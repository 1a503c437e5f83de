/**
 * The streams and process facts a CLI command uses, passed in so that tests can run
 * commands in-process with captured output instead of the real process streams.
 */
export interface CliOutput {
  write(chunk: string): unknown;
}

export interface CliIo {
  readonly stdout: CliOutput;
  readonly stderr: CliOutput;
  /** True when stderr is a terminal: progress is drawn as a bar, otherwise as periodic lines. */
  readonly stderrIsTty: boolean;
  /** Resolves when the process is asked to stop (SIGINT/SIGTERM); `serve` waits on it. */
  readonly waitForShutdown?: () => Promise<string>;
}
