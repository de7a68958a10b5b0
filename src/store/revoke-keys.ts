/** The statement that revokes every key of a user still unrevoked, for a write transaction (write-transaction.ts). */
import { and, eq, isNull } from "drizzle-orm";
import type { AnyDatabase, Tables } from "./db-context";
import type { RowStatement } from "./write-transaction";

export function revokeKeysOf(tx: AnyDatabase, { apiKeys }: Tables, userId: number, now: Date): RowStatement {
  return tx
    .update(apiKeys)
    .set({ revokedAt: now, updatedAt: now })
    .where(and(eq(apiKeys.userId, userId), isNull(apiKeys.revokedAt)))
    .returning({ id: apiKeys.id });
}
