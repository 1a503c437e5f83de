/**
 * Test-only: a real archive in a temp data directory and the app from buildApp listening
 * on a random loopback port, with an 'admin' user (scrypt at the cheap 'test' cost) whose
 * HTTP Basic header is `authHeaders`; `createUser` adds users of other roles. Audit events
 * go through `audit` (flush it before reading the trail). `close()` stops everything and
 * removes the directory.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, FastifyLoggerOptions } from 'fastify';
import { hashPassword, openArchive, securityStoreOf, type ArchiveService, type Role, type SecurityStore } from '@vertebra/archive';
import { buildApp, type AppLimits, type AuthSettings } from '../../src/buildApp.js';
import { createAuditWriter, type AuditWriter } from '../../src/audit/createAuditWriter.js';

export interface TestUser {
  readonly username: string;
  readonly password: string;
  readonly role: Role;
  /** `Authorization: Basic …` of this user. */
  readonly authHeaders: Readonly<Record<string, string>>;
}

export interface TestServer {
  readonly app: FastifyInstance;
  readonly archive: ArchiveService;
  readonly store: SecurityStore;
  readonly audit: AuditWriter;
  readonly dataDir: string;
  /** http://127.0.0.1:PORT */
  readonly origin: string;
  /** origin + '/dicomweb' */
  readonly dicomweb: string;
  /** The 'admin' user. */
  readonly admin: TestUser;
  /** The admin's Basic header: send it with every request that is not about authentication itself. */
  readonly authHeaders: Readonly<Record<string, string>>;
  /** Adds a user of a role (password 'password-of-<username>'). */
  createUser(role: Role, username?: string): Promise<TestUser>;
  close(): Promise<void>;
}

export const testAdminPassword = 'test-admin-password';

export function basicAuthHeaders(username: string, password: string): Record<string, string> {
  return { authorization: `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}` };
}

export async function startTestServer(
  options: {
    limits?: AppLimits;
    wrapArchive?: (archive: ArchiveService) => ArchiveService;
    auth?: AuthSettings;
    logger?: FastifyLoggerOptions;
    /** Serve a viewer build from this folder (buildApp's webDistDir). */
    webDistDir?: string;
    /** buildApp's auditReadWindowMs (0: every WADO request is its own audit event). */
    auditReadWindowMs?: number;
  } = {},
): Promise<TestServer> {
  const dataDir = await mkdtemp(join(tmpdir(), 'vertebra-dicomweb-'));
  const archive = await openArchive({ dataDir });
  const store = securityStoreOf(archive);
  if (store === undefined) throw new Error('openArchive attached no security store');
  const addUser = async (role: Role, username: string, password: string): Promise<TestUser> => {
    const time = new Date().toISOString();
    await store.insertUser({ username, role, passwordHash: await hashPassword(password, { cost: 'test' }), createdAt: time, updatedAt: time });
    return { username, password, role, authHeaders: basicAuthHeaders(username, password) };
  };
  const admin = await addUser('admin', 'admin', testAdminPassword);
  const audit = createAuditWriter({ store });
  const app = await buildApp({
    archive: options.wrapArchive ? options.wrapArchive(archive) : archive,
    audit,
    auth: { passwordCost: 'test', ...options.auth },
    ...(options.limits ? { limits: options.limits } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.webDistDir ? { webDistDir: options.webDistDir } : {}),
    ...(options.auditReadWindowMs === undefined ? {} : { auditReadWindowMs: options.auditReadWindowMs }),
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  const origin = `http://127.0.0.1:${address.port}`;
  let userCount = 0;
  return {
    app,
    archive,
    store,
    audit,
    dataDir,
    origin,
    dicomweb: `${origin}/dicomweb`,
    admin,
    authHeaders: admin.authHeaders,
    createUser: (role, username) => {
      userCount += 1;
      const name = username ?? `${role}-${userCount}`;
      return addUser(role, name, `password-of-${name}`);
    },
    async close() {
      await app.close();
      await audit.close();
      await archive.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
