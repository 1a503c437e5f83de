/** Security records of the archive (issue 3): users, tokens, sessions, audit trail, secrets. */
export * from './SecurityStore.js';
export { hashPassword, verifyPassword, checkNewPassword, minPasswordLength, maxPasswordLength, type HashPasswordOptions } from './passwordHash.js';
export { openSecurityStore, checkUsername, checkRole, maxAuditDetailLength } from './openSecurityStore.js';
export { createSecuritySchema, type SecurityDatabase } from './createSecuritySchema.js';
export { attachSecurityStore, securityStoreOf, type ArchiveWithSecurity } from './attachSecurityStore.js';
export { ensureAdminUser, bootstrapAdminUsername, type EnsureAdminUserOptions, type EnsureAdminUserResult } from './ensureAdminUser.js';
export { createApiToken, sha256Hex, apiTokenPattern, type CreateApiTokenOptions, type CreatedApiToken } from './createApiToken.js';
export { deidentificationKeyOf, deidentificationKeySecretName } from './deidentificationKeyOf.js';
