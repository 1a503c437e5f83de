/**
 * The streams and process facts a CLI command uses, passed in so that tests can run
 * commands in-process with captured output instead of the real process streams.
 */
export interface CliOutput {
  write(chunk: string): unknown;
}

/** Standard input, for passwords (`user add`, `user passwd`): one line at a time. */
export interface CliInput {
  /** True when stdin is a terminal: a password may be prompted for, without echo. */
  readonly isTty: boolean;
  /**
   * One line of input without its line end; undefined at the end of input. With `hidden`
   * on a terminal the typed characters are not echoed; `prompt` is written to stderr first.
   */
  readLine(options?: { readonly prompt?: string; readonly hidden?: boolean }): Promise<string | undefined>;
}

export interface CliIo {
  readonly stdout: CliOutput;
  readonly stderr: CliOutput;
  /** Standard input; absent when the caller provides none (then no password can be read). */
  readonly stdin?: CliInput;
  /** True when stderr is a terminal: progress is drawn as a bar, otherwise as periodic lines. */
  readonly stderrIsTty: boolean;
  /** Resolves when the process is asked to stop (SIGINT/SIGTERM); `serve` waits on it. */
  readonly waitForShutdown?: () => Promise<string>;
}
