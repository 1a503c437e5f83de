/**
 * User administration (issue 3), admin only ('user:manage'), under /api:
 *
 *   GET    /users              → { users: [{ username, role, createdAt, updatedAt }] }
 *   POST   /users              { username, role, password } → 201 user
 *   PUT    /users/{username}   { role?, password? } → user (a new password ends the user's sessions)
 *   DELETE /users/{username}   → 204 (the user's tokens and sessions go too)
 *
 * Password hashes never leave the server. The last admin cannot be removed or demoted,
 * so the archive always has someone who can manage it.
 */
import type { FastifyInstance } from 'fastify';
import { checkRole, checkUsername, hashPassword, type HashPasswordOptions, type SecurityStore, type StoredUser } from '@vertebra/archive';
import { VertebraError } from '@vertebra/errors';
import '../auth/routeAccess.js';

export interface UserRoutesOptions {
  readonly store: SecurityStore;
  readonly passwordCost?: HashPasswordOptions['cost'];
  readonly now?: () => Date;
}

export interface PublicUser {
  readonly username: string;
  readonly role: StoredUser['role'];
  readonly createdAt: string;
  readonly updatedAt: string;
}

export function publicUser(user: StoredUser): PublicUser {
  return { username: user.username, role: user.role, createdAt: user.createdAt, updatedAt: user.updatedAt };
}

function bodyOf(body: unknown): Record<string, unknown> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new VertebraError('REQUEST_INVALID_PARAMETER', 'the body must be a JSON object', { subject: 'body' });
  return body as Record<string, unknown>;
}

export async function registerUserRoutes(app: FastifyInstance, options: UserRoutesOptions): Promise<void> {
  const { store } = options;
  const now = (): string => (options.now?.() ?? new Date()).toISOString();
  const cost = { cost: options.passwordCost ?? 'default' } as const;

  const refuseLosingLastAdmin = async (user: StoredUser): Promise<void> => {
    if (user.role !== 'admin') return;
    const admins = (await store.listUsers()).filter((u) => u.role === 'admin');
    if (admins.length <= 1) throw new VertebraError('REQUEST_INVALID_PARAMETER', `${user.username} is the only admin; add another admin first`, { subject: 'username' });
  };

  app.get('/users', { config: { permission: 'user:manage', audit: 'user-list' } }, async () => ({ users: (await store.listUsers()).map(publicUser) }));

  app.post('/users', { config: { permission: 'user:manage', audit: 'user-add' } }, async (request, reply) => {
    const body = bodyOf(request.body);
    const { username, role, password } = body;
    checkUsername(username);
    checkRole(role);
    request.auditFacts.note = `user ${JSON.stringify(username)} role ${role}`;
    if (typeof password !== 'string') throw new VertebraError('REQUEST_INVALID_PARAMETER', 'password is missing', { subject: 'password' });
    const time = now();
    const user: StoredUser = { username, role, passwordHash: await hashPassword(password, cost), createdAt: time, updatedAt: time };
    await store.insertUser(user);
    return reply.status(201).send(publicUser(user));
  });

  app.put<{ Params: { username: string } }>('/users/:username', { config: { permission: 'user:manage', audit: 'user-update' } }, async (request) => {
    const { username } = request.params;
    const body = bodyOf(request.body);
    const existing = await store.getUser(username);
    if (existing === undefined) throw new VertebraError('USER_NOT_FOUND', `no user named ${JSON.stringify(username.slice(0, 64))}`, { subject: 'username' });
    const change: { role?: StoredUser['role']; passwordHash?: string; updatedAt: string } = { updatedAt: now() };
    const notes: string[] = [`user ${JSON.stringify(username)}`];
    if (body.role !== undefined) {
      checkRole(body.role);
      if (body.role !== 'admin') await refuseLosingLastAdmin(existing);
      change.role = body.role;
      notes.push(`role ${body.role}`);
    }
    if (body.password !== undefined) {
      if (typeof body.password !== 'string') throw new VertebraError('REQUEST_INVALID_PARAMETER', 'password must be a string', { subject: 'password' });
      change.passwordHash = await hashPassword(body.password, cost);
      notes.push('password changed');
    }
    request.auditFacts.note = notes.join(' ');
    return publicUser(await store.updateUser(username, change));
  });

  app.delete<{ Params: { username: string } }>('/users/:username', { config: { permission: 'user:manage', audit: 'user-remove' } }, async (request, reply) => {
    const { username } = request.params;
    request.auditFacts.note = `user ${JSON.stringify(username.slice(0, 64))}`;
    const existing = await store.getUser(username);
    if (existing === undefined) throw new VertebraError('USER_NOT_FOUND', `no user named ${JSON.stringify(username.slice(0, 64))}`, { subject: 'username' });
    await refuseLosingLastAdmin(existing);
    await store.removeUser(username);
    return reply.status(204).send();
  });
}
