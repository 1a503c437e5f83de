/**
 * API tokens for programs (issue 3: DICOMweb clients send `Authorization: Bearer vtb_…`).
 * The token value is 'vtb_' + 43 base64url characters (256 random bits); only its SHA-256
 * is stored, so the value is shown once, at creation, and cannot be recovered. The token
 * gets a short public id (for lists and revocation) that reveals nothing of the value.
 */
import { createHash, randomBytes } from 'node:crypto';
import { VertebraError } from '@vertebra/errors';
import type { SecurityStore, StoredApiToken } from './SecurityStore.js';

export interface CreateApiTokenOptions {
  readonly username: string;
  /** What the token is for, e.g. 'nightly-stow': 1-100 printable characters. */
  readonly name: string;
  /** ISO time after which the token is refused; null or absent: never expires. */
  readonly expiresAt?: string | null;
  readonly now?: () => Date;
}

export interface CreatedApiToken {
  /** The secret value: show it once. */
  readonly token: string;
  readonly record: StoredApiToken;
}

/** 'vtb_' + 43 base64url characters. */
export const apiTokenPattern = /^vtb_[A-Za-z0-9_-]{43}$/;

/** SHA-256 (hex) of a token value or session id: what the store keeps and looks up. */
export function sha256Hex(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}

export async function createApiToken(store: SecurityStore, options: CreateApiTokenOptions): Promise<CreatedApiToken> {
  const now = (options.now ?? (() => new Date()))();
  const name = typeof options.name === 'string' ? options.name.trim() : '';
  if (name === '' || name.length > 100 || /[\u0000-\u001f\u007f]/.test(name)) {
    throw new VertebraError('REQUEST_INVALID_PARAMETER', 'a token name is 1-100 printable characters', { subject: 'name' });
  }
  let expiresAt: string | null = null;
  if (options.expiresAt !== undefined && options.expiresAt !== null) {
    const time = Date.parse(options.expiresAt);
    if (Number.isNaN(time)) throw new VertebraError('REQUEST_INVALID_PARAMETER', 'the expiry must be an ISO 8601 time', { subject: 'expiresAt' });
    if (time <= now.getTime()) throw new VertebraError('REQUEST_INVALID_PARAMETER', 'the expiry is not in the future', { subject: 'expiresAt' });
    expiresAt = new Date(time).toISOString();
  }
  const user = await store.getUser(options.username);
  if (user === undefined) throw new VertebraError('USER_NOT_FOUND', `no user named ${String(options.username).slice(0, 80)}`, { subject: 'username' });
  const token = `vtb_${randomBytes(32).toString('base64url')}`;
  const record: StoredApiToken = {
    id: randomBytes(8).toString('hex'),
    username: user.username,
    name,
    tokenSha256: sha256Hex(token),
    createdAt: now.toISOString(),
    expiresAt,
    lastUsedAt: null,
  };
  await store.insertToken(record);
  return { token, record };
}
