import { describe, expect, test } from "bun:test";
import { openConfiguredStore } from "../../../src/store/open-configured-store";
import { cliSandbox } from "../../support/cli-runner";

/** `gateway admin users|api-keys create|update|list` with --budget, --budget-period, --rpm, --tpm. */

describe("limits in the CLI", () => {
  const { dirs, run, json } = cliSandbox("gw-cli-limits");

  test("users create and update set, change and clear limits; list shows them", async () => {
    const { user } = await json(["admin", "users", "create", "--email", "team@example.com", "--budget", "100", "--budget-period", "monthly", "--rpm", "120"]);
    expect(user.limits).toEqual({ budget_usd: 100, budget_period: "monthly", rpm_limit: 120, tpm_limit: null });
    expect(user.budget).toMatchObject({ period: "monthly", remaining_usd: 100 });
    const updated = await json(["admin", "users", "update", "--id", "team@example.com", "--rpm", "none", "--tpm", "50000"]);
    expect(updated.user.limits).toEqual({ budget_usd: 100, budget_period: "monthly", rpm_limit: null, tpm_limit: 50000 });
    const table = await run(["admin", "users", "list"]);
    expect(table.out.split("\n")[0]).toMatch(/BUDGET_USD\s+PERIOD\s+SPENT_USD\s+REMAINING_USD\s+RPM\s+TPM/);
    expect(table.out).toMatch(/team@example\.com.*100\s+monthly\s+0\.000000\s+100\.000000\s+50000/);
  });

  test("api-keys create with limits, update them, list them; bad values exit 1 naming the option", async () => {
    const created = await json(["admin", "api-keys", "create", "--user", "team@example.com", "--budget", "0.5", "--tpm", "1000"]);
    expect(created.api_key.limits).toEqual({ budget_usd: 0.5, budget_period: "lifetime", rpm_limit: null, tpm_limit: 1000 });
    const id = String(created.api_key.id);
    const updated = await json(["admin", "api-keys", "update", "--id", id, "--budget", "2", "--budget-period", "daily"]);
    expect(updated.api_key.limits).toMatchObject({ budget_usd: 2, budget_period: "daily" });
    expect(updated.api_key.budget).toMatchObject({ period: "daily", remaining_micro_usd: 2_000_000 });
    const listed = await json(["admin", "api-keys", "list", "--user", "team@example.com"]);
    expect(listed.api_keys[0].limits.budget_usd).toBe(2);
    expect((await json(["admin", "api-keys", "update", "--id", id, "--budget", "none"])).api_key.budget).toBeNull();
    for (const [option, value, message] of [
      ["--budget", "-3", "--budget must be a number"],
      ["--budget", "ten", "--budget must be a number"],
      ["--budget-period", "weekly", "--budget-period must be"],
      ["--rpm", "0", "--rpm must be a positive integer"],
    ] as const) {
      const refused = await run(["admin", "api-keys", "update", "--id", id, option, value]);
      expect(refused.code).toBe(1);
      expect(refused.err + refused.out).toContain(message);
    }
    expect((await run(["admin", "api-keys", "update", "--id", id])).code).toBe(1);
    const store = await openConfiguredStore({ dataDir: dirs.dataDir, databaseUrl: "", sqliteSynchronous: "FULL", auth: { disabled: undefined, adminEmail: "admin@local" } });
    expect((await store.apiKeys.get(Number(id)))!.limits.budgetMicroUsd).toBeNull();
    await store.close();
  });
});
