/** Row → User mapping shared by the user and API-key repositories. */
import { toLimits, toSpend } from "./limit-columns";
import type { User, UserRole, UserStatus } from "./types";

export function toUserRecord(row: Record<string, unknown>): User {
  return {
    id: Number(row.id),
    uuid: row.uuid as string,
    email: row.email as string,
    role: row.role as UserRole,
    displayName: (row.displayName as string | null) ?? null,
    status: row.status as UserStatus,
    createdAt: row.createdAt as Date,
    updatedAt: row.updatedAt as Date,
    deletedAt: (row.deletedAt as Date | null) ?? null,
    limits: toLimits(row),
    spend: toSpend(row),
  };
}
