/**
 * Password hashing (scrypt, issue 3): the encoded form and its parameters, verification of
 * the right and wrong password, fresh salts, the length rules for new passwords, and
 * verification that answers false (never throws, never hangs) for malformed or
 * out-of-bounds encodings from a tampered row.
 */
import { describe, expect, it } from 'vitest';
import { checkNewPassword, hashPassword, verifyPassword } from '@vertebra/archive';

describe('hashPassword / verifyPassword', () => {
  it('hashes with the default cost N=2^16, r=8, p=1 and verifies', async () => {
    const encoded = await hashPassword('correct horse battery');
    expect(encoded).toMatch(/^scrypt\$65536\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    expect(encoded).not.toContain('correct horse');
    expect(await verifyPassword('correct horse battery', encoded)).toBe(true);
    expect(await verifyPassword('correct horse batterY', encoded)).toBe(false);
  });

  it('uses a fresh salt for every hash, and the cheap test cost when asked', async () => {
    const a = await hashPassword('same password', { cost: 'test' });
    const b = await hashPassword('same password', { cost: 'test' });
    expect(a).toMatch(/^scrypt\$1024\$8\$1\$/);
    expect(a).not.toBe(b);
    expect(await verifyPassword('same password', a)).toBe(true);
    expect(await verifyPassword('same password', b)).toBe(true);
  });

  it('verifies non-ASCII passwords in either Unicode normalization form', async () => {
    const encoded = await hashPassword('Müller-Lüdenscheidt', { cost: 'test' });
    expect(await verifyPassword('Mu\u0308ller-Lu\u0308denscheidt', encoded)).toBe(true);
    expect(await verifyPassword('Muller-Ludenscheidt', encoded)).toBe(false);
  });

  it('refuses empty, short and over-long new passwords with a clear error naming the password', async () => {
    await expect(hashPassword('', { cost: 'test' })).rejects.toMatchObject({ code: 'REQUEST_INVALID_PARAMETER', subject: 'password', message: expect.stringContaining('the password is empty') });
    await expect(hashPassword('seven77', { cost: 'test' })).rejects.toMatchObject({ code: 'REQUEST_INVALID_PARAMETER', subject: 'password', message: expect.stringContaining('shorter than 8') });
    await expect(hashPassword('x'.repeat(1025), { cost: 'test' })).rejects.toMatchObject({ code: 'REQUEST_INVALID_PARAMETER', message: expect.stringContaining('longer than 1024') });
    expect(() => checkNewPassword('eight888')).not.toThrow();
    expect(() => checkNewPassword('x'.repeat(1024))).not.toThrow();
    // The error never echoes the password.
    await expect(hashPassword('secret7', { cost: 'test' })).rejects.not.toMatchObject({ message: expect.stringContaining('secret7') });
  });

  it('answers false for empty or over-long candidates and for malformed or tampered encodings', async () => {
    const encoded = await hashPassword('a good password', { cost: 'test' });
    expect(await verifyPassword('', encoded)).toBe(false);
    expect(await verifyPassword('x'.repeat(1025), encoded)).toBe(false);
    const parts = encoded.split('$');
    const tampered = [
      '',
      'plain text',
      encoded.replace(/^scrypt/, 'bcrypt'),
      parts.slice(0, 5).join('$'),
      ['scrypt', '1000', ...parts.slice(2)].join('$'), // N not a power of two
      ['scrypt', String(2 ** 24), ...parts.slice(2)].join('$'), // N beyond the bound: would allocate 16 GiB
      ['scrypt', parts[1], '999', ...parts.slice(3)].join('$'),
      [...parts.slice(0, 5), Buffer.alloc(32).toString('base64')].join('$'), // wrong hash
    ];
    for (const value of tampered) expect(await verifyPassword('a good password', value), value).toBe(false);
  });
});
