/**
 * API tokens for programs (issue 3), under /api, for every role ('self'):
 *
 *   POST   /tokens        { name, expiresInDays? } → 201 { id, name, token, expiresAt }
 *                         (the token value is shown only here; the store keeps its SHA-256)
 *   GET    /tokens        → { tokens: [{ id, username, name, createdAt, expiresAt, lastUsedAt }] }
 *                         (the caller's own; an admin sees everyone's)
 *   DELETE /tokens/{id}   → 204; a user revokes their own tokens, an admin any
 */
import type { FastifyInstance } from 'fastify';
import { createApiToken, type SecurityStore, type StoredApiToken } from '@vertebra/archive';
import { VertebraError } from '@vertebra/errors';
import { roleHasPermission } from '../auth/permissions.js';
import '../auth/routeAccess.js';

export interface TokenRoutesOptions {
  readonly store: SecurityStore;
  readonly now?: () => Date;
}

const maxExpiresInDays = 3650;

function listed(token: StoredApiToken): Omit<StoredApiToken, 'tokenSha256'> {
  return { id: token.id, username: token.username, name: token.name, createdAt: token.createdAt, expiresAt: token.expiresAt, lastUsedAt: token.lastUsedAt };
}

export async function registerTokenRoutes(app: FastifyInstance, options: TokenRoutesOptions): Promise<void> {
  const { store } = options;
  const now = (): Date => options.now?.() ?? new Date();

  app.post('/tokens', { config: { permission: 'self', audit: 'token-create' } }, async (request, reply) => {
    const principal = request.principal!;
    const body = (request.body ?? {}) as Record<string, unknown>;
    const days = body.expiresInDays;
    if (days !== undefined && days !== null && (typeof days !== 'number' || !Number.isFinite(days) || days <= 0 || days > maxExpiresInDays)) {
      throw new VertebraError('REQUEST_INVALID_PARAMETER', `expiresInDays must be a number of days from 0 to ${maxExpiresInDays}`, { subject: 'expiresInDays' });
    }
    const current = now();
    const expiresAt = typeof days === 'number' ? new Date(current.getTime() + days * 86_400_000).toISOString() : null;
    const { token, record } = await createApiToken(store, { username: principal.username, name: String(body.name ?? ''), expiresAt, now: () => current });
    request.auditFacts.note = `token ${record.id} ${JSON.stringify(record.name)}`;
    return reply.status(201).header('cache-control', 'no-store').send({ id: record.id, name: record.name, token, expiresAt: record.expiresAt });
  });

  app.get('/tokens', { config: { permission: 'self' } }, async (request) => {
    const principal = request.principal!;
    const all = roleHasPermission(principal.role, 'user:manage');
    return { tokens: (await store.listTokens(all ? undefined : principal.username)).map(listed) };
  });

  app.delete<{ Params: { id: string } }>('/tokens/:id', { config: { permission: 'self', audit: 'token-revoke' } }, async (request, reply) => {
    const principal = request.principal!;
    const { id } = request.params;
    request.auditFacts.note = `token ${JSON.stringify(id.slice(0, 64))}`;
    const mayRevokeAny = roleHasPermission(principal.role, 'user:manage');
    const owned = mayRevokeAny ? undefined : (await store.listTokens(principal.username)).find((token) => token.id === id);
    if ((!mayRevokeAny && owned === undefined) || !(await store.removeToken(id))) {
      throw new VertebraError('REQUEST_ROUTE_NOT_FOUND', `no API token ${JSON.stringify(id.slice(0, 64))} of yours`, { subject: 'id' });
    }
    return reply.status(204).send();
  });
}
