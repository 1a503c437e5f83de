/**
 * Password hashing with scrypt (RFC 7914), a memory-hard function (issue 3: users and
 * roles). The encoded form 'scrypt$N$r$p$saltB64$hashB64' carries its own cost, so the
 * default can be raised later without invalidating stored hashes. Verification runs
 * scrypt with the stored parameters (bounded, so that a tampered row cannot make the
 * process allocate without limit) and compares in constant time (timingSafeEqual).
 * Passwords are never logged nor put into error messages.
 */
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { VertebraError } from '@vertebra/errors';

export interface HashPasswordOptions {
  /** 'default': N=2^16, r=8, p=1 (64 MiB, ~0.1-0.3 s). 'test': N=2^10, for test speed only. */
  readonly cost?: 'default' | 'test';
}

/** Shortest password accepted for a new password. */
export const minPasswordLength = 8;
/** Longest password accepted (characters); longer input is refused before hashing. */
export const maxPasswordLength = 1024;

const costs = {
  default: { N: 2 ** 16, r: 8, p: 1 },
  test: { N: 2 ** 10, r: 8, p: 1 },
} as const;
const saltBytes = 16;
const hashBytes = 32;
/** Bounds on stored parameters accepted by verifyPassword. */
const maxN = 2 ** 20;
const maxR = 32;
const maxP = 16;

function scryptAsync(password: string, salt: Buffer, keyLength: number, params: { N: number; r: number; p: number }): Promise<Buffer> {
  // scrypt needs 128·N·r bytes; Node's default maxmem (32 MiB) is below the default cost.
  const options: ScryptOptions = { N: params.N, r: params.r, p: params.p, maxmem: 128 * params.N * params.r * 2 + 1024 * 1024 };
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFC'), salt, keyLength, options, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

function lengthOf(password: string): number {
  return [...password].length;
}

/** Throws REQUEST_INVALID_PARAMETER (subject 'password') unless the password may be set as a new password. */
export function checkNewPassword(password: unknown): asserts password is string {
  if (typeof password !== 'string' || password === '') {
    throw new VertebraError('REQUEST_INVALID_PARAMETER', 'the password is empty', { subject: 'password' });
  }
  const length = lengthOf(password);
  if (length > maxPasswordLength) {
    throw new VertebraError('REQUEST_INVALID_PARAMETER', `the password is longer than ${maxPasswordLength} characters`, { subject: 'password' });
  }
  if (length < minPasswordLength) {
    throw new VertebraError('REQUEST_INVALID_PARAMETER', `the password is shorter than ${minPasswordLength} characters`, { subject: 'password' });
  }
}

/** Hashes a new password (checked by checkNewPassword) with a fresh random salt. */
export async function hashPassword(password: string, options: HashPasswordOptions = {}): Promise<string> {
  checkNewPassword(password);
  const params = costs[options.cost ?? 'default'];
  const salt = randomBytes(saltBytes);
  const hash = await scryptAsync(password, salt, hashBytes, params);
  return `scrypt$${params.N}$${params.r}$${params.p}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

interface ParsedHash {
  readonly N: number;
  readonly r: number;
  readonly p: number;
  readonly salt: Buffer;
  readonly hash: Buffer;
}

function parseEncoded(encoded: string): ParsedHash | undefined {
  const parts = encoded.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return undefined;
  const [N, r, p] = parts.slice(1, 4).map((part) => (/^\d{1,8}$/.test(part) ? Number(part) : NaN));
  if (N === undefined || r === undefined || p === undefined) return undefined;
  if (!(N >= 2 && N <= maxN && (N & (N - 1)) === 0) || !(r >= 1 && r <= maxR) || !(p >= 1 && p <= maxP)) return undefined;
  const salt = Buffer.from(parts[4] ?? '', 'base64');
  const hash = Buffer.from(parts[5] ?? '', 'base64');
  if (salt.length < 8 || hash.length < 16 || hash.length > 64) return undefined;
  return { N, r, p, salt, hash };
}

/**
 * True when `password` matches the encoded hash. False (never an error) for an empty or
 * over-long password and for a malformed or out-of-bounds encoding.
 */
export async function verifyPassword(password: string, encoded: string): Promise<boolean> {
  if (typeof password !== 'string' || typeof encoded !== 'string') return false;
  if (password === '' || lengthOf(password) > maxPasswordLength) return false;
  const parsed = parseEncoded(encoded);
  if (parsed === undefined) return false;
  const candidate = await scryptAsync(password, parsed.salt, parsed.hash.length, parsed);
  return timingSafeEqual(candidate, parsed.hash);
}
