/**
 * CliInput over the process's real stdin: reads one line at a time (the rest stays
 * buffered for the next read), and on a terminal reads without echo in raw mode, so that
 * a password typed at `vertebra user add` is never shown. Ctrl-C while typing cancels with
 * a clear error; the terminal mode is always restored. The stream is paused between reads
 * so that it does not keep the process alive.
 */
import { VertebraError } from '@vertebra/errors';
import type { CliInput, CliOutput } from './CliIo.js';

interface StdinLike extends NodeJS.ReadableStream {
  readonly isTTY?: boolean;
  setRawMode?(mode: boolean): unknown;
}

/** `openStdin` is called on the first use only: commands that read nothing never touch stdin. */
export function processStdinInput(openStdin: () => StdinLike, prompts: CliOutput): CliInput {
  let buffered = '';
  let ended = false;
  let opened: StdinLike | undefined;
  const stdinOf = (): StdinLike => {
    if (opened === undefined) {
      opened = openStdin();
      opened.setEncoding('utf8');
    }
    return opened;
  };

  const takeLine = (): string | undefined => {
    const newline = buffered.indexOf('\n');
    if (newline < 0) return undefined;
    const line = buffered.slice(0, newline).replace(/\r$/, '');
    buffered = buffered.slice(newline + 1);
    return line;
  };

  const readPlainLine = (stdin: StdinLike): Promise<string | undefined> =>
    new Promise((resolve, reject) => {
      const ready = takeLine();
      if (ready !== undefined) return resolve(ready);
      if (ended) {
        const rest = buffered;
        buffered = '';
        return resolve(rest === '' ? undefined : rest.replace(/\r$/, ''));
      }
      const cleanup = (): void => {
        stdin.off('data', onData);
        stdin.off('end', onEnd);
        stdin.off('error', onError);
        stdin.pause();
      };
      const onData = (chunk: string | Buffer): void => {
        buffered += chunk.toString();
        const line = takeLine();
        if (line !== undefined) {
          cleanup();
          resolve(line);
        }
      };
      const onEnd = (): void => {
        ended = true;
        cleanup();
        const rest = buffered;
        buffered = '';
        resolve(rest === '' ? undefined : rest.replace(/\r$/, ''));
      };
      const onError = (error: Error): void => {
        cleanup();
        reject(new VertebraError('REQUEST_INVALID_PARAMETER', `cannot read stdin: ${error.message}`, { subject: 'stdin', cause: error }));
      };
      stdin.on('data', onData);
      stdin.on('end', onEnd);
      stdin.on('error', onError);
      stdin.resume();
    });

  const readHiddenLine = (stdin: StdinLike): Promise<string | undefined> =>
    new Promise((resolve, reject) => {
      let typed = '';
      const finish = (value: string | undefined, error?: Error): void => {
        stdin.off('data', onData);
        stdin.setRawMode?.(false);
        stdin.pause();
        prompts.write('\n');
        if (error) reject(error);
        else resolve(value);
      };
      const onData = (chunk: string | Buffer): void => {
        for (const char of chunk.toString()) {
          if (char === '\r' || char === '\n') return finish(typed);
          if (char === '\u0003') return finish(undefined, new VertebraError('REQUEST_INVALID_PARAMETER', 'password entry cancelled', { subject: 'password' }));
          if (char === '\u0004') return finish(typed === '' ? undefined : typed);
          if (char === '\u007f' || char === '\b') typed = [...typed].slice(0, -1).join('');
          else if (char >= ' ') typed += char;
        }
      };
      stdin.setRawMode?.(true);
      stdin.on('data', onData);
      stdin.resume();
    });

  return {
    get isTty() {
      return stdinOf().isTTY === true;
    },
    async readLine(options = {}) {
      const stdin = stdinOf();
      if (options.prompt !== undefined) prompts.write(options.prompt);
      return options.hidden && stdin.isTTY === true && stdin.setRawMode !== undefined ? readHiddenLine(stdin) : readPlainLine(stdin);
    },
  };
}
