/**
 * `vertebra user add|list|remove|passwd|role` (issue 3): local users of the archive and
 * their roles, stored in the archive's security store (SQLite in the data directory or
 * PostgreSQL). Passwords are read by readNewPassword (stdin or a no-echo prompt), hashed
 * with scrypt, never printed; `list` never shows hashes. The store refuses to remove or
 * demote the last admin. Every change is appended to the audit trail (actor cli:USER).
 */
import { checkRole, checkUsername, hashPassword, type StoredUser } from '@vertebra/archive';
import { VertebraError } from '@vertebra/errors';
import type { CliIo } from './CliIo.js';
import { requireSecurityStore, runAudited } from './cliAudit.js';
import { openCliArchive } from './openCliArchive.js';
import { readNewPassword } from './readNewPassword.js';

export interface UserCommandArchiveOptions {
  readonly dataDir: string;
  readonly databaseUrl?: string;
}

export type UserCommandOptions = UserCommandArchiveOptions &
  (
    | { readonly action: 'add'; readonly username: string; readonly role: string; readonly passwordStdin?: boolean }
    | { readonly action: 'list'; readonly json?: boolean }
    | { readonly action: 'remove'; readonly username: string }
    | { readonly action: 'passwd'; readonly username: string; readonly passwordStdin?: boolean }
    | { readonly action: 'role'; readonly username: string; readonly role: string }
  );

/** What `user list --json` prints per user: never the password hash. */
export interface ListedUser {
  readonly username: string;
  readonly role: string;
  readonly createdAt: string;
  readonly updatedAt: string;
}

function listed(user: StoredUser): ListedUser {
  return { username: user.username, role: user.role, createdAt: user.createdAt, updatedAt: user.updatedAt };
}

function table(users: readonly ListedUser[]): string {
  if (users.length === 0) return 'No users.\n';
  const rows = [['USER', 'ROLE', 'CREATED', 'UPDATED'], ...users.map((u) => [u.username, u.role, u.createdAt.slice(0, 19).replace('T', ' '), u.updatedAt.slice(0, 19).replace('T', ' ')])];
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => row[column]?.length ?? 0))) ?? [];
  return `${rows.map((row) => row.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ').trimEnd()).join('\n')}\n`;
}

export async function userCommand(options: UserCommandOptions, io: CliIo): Promise<number> {
  // Check what can be checked before opening the archive or asking for a password.
  if (options.action !== 'list') checkUsername(options.username);
  if (options.action === 'add' || options.action === 'role') checkRole(options.role);
  const archive = await openCliArchive({
    dataDir: options.dataDir,
    mustExist: options.action !== 'add',
    ...(options.databaseUrl === undefined ? {} : { databaseUrl: options.databaseUrl }),
  });
  try {
    const store = requireSecurityStore(archive);
    switch (options.action) {
      case 'list': {
        const users = (await store.listUsers()).map(listed);
        io.stdout.write(options.json ? `${JSON.stringify(users, null, 2)}\n` : table(users));
        return 0;
      }
      case 'add': {
        const { username, role } = options;
        checkRole(role);
        await runAudited(store, { action: 'user-add', detail: `user ${username}, role ${role}` }, async () => {
          // Checked before asking for the password; insertUser checks again, atomically.
          if ((await store.getUser(username)) !== undefined) throw new VertebraError('USER_EXISTS', `a user named ${username} already exists`, { subject: username });
          const password = await readNewPassword({ username, ...(options.passwordStdin ? { passwordStdin: true } : {}) }, io);
          const now = new Date().toISOString();
          await store.insertUser({ username, role, passwordHash: await hashPassword(password), createdAt: now, updatedAt: now });
          return { value: undefined };
        });
        io.stdout.write(`Added user ${username} (role ${role}).\n`);
        return 0;
      }
      case 'remove': {
        const { username } = options;
        await runAudited(store, { action: 'user-remove', detail: `user ${username}` }, async () => {
          await store.removeUser(username);
          return { value: undefined };
        });
        io.stdout.write(`Removed user ${username} with their tokens and sessions.\n`);
        return 0;
      }
      case 'passwd': {
        const { username } = options;
        await runAudited(store, { action: 'user-passwd', detail: `user ${username}` }, async () => {
          if ((await store.getUser(username)) === undefined) throw new VertebraError('USER_NOT_FOUND', `no user named ${username}`, { subject: username });
          const password = await readNewPassword({ username, ...(options.passwordStdin ? { passwordStdin: true } : {}) }, io);
          await store.updateUser(username, { passwordHash: await hashPassword(password), updatedAt: new Date().toISOString() });
          return { value: undefined };
        });
        io.stdout.write(`Changed the password of ${username}; their sessions were ended.\n`);
        return 0;
      }
      case 'role': {
        const { username, role } = options;
        checkRole(role);
        const before = await store.getUser(username);
        await runAudited(store, { action: 'user-role', detail: `user ${username}: ${before?.role ?? '?'} → ${role}` }, async () => {
          await store.updateUser(username, { role, updatedAt: new Date().toISOString() });
          return { value: undefined };
        });
        io.stdout.write(`${username} now has the role ${role}.\n`);
        return 0;
      }
    }
  } finally {
    await archive.close();
  }
}
