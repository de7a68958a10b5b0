/** Users: create, list, update, soft delete, import, and the single root admin. */
import { and, asc, eq, isNotNull, isNull, ne } from "drizzle-orm";
import { GatewayError } from "../errors/gateway-error";
import { assertNameHasNoControlCharacters } from "./display-name";
import type { DbContext } from "./db-context";
import { limitColumns } from "./limit-columns";
import { importUsers } from "./import-users";
import { revokeKeysOf } from "./revoke-keys";
import { type Limits, type NewUser, USER_ROLES, type User, type UserRepository, type UserRole } from "./types";

const NO_LIMITS: Limits = { budgetMicroUsd: null, budgetPeriod: null, rpmLimit: null, tpmLimit: null };
import { toUserRecord as toUser } from "./user-record";
import { inWriteTransaction } from "./write-transaction";

const EMAIL_SHAPE = /^[^\s@]+@[^\s@]+$/;

/** Trim and lower-case an e-mail, or throw a 400 when it is not e-mail shaped. */
export function normalizeEmail(email: string): string {
  const normalized = email.trim().toLowerCase();
  if (!EMAIL_SHAPE.test(normalized)) throw new GatewayError("invalid_request", 400, `invalid email: ${JSON.stringify(email)}`, { param: "email" });
  return normalized;
}

export function parseRole(role: string): UserRole {
  if ((USER_ROLES as readonly string[]).includes(role)) return role as UserRole;
  throw new GatewayError("invalid_request", 400, `unsupported role ${JSON.stringify(role)} (use gateway_user or gateway_admin)`, { param: "role" });
}

/** Only the root admin is root: the API and CLI create admins and users (upstream §1.7). */
function assertCreatableRole(role: UserRole): UserRole {
  if (role === "root_admin") {
    throw new GatewayError("invalid_request", 400, "unsupported role \"root_admin\" (use gateway_user or gateway_admin)", { param: "role" });
  }
  return role;
}

export function createUserRepository(ctx: DbContext): UserRepository {
  const { db, tables } = ctx;
  const { users } = tables;
  type UserRow = typeof users.$inferSelect;

  async function get(id: number): Promise<User | null> {
    const [row] = await db.select().from(users).where(eq(users.id, id)).limit(1);
    return row ? toUser(row) : null;
  }

  async function findByEmail(email: string): Promise<User | null> {
    const [row] = await db.select().from(users).where(eq(users.email, email.trim().toLowerCase())).limit(1);
    return row ? toUser(row) : null;
  }

  async function insertOrRevive(input: NewUser, now: Date): Promise<User> {
    const email = normalizeEmail(input.email);
    const existing = await findByEmail(email);
    if (existing && existing.deletedAt === null) throw new GatewayError("conflict", 409, `user ${email} already exists`, { param: "email" });
    if (existing) {
      // Emails are unique for the row's lifetime; re-creating a deleted user revives the row
      // (its old keys stay revoked) so its ledger history keeps one owner. Its limits are the
      // new ones only, like its role and name: the deleted user's budget and rates came back
      // unasked. A budget given now counts the ledger's spend, as setting one on a user does.
      const limits = await limitColumns(ctx, NO_LIMITS, { ...NO_LIMITS, ...input.limits }, { userId: existing.id }, now);
      const revived = await inWriteTransaction(ctx, function* (tx) {
        // Only a row still deleted: two concurrent re-creations revive it once, the other is a 409.
        const [row] = (yield tx
          .update(users)
          .set({ role: input.role, displayName: input.displayName ?? null, status: "active", deletedAt: null, updatedAt: now, ...limits })
          .where(and(eq(users.id, existing.id), isNotNull(users.deletedAt)))
          .returning()) as UserRow[];
        // A deletion revokes every key in its own transaction and no key can be created for a
        // deleted user, but a database written by an earlier version (whose delete was two
        // statements) may hold a key created while a delete ran: it must not come back to life.
        if (row) yield revokeKeysOf(tx, tables, existing.id, now);
        return row;
      });
      if (!revived) throw new GatewayError("conflict", 409, `user ${email} already exists`, { param: "email" });
      return toUser(revived);
    }
    const [row] = await db
      .insert(users)
      .values({ uuid: crypto.randomUUID(), email, role: input.role, displayName: input.displayName ?? null, status: "active", createdAt: now, updatedAt: now, ...(await limitColumns(ctx, null, input.limits, null, now)) })
      .onConflictDoNothing({ target: users.email })
      .returning();
    if (!row) throw new GatewayError("conflict", 409, `user ${email} already exists`, { param: "email" });
    return toUser(row);
  }

  return {
    get,
    findByEmail,

    async create(input) {
      assertCreatableRole(parseRole(input.role));
      assertNameHasNoControlCharacters(input.displayName, "display_name");
      return insertOrRevive(input, new Date());
    },

    async list(options = {}) {
      const rows = options.includeDeleted
        ? await db.select().from(users).orderBy(asc(users.id))
        : await db.select().from(users).where(isNull(users.deletedAt)).orderBy(asc(users.id));
      return rows.map(toUser);
    },

    async update(id, patch) {
      const current = await get(id);
      if (!current || current.deletedAt) return null;
      assertNameHasNoControlCharacters(patch.displayName, "display_name");
      if (patch.role !== undefined) {
        const role = parseRole(patch.role);
        if (current.role === "root_admin" && role !== "root_admin") throw new GatewayError("invalid_request", 400, "the root admin's role cannot be changed", { param: "role" });
        if (role === "root_admin" && current.role !== "root_admin") assertCreatableRole(role);
      }
      if (patch.status !== undefined && patch.status !== "active" && patch.status !== "inactive") {
        throw new GatewayError("invalid_request", 400, `unsupported status ${JSON.stringify(patch.status)} (use active or inactive)`, { param: "status" });
      }
      if (current.role === "root_admin" && patch.status === "inactive") throw new GatewayError("invalid_request", 400, "the root admin cannot be deactivated", { param: "status" });
      const now = new Date();
      const set: Record<string, unknown> = { updatedAt: now, ...(await limitColumns(ctx, current.limits, patch.limits, { userId: id }, now)) };
      if (patch.role !== undefined) set.role = patch.role;
      if (patch.displayName !== undefined) set.displayName = patch.displayName;
      if (patch.status !== undefined) set.status = patch.status;
      const [row] = await db.update(users).set(set).where(eq(users.id, id)).returning();
      return row ? toUser(row) : null;
    },

    async softDelete(id) {
      const current = await get(id);
      if (!current || current.deletedAt) return null;
      if (current.role === "root_admin") throw new GatewayError("invalid_request", 400, "the root admin cannot be deleted");
      const now = new Date();
      // One transaction: the keys are revoked and the user marked deleted together, or neither.
      // Keys before the user, the order every writer locks them in (budget-repository-pg.ts),
      // then the keys again: a key whose creation held the user's row (api-key-repository.ts)
      // until this UPDATE could take it was committed meanwhile, and is revoked here; one
      // created after it sees the user deleted and is refused.
      const row = await inWriteTransaction(ctx, function* (tx) {
        yield revokeKeysOf(tx, tables, id, now);
        const [deleted] = (yield tx
          .update(users)
          .set({ status: "inactive", deletedAt: now, updatedAt: now })
          .where(and(eq(users.id, id), isNull(users.deletedAt), ne(users.role, "root_admin")))
          .returning()) as UserRow[];
        if (deleted) yield revokeKeysOf(tx, tables, id, now);
        return deleted;
      });
      return row ? toUser(row) : null;
    },

    async findRootAdmin() {
      const [row] = await db.select().from(users).where(eq(users.role, "root_admin")).orderBy(asc(users.id)).limit(1);
      return row ? toUser(row) : null;
    },

    async ensureRootAdmin(rawEmail, options = {}) {
      const email = normalizeEmail(rawEmail);
      const now = new Date();
      const [root] = await db.select().from(users).where(eq(users.role, "root_admin")).orderBy(asc(users.id)).limit(1);
      if (root) {
        if (root.email === email || options.rename === false) return toUser(root);
        // Changing admin_email renames the root admin (upstream behaviour, §1.7).
        const [clash] = await db.select().from(users).where(and(eq(users.email, email), ne(users.id, root.id))).limit(1);
        if (clash) throw new GatewayError("conflict", 409, `cannot rename the root admin to ${email}: another user has that email`);
        const [row] = await db.update(users).set({ email, updatedAt: now }).where(eq(users.id, root.id)).returning();
        return toUser(row!);
      }
      // Replicas may race here on a fresh database: the unique email makes one insert win,
      // and the others read the winner's row.
      await db
        .insert(users)
        .values({ uuid: crypto.randomUUID(), email, role: "root_admin", displayName: "Root admin", status: "active", createdAt: now, updatedAt: now })
        .onConflictDoNothing({ target: users.email });
      const existing = await findByEmail(email);
      if (!existing) throw new Error("root admin insert did not persist");
      if (existing.role !== "root_admin" || existing.deletedAt || existing.status !== "active") {
        const [row] = await db
          .update(users)
          .set({ role: "root_admin", status: "active", deletedAt: null, updatedAt: now })
          .where(eq(users.id, existing.id))
          .returning();
        return toUser(row!);
      }
      return existing;
    },

    importUsers(input, options) {
      return importUsers(ctx, { normalizeEmail, parseCreatableRole: (role) => assertCreatableRole(parseRole(role)) }, input, options);
    },
  };
}
