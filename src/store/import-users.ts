/**
 * `importUsers`: every row of an import is written in one transaction, all or nothing, on both
 * dialects. The rows were checked first and then inserted one at a time outside a transaction,
 * so a user created meanwhile (another admin, a replica) made a later row fail after the earlier
 * ones were written: a partial import the admin was told had not happened.
 */
import { inArray, isNotNull, and, eq } from "drizzle-orm";
import { GatewayError } from "../errors/gateway-error";
import { assertNameHasNoControlCharacters } from "./display-name";
import type { DbContext } from "./db-context";
import { limitColumns } from "./limit-columns";
import type { ImportResult, Limits, NewUser, User, UserRole } from "./types";
import { toUserRecord as toUser } from "./user-record";
import { revokeKeysOf } from "./revoke-keys";
import { inWriteTransaction } from "./write-transaction";

const NO_LIMITS: Limits = { budgetMicroUsd: null, budgetPeriod: null, rpmLimit: null, tpmLimit: null };
/** Emails per `IN (…)` lookup: well under SQLite's and PostgreSQL's bound-parameter limits. */
const LOOKUP_CHUNK = 500;

export interface ImportChecks {
  normalizeEmail(email: string): string;
  /** Parse a role and refuse the ones an import may not create (root_admin). */
  parseCreatableRole(role: string): UserRole;
}

/** One row to write: a new user, or a deleted one revived (`reviveId`), with its columns. */
interface PlannedRow {
  /** 1-based position in the import, to name the row that failed. */
  row: number;
  email: string;
  reviveId: number | null;
  columns: Record<string, unknown>;
}

const SKIP_HINT = "to skip existing users: --skip-existing, or skip_existing in the admin API";

export async function importUsers(ctx: DbContext, checks: ImportChecks, input: NewUser[], options: { skipExisting: boolean }): Promise<ImportResult> {
  // Validate every row first so a bad line rejects the file before anything is written.
  const prepared = input.map((user, index) => {
    assertNameHasNoControlCharacters(user.displayName, "display_name", `import row ${index + 1}: `);
    return { ...user, role: checks.parseCreatableRole(user.role), email: checks.normalizeEmail(user.email) };
  });
  const existing = await findExisting(ctx, prepared.map((user) => user.email));
  const skipped: string[] = [];
  const planned: PlannedRow[] = [];
  const seen = new Set<string>();
  const now = new Date();
  for (const [index, user] of prepared.entries()) {
    const found = existing.get(user.email);
    if (seen.has(user.email) || (found && found.deletedAt === null)) {
      if (!options.skipExisting) {
        // A repeat inside the file is named as such: "already exists" sent the admin looking for it in the database.
        const where = seen.has(user.email) ? "appears twice in the import" : "already exists";
        throw new GatewayError("conflict", 409, `import row ${index + 1}: user ${user.email} ${where}; nothing was imported (${SKIP_HINT})`, { param: "email" });
      }
      skipped.push(user.email);
      continue;
    }
    seen.add(user.email);
    const base = { role: user.role, displayName: user.displayName ?? null, status: "active", updatedAt: now };
    planned.push(
      found
        ? // As `create`: a deleted user is revived with the new limits only (its ledger history keeps one owner).
          { row: index + 1, email: user.email, reviveId: found.id, columns: { ...base, deletedAt: null, ...(await limitColumns(ctx, NO_LIMITS, { ...NO_LIMITS, ...user.limits }, { userId: found.id }, now)) } }
        : { row: index + 1, email: user.email, reviveId: null, columns: { ...base, uuid: crypto.randomUUID(), email: user.email, createdAt: now, ...(await limitColumns(ctx, null, user.limits, null, now)) } },
    );
  }
  const created = await writeAll(ctx, planned, (row) => {
    // Created (or revived) by someone else between the check and the write.
    if (!options.skipExisting) throw new GatewayError("conflict", 409, `import row ${row.row}: user ${row.email} was created while importing; nothing was imported (${SKIP_HINT})`, { param: "email" });
    skipped.push(row.email);
  });
  return { created, skipped };
}

async function findExisting(ctx: DbContext, emails: string[]): Promise<Map<string, User>> {
  const { users } = ctx.tables;
  const found = new Map<string, User>();
  for (let start = 0; start < emails.length; start += LOOKUP_CHUNK) {
    const rows = await ctx.db.select().from(users).where(inArray(users.email, emails.slice(start, start + LOOKUP_CHUNK)));
    for (const row of rows) found.set(row.email, toUser(row));
  }
  return found;
}

/**
 * Write every planned row in one transaction. A row that conflicts at write time (its email
 * taken, its deleted user revived meanwhile) goes to `onConflict`, which throws to roll back
 * everything or returns to skip that row.
 */
async function writeAll(ctx: DbContext, planned: PlannedRow[], onConflict: (row: PlannedRow) => void): Promise<User[]> {
  if (planned.length === 0) return [];
  const { users } = ctx.tables;
  return inWriteTransaction(ctx, function* (tx) {
    const created: User[] = [];
    for (const row of planned) {
      const statement =
        row.reviveId === null
          ? tx.insert(users).values(row.columns as typeof users.$inferInsert).onConflictDoNothing({ target: users.email }).returning()
          : tx.update(users).set(row.columns).where(and(eq(users.id, row.reviveId), isNotNull(users.deletedAt))).returning();
      const [written] = (yield statement) as Array<typeof users.$inferSelect>;
      if (!written) {
        onConflict(row);
        continue;
      }
      // As `create`: keys an earlier version left unrevoked on a deleted user stay dead.
      if (row.reviveId !== null) yield revokeKeysOf(tx, ctx.tables, row.reviveId, row.columns.updatedAt as Date);
      created.push(toUser(written));
    }
    return created;
  });
}
