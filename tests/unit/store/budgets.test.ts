import { describe, expect, test } from "bun:test";
import type { BudgetReservation } from "../../../src/store/types";
import { dialectCases, useMigratedStore } from "../../support/test-databases";

/** The budget repository on both dialects: all-or-nothing reservations, settlement, periods, expiry. */
for (const dialectCase of dialectCases) {
  describe.skipIf(dialectCase.skip)(`budget repository (${dialectCase.dialect})`, () => {
    const opened = useMigratedStore(dialectCase);

    const epoch = new Date(0);
    let n = 0;
    async function keyAndUser(keyBudget: number | null, userBudget: number | null, userPeriod: "daily" | "monthly" | null = null) {
      const user = await opened.store.users.create({ email: `b${++n}@example.com`, role: "gateway_user", limits: { budgetMicroUsd: userBudget, budgetPeriod: userPeriod } });
      const key = await opened.store.apiKeys.insert({ userId: user.id, keyHash: `hash${n}`, keyPrefix: "tok_test0000", limits: { budgetMicroUsd: keyBudget } });
      return { userId: user.id, apiKeyId: key.id };
    }
    const reservation = (who: { userId: number; apiKeyId: number }, amount: number, overrides: Partial<BudgetReservation> = {}): BudgetReservation => ({
      id: `r_${crypto.randomUUID()}`, ...who, keyMicroUsd: amount, userMicroUsd: amount, keyPeriodStart: epoch, userPeriodStart: epoch, now: new Date(), expiresAt: new Date(Date.now() + 60_000), ...overrides,
    });

    test("a reservation that fits is kept on key and user; one that does not fit the user leaves the key untouched", async () => {
      const who = await keyAndUser(100, 50);
      expect(await opened.store.budgets.reserve(reservation(who, 40))).toEqual({ ok: true });
      expect(await opened.store.budgets.reserve(reservation(who, 20))).toEqual({ ok: false, exhausted: "user", budgetMicroUsd: 50, remainingMicroUsd: 10 });
      expect((await opened.store.apiKeys.get(who.apiKeyId))!.spend.reservedMicroUsd).toBe(40);
      expect((await opened.store.users.get(who.userId))!.spend.reservedMicroUsd).toBe(40);
      expect(await opened.store.budgets.reserve(reservation(who, 101, { userMicroUsd: 0 }))).toEqual({ ok: false, exhausted: "key", budgetMicroUsd: 100, remainingMicroUsd: 60 });
    });

    test("settling releases the reservation and charges the cost; a settlement without its reservation still charges", async () => {
      const who = await keyAndUser(100, null);
      const held = reservation(who, 60, { userMicroUsd: 0 });
      await opened.store.budgets.reserve(held);
      const settle = { id: held.id, ...who, chargeKey: true, chargeUser: false, costMicroUsd: 25, at: new Date() };
      await opened.store.budgets.settle(settle);
      expect((await opened.store.apiKeys.get(who.apiKeyId))!.spend).toMatchObject({ spentMicroUsd: 25, reservedMicroUsd: 0 });
      await opened.store.budgets.settle(settle); // the reservation is gone (swept): the cost still counts, reserved never goes negative
      expect((await opened.store.apiKeys.get(who.apiKeyId))!.spend).toMatchObject({ spentMicroUsd: 50, reservedMicroUsd: 0 });
      expect((await opened.store.users.get(who.userId))!.spend).toMatchObject({ spentMicroUsd: 0, reservedMicroUsd: 0 });
    });

    test("a held reservation (a background run's) is extended, and charged once however often it is settled", async () => {
      const who = await keyAndUser(100, null);
      const held = reservation(who, 60, { userMicroUsd: 0, expiresAt: new Date(Date.now() + 1000) });
      await opened.store.budgets.reserve(held);
      expect(await opened.store.budgets.extend(held.id, new Date(Date.now() + 3_600_000))).toBe(true);
      expect(await opened.store.budgets.releaseExpired(new Date(Date.now() + 30_000))).toBe(0); // others here expire in 60 s
      const settle = { id: held.id, ...who, chargeKey: true, chargeUser: false, costMicroUsd: 25, at: new Date(), onlyIfReserved: true };
      await Promise.all([opened.store.budgets.settle(settle), opened.store.budgets.settle(settle)]);
      expect((await opened.store.apiKeys.get(who.apiKeyId))!.spend).toMatchObject({ spentMicroUsd: 25, reservedMicroUsd: 0 });
      expect(await opened.store.budgets.extend(held.id, new Date())).toBe(false);
    });

    test("a new period starts from nothing spent", async () => {
      const who = await keyAndUser(null, 100, "monthly");
      const january = new Date("2026-01-01T00:00:00Z");
      const february = new Date("2026-02-01T00:00:00Z");
      const held = reservation(who, 90, { keyMicroUsd: 0, userPeriodStart: january });
      await opened.store.budgets.reserve(held);
      await opened.store.budgets.settle({ id: held.id, ...who, chargeKey: false, chargeUser: true, costMicroUsd: 90, at: january });
      expect(await opened.store.budgets.reserve(reservation(who, 20, { keyMicroUsd: 0, userPeriodStart: january }))).toEqual({ ok: false, exhausted: "user", budgetMicroUsd: 100, remainingMicroUsd: 10 });
      expect(await opened.store.budgets.reserve(reservation(who, 20, { keyMicroUsd: 0, userPeriodStart: february }))).toEqual({ ok: true });
      expect((await opened.store.users.get(who.userId))!.spend).toMatchObject({ spentMicroUsd: 0, reservedMicroUsd: 20, periodStart: february });
    });

    test("a budget period changed while a request ran: its cost is charged to the row's new period, and the spend is not forgotten", async () => {
      // A daily key budget of 100, a request admitted under it, then the admin makes the budget a
      // lifetime one (spend restarts from the ledger: nothing here). The request's settlement
      // used to stamp the daily period back on the row, so the next lifetime admission found a
      // counter "of another period" and counted from 0: 60 spent, then 50 more admitted of 100.
      const who = await keyAndUser(100, null);
      await opened.store.apiKeys.update(who.apiKeyId, { limits: { budgetPeriod: "daily" } });
      const today = new Date(Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate()));
      const held = reservation(who, 60, { userMicroUsd: 0, keyPeriodStart: today });
      expect(await opened.store.budgets.reserve(held)).toEqual({ ok: true });
      await opened.store.apiKeys.update(who.apiKeyId, { limits: { budgetPeriod: null } });
      await opened.store.budgets.settle({ id: held.id, ...who, chargeKey: true, chargeUser: false, costMicroUsd: 60, at: new Date() });
      expect((await opened.store.apiKeys.get(who.apiKeyId))!.spend).toMatchObject({ spentMicroUsd: 60, reservedMicroUsd: 0, periodStart: epoch });
      expect(await opened.store.budgets.reserve(reservation(who, 50, { userMicroUsd: 0 }))).toEqual({ ok: false, exhausted: "key", budgetMicroUsd: 100, remainingMicroUsd: 40 });
      expect(await opened.store.budgets.reserve(reservation(who, 40, { userMicroUsd: 0 }))).toEqual({ ok: true });
    });

    test("expired reservations (a crashed process's) are released; live ones only with everything", async () => {
      const who = await keyAndUser(100, null);
      await opened.store.budgets.reserve(reservation(who, 70, { userMicroUsd: 0, expiresAt: new Date(Date.now() - 1000) }));
      await opened.store.budgets.reserve(reservation(who, 20, { userMicroUsd: 0 }));
      expect(await opened.store.budgets.reserve(reservation(who, 20, { userMicroUsd: 0 }))).toEqual({ ok: false, exhausted: "key", budgetMicroUsd: 100, remainingMicroUsd: 10 });
      expect(await opened.store.budgets.releaseExpired(new Date())).toBeGreaterThanOrEqual(1);
      expect((await opened.store.apiKeys.get(who.apiKeyId))!.spend.reservedMicroUsd).toBe(20);
      await opened.store.budgets.releaseExpired(new Date(), { everything: true });
      expect((await opened.store.apiKeys.get(who.apiKeyId))!.spend.reservedMicroUsd).toBe(0);
    });
  });
}
