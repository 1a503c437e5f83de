/**
 * First-start bootstrap of the `admin` user (issue 3: there is no default password). When
 * the archive has no user at all, creates 'admin' with the given password (the caller
 * passes VERTEBRA_ADMIN_PASSWORD) or a generated one, returned once so that the caller can
 * print it once; it is never stored in clear nor logged here. When users exist it does
 * nothing. Two processes starting at once create one admin: the loser sees USER_EXISTS
 * and reports `created: false`. The creation is recorded in the audit trail (without the
 * password).
 */
import { randomBytes } from 'node:crypto';
import { isVertebraError } from '@vertebra/errors';
import { hashPassword } from './passwordHash.js';
import type { SecurityStore } from './SecurityStore.js';

export interface EnsureAdminUserOptions {
  /** Password of the new admin (VERTEBRA_ADMIN_PASSWORD); generated when absent. */
  readonly password?: string;
  readonly now?: () => Date;
  /** scrypt cost ('test' only in tests). */
  readonly cost?: 'default' | 'test';
}

export interface EnsureAdminUserResult {
  readonly created: boolean;
  /** The generated password, when one was generated: show it once, never store it. */
  readonly generatedPassword?: string;
}

export const bootstrapAdminUsername = 'admin';

export async function ensureAdminUser(store: SecurityStore, options: EnsureAdminUserOptions = {}): Promise<EnsureAdminUserResult> {
  if ((await store.countUsers()) > 0) return { created: false };
  const generated = options.password === undefined || options.password === '' ? randomBytes(18).toString('base64url') : undefined;
  const password = generated ?? (options.password as string);
  const passwordHash = await hashPassword(password, options.cost === undefined ? {} : { cost: options.cost });
  const now = (options.now ?? (() => new Date()))().toISOString();
  try {
    await store.insertUser({ username: bootstrapAdminUsername, role: 'admin', passwordHash, createdAt: now, updatedAt: now });
  } catch (error) {
    if (isVertebraError(error) && error.code === 'USER_EXISTS') return { created: false };
    throw error;
  }
  await store.appendAudit([
    {
      at: now,
      actor: 'system',
      actorRole: null,
      source: 'startup',
      action: 'user-add',
      outcome: 'success',
      detail: `first start: created user ${bootstrapAdminUsername} (role admin) with ${generated === undefined ? 'the password from VERTEBRA_ADMIN_PASSWORD' : 'a generated password'}`,
    },
  ]);
  return generated === undefined ? { created: true } : { created: true, generatedPassword: generated };
}
