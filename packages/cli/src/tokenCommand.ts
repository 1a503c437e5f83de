/**
 * `vertebra token create|list|revoke` (issue 3): API tokens for programs (DICOMweb clients
 * send `Authorization: Bearer vtb_…`). `create` prints the token once, alone on stdout so
 * that scripts can capture it, with a warning on stderr that it will not be shown again:
 * the archive keeps only its SHA-256. `list` shows ids, owners, names and times, never
 * token values or hashes. Creation and revocation are appended to the audit trail.
 */
import { checkUsername, createApiToken, type StoredApiToken } from '@vertebra/archive';
import { VertebraError } from '@vertebra/errors';
import type { CliIo } from './CliIo.js';
import { requireSecurityStore, runAudited } from './cliAudit.js';
import { openCliArchive } from './openCliArchive.js';

export interface TokenCommandArchiveOptions {
  readonly dataDir: string;
  readonly databaseUrl?: string;
}

export type TokenCommandOptions = TokenCommandArchiveOptions &
  (
    | { readonly action: 'create'; readonly username: string; readonly name: string; readonly expiresDays?: number }
    | { readonly action: 'list'; readonly username?: string; readonly json?: boolean }
    | { readonly action: 'revoke'; readonly id: string }
  );

/** What `token list --json` prints per token: never the value nor its hash. */
export interface ListedToken {
  readonly id: string;
  readonly username: string;
  readonly name: string;
  readonly createdAt: string;
  readonly expiresAt: string | null;
  readonly lastUsedAt: string | null;
  readonly expired: boolean;
}

const dayMs = 86_400_000;
/** Longest lifetime `--expires-days` accepts (ten years). */
const maxExpiresDays = 3650;

function listed(token: StoredApiToken, nowMs: number): ListedToken {
  return {
    id: token.id,
    username: token.username,
    name: token.name,
    createdAt: token.createdAt,
    expiresAt: token.expiresAt,
    lastUsedAt: token.lastUsedAt,
    expired: token.expiresAt !== null && Date.parse(token.expiresAt) <= nowMs,
  };
}

function shortTime(iso: string | null): string {
  return iso === null ? '-' : iso.slice(0, 16).replace('T', ' ');
}

function table(tokens: readonly ListedToken[]): string {
  if (tokens.length === 0) return 'No tokens.\n';
  const rows = [
    ['ID', 'USER', 'NAME', 'CREATED', 'EXPIRES', 'LAST USED'],
    ...tokens.map((t) => [t.id, t.username, t.name, shortTime(t.createdAt), t.expired ? `${shortTime(t.expiresAt)} (expired)` : t.expiresAt === null ? 'never' : shortTime(t.expiresAt), shortTime(t.lastUsedAt)]),
  ];
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => row[column]?.length ?? 0))) ?? [];
  return `${rows.map((row) => row.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ').trimEnd()).join('\n')}\n`;
}

export async function tokenCommand(options: TokenCommandOptions, io: CliIo): Promise<number> {
  if (options.action === 'create') {
    checkUsername(options.username);
    if (options.expiresDays !== undefined && (!Number.isInteger(options.expiresDays) || options.expiresDays < 1 || options.expiresDays > maxExpiresDays)) {
      throw new VertebraError('REQUEST_INVALID_PARAMETER', `--expires-days must be a whole number of days, 1-${maxExpiresDays}`, { subject: 'expires-days' });
    }
  }
  if (options.action === 'list' && options.username !== undefined) checkUsername(options.username);
  if (options.action === 'revoke' && !/^[0-9a-f]{16}$/.test(options.id)) {
    throw new VertebraError('REQUEST_INVALID_PARAMETER', 'a token id is 16 hexadecimal digits, as `vertebra token list` shows (not the token itself)', { subject: 'ID' });
  }
  const archive = await openCliArchive({ dataDir: options.dataDir, mustExist: true, ...(options.databaseUrl === undefined ? {} : { databaseUrl: options.databaseUrl }) });
  try {
    const store = requireSecurityStore(archive);
    switch (options.action) {
      case 'create': {
        const now = new Date();
        const expiresAt = options.expiresDays === undefined ? null : new Date(now.getTime() + options.expiresDays * dayMs).toISOString();
        const created = await runAudited(store, { action: 'token-create', detail: `token "${options.name}" for user ${options.username}` }, async () => {
          const value = await createApiToken(store, { username: options.username, name: options.name, expiresAt, now: () => now });
          return { value, detail: `token ${value.record.id} "${value.record.name}" for user ${value.record.username}, expires ${value.record.expiresAt ?? 'never'}` };
        });
        io.stderr.write(
          `Created token ${created.record.id} "${created.record.name}" for ${created.record.username} (expires ${created.record.expiresAt ?? 'never'}).\n` +
            'Store it now: it is shown only this once and cannot be recovered (the archive keeps only its SHA-256).\n',
        );
        io.stdout.write(`${created.token}\n`);
        return 0;
      }
      case 'list': {
        const nowMs = Date.now();
        const tokens = (await store.listTokens(options.username)).map((token) => listed(token, nowMs));
        io.stdout.write(options.json ? `${JSON.stringify(tokens, null, 2)}\n` : table(tokens));
        return 0;
      }
      case 'revoke': {
        const { id } = options;
        const token = (await store.listTokens()).find((candidate) => candidate.id === id);
        await runAudited(store, { action: 'token-revoke', detail: `token ${id}` }, async () => {
          if (token === undefined || !(await store.removeToken(id))) {
            throw new VertebraError('REQUEST_INVALID_PARAMETER', `no token with id ${id} (see \`vertebra token list\`)`, { subject: 'ID' });
          }
          return { value: undefined, detail: `token ${id} "${token.name}" of user ${token.username}` };
        });
        io.stdout.write(`Revoked token ${id} ("${token?.name ?? ''}" of ${token?.username ?? ''}).\n`);
        return 0;
      }
    }
  } finally {
    await archive.close();
  }
}
