/**
 * Role-based access control of Vertebra (issue 3): the permissions a route can require
 * and the roles that hold each. Least privilege: researchers never get 'dicom:read' — they
 * see only de-identified data through /api/research (DICOM PS3.15 Annex E).
 */
import type { Role } from '@vertebra/archive';

export const permissions = ['dicom:read', 'dicom:write', 'annotation:write', 'research:read', 'user:manage', 'audit:read', 'self'] as const;
export type Permission = (typeof permissions)[number];

/** What a route declares: a permission, or 'public' for the few routes anyone may call. */
export type RoutePermission = Permission | 'public';

export const rolePermissions: Readonly<Record<Role, readonly Permission[]>> = {
  admin: ['dicom:read', 'dicom:write', 'annotation:write', 'research:read', 'user:manage', 'audit:read', 'self'],
  radiologist: ['dicom:read', 'dicom:write', 'annotation:write', 'self'],
  surgeon: ['dicom:read', 'annotation:write', 'self'],
  technologist: ['dicom:read', 'dicom:write', 'self'],
  researcher: ['research:read', 'self'],
};

export function isRoutePermission(value: unknown): value is RoutePermission {
  return value === 'public' || (typeof value === 'string' && (permissions as readonly string[]).includes(value));
}

export function roleHasPermission(role: Role, permission: Permission): boolean {
  return rolePermissions[role].includes(permission);
}
