/**
 * Reads a new password for `vertebra user add` and `user passwd`: with --password-stdin,
 * one line from stdin (for scripts: `printf '%s\n' "$PW" | vertebra user add …`);
 * otherwise, on a terminal, prompts twice without echo and requires both to match;
 * otherwise refuses with a clear error. Never takes a password from the command line
 * (visible in `ps` and shell history), never prints it.
 */
import { checkNewPassword } from '@vertebra/archive';
import { VertebraError } from '@vertebra/errors';
import type { CliIo } from './CliIo.js';

export interface ReadNewPasswordOptions {
  readonly username: string;
  readonly passwordStdin?: boolean;
}

export async function readNewPassword(options: ReadNewPasswordOptions, io: CliIo): Promise<string> {
  const input = io.stdin;
  if (options.passwordStdin) {
    if (input === undefined) throw new VertebraError('REQUEST_INVALID_PARAMETER', 'no stdin to read the password from', { subject: 'password' });
    const line = await input.readLine();
    if (line === undefined || line === '') throw new VertebraError('REQUEST_INVALID_PARAMETER', 'no password on stdin: write it as one line', { subject: 'password' });
    checkNewPassword(line);
    return line;
  }
  if (input === undefined || !input.isTty) {
    throw new VertebraError('REQUEST_INVALID_PARAMETER', 'stdin is not a terminal, so the password cannot be prompted for: pass --password-stdin and write it as one line to stdin', {
      subject: 'password',
    });
  }
  const first = await input.readLine({ prompt: `New password for ${options.username}: `, hidden: true });
  if (first === undefined || first === '') throw new VertebraError('REQUEST_INVALID_PARAMETER', 'no password entered', { subject: 'password' });
  checkNewPassword(first);
  const second = await input.readLine({ prompt: 'Repeat the password: ', hidden: true });
  if (second !== first) throw new VertebraError('REQUEST_INVALID_PARAMETER', 'the two passwords differ; nothing was changed', { subject: 'password' });
  return first;
}
