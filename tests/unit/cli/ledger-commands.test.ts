import { describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLedgerSink } from "../../../src/ledger/ledger-sink";
import { loadPriceTable } from "../../../src/ledger/price-table";
import { openConfiguredStore } from "../../../src/store/open-configured-store";
import { makeLedgerEntry } from "../../support/ledger-entries";
import { cliSandbox, runGateway } from "../../support/cli-runner";


describe("database commands against a temp data dir", () => {
  const { dirs, json } = cliSandbox("gw-cli");

  test("migrate applies once, then reports up to date; --status lists", async () => {
    const first = await json(["migrate"]);
    expect(first).toMatchObject({ dialect: "sqlite", applied_now: ["0000_init", "0001_client_request_id", "0002_limits", "0003_stored_response_items"], pending: [] });
    expect(first.database).toBe(join(dirs.dataDir, "gateway.db"));
    expect((await json(["migrate"])).applied_now).toEqual([]);
    expect((await json(["migrate", "--status"])).applied).toEqual(["0000_init", "0001_client_request_id", "0002_limits", "0003_stored_response_items"]);
  });

  test("init writes config/<env>.toml, creates the database and root admin, refuses to overwrite", async () => {
    const initDir = mkdtempSync(join(tmpdir(), "gw-init-"));
    const initData = join(initDir, "data");
    try {
      const run = await runGateway(["init", "--root", initDir, "--email", "Boss@Example.com", "--env", "staging", "--data-dir", initData, "--json"]);
      expect(run.code).toBe(0);
      const result = JSON.parse(run.out);
      expect(result.config_file).toBe(join(initDir, "config", "staging.toml"));
      expect(result.root_admin.email).toBe("boss@example.com");
      expect(readFileSync(result.config_file, "utf8")).toContain('admin_email = "boss@example.com"');
      const again = await runGateway(["init", "--root", initDir, "--env", "staging", "--data-dir", dirs.dataDir]);
      expect(again.code).toBe(1);
      expect(again.err).toContain("file already exists");
      // In a clone of the repository config/dev.toml is a tracked file: --force is not the only way out.
      expect(again.err).toContain("(use --force to overwrite it, or --root DIR to write DIR/config/staging.toml instead)");
      // A command run where that config is not found (another directory, cron, a second shell)
      // sees only the placeholder default: it must not rename the admin init named.
      const elsewhere = await runGateway(["admin", "users", "list", "--data-dir", initData, "--json"]);
      expect(JSON.parse(elsewhere.out).users.map((user: { email: string }) => user.email)).toEqual(["boss@example.com"]);
      const key = await runGateway(["admin", "api-keys", "create", "--user", "boss@example.com", "--data-dir", initData]);
      expect(key.code).toBe(0);
    } finally {
      rmSync(initDir, { recursive: true, force: true });
    }
  });

  // config/<env>.toml is read from the working directory: a pip or npm user who ran init in one
  // directory and starts gatewayd in another ran without it, and init's output did not say so.
  test("init's text output says how to start the daemon with the file it wrote, from there or anywhere", async () => {
    const initDir = mkdtempSync(join(tmpdir(), "gw-init-text-"));
    try {
      const run = await runGateway(["init", "--root", initDir, "--env", "staging", "--data-dir", join(initDir, "data")]);
      expect(run.code).toBe(0);
      const file = join(initDir, "config", "staging.toml");
      expect(run.out).toContain(`start it: gatewayd --env staging in ${initDir} (config/ is read from the working directory), or gatewayd --config ${file} from anywhere`);
    } finally {
      rmSync(initDir, { recursive: true, force: true });
    }
  });

  test("admin users create, list, update, delete; errors exit 1", async () => {
    const { user } = await json(["admin", "users", "create", "--email", "dev@example.com", "--role", "gateway_admin", "--name", "Dev"]);
    expect(user).toMatchObject({ email: "dev@example.com", role: "gateway_admin", display_name: "Dev" });
    const { users } = await json(["admin", "users", "list"]);
    expect(users.map((listed: { email: string }) => listed.email)).toEqual(["admin@local", "dev@example.com"]);
    const updated = await json(["admin", "users", "update", "--id", "dev@example.com", "--role", "gateway_user", "--status", "inactive"]);
    expect(updated.user).toMatchObject({ role: "gateway_user", status: "inactive" });
    const duplicate = await runGateway(["admin", "users", "create", "--email", "dev@example.com", "--data-dir", dirs.dataDir]);
    expect(duplicate).toMatchObject({ code: 1 });
    expect(duplicate.err).toContain("already exists");
    expect((await json(["admin", "users", "delete", "--id", String(user.id)])).user.deleted_at).not.toBeNull();
    const table = await runGateway(["admin", "users", "list", "--data-dir", dirs.dataDir]);
    expect(table.out.split("\n")[0]).toMatch(/^ID\s+EMAIL\s+ROLE/);
    expect(table.out).not.toContain("dev@example.com");
  });

  test("admin users import: header in any order, headerless, --skip-existing", async () => {
    const withHeader = join(dirs.workDir, "users.csv");
    writeFileSync(withHeader, "name,email,role\nAnn,ann@example.com,gateway_user\nBob,bob@example.com,gateway_admin\n");
    const imported = await json(["admin", "users", "import", "--file", withHeader]);
    expect(imported.created.map((user: { email: string; role: string; display_name: string }) => [user.email, user.role, user.display_name])).toEqual([
      ["ann@example.com", "gateway_user", "Ann"],
      ["bob@example.com", "gateway_admin", "Bob"],
    ]);
    const headerless = join(dirs.workDir, "more.csv");
    writeFileSync(headerless, "ann@example.com,gateway_user,Ann\ncy@example.com,gateway_user,Cy\n");
    const refused = await runGateway(["admin", "users", "import", "--file", headerless, "--data-dir", dirs.dataDir]);
    expect(refused.code).toBe(1);
    // Says that nothing was written and how to go on, so the user neither re-checks the file nor fears half an import.
    expect(refused.err).toContain("user ann@example.com already exists; nothing was imported (to skip existing users: --skip-existing, or skip_existing in the admin API)");
    const skipped = await json(["admin", "users", "import", "--file", headerless, "--skip-existing"]);
    expect(skipped.skipped).toEqual(["ann@example.com"]);
    expect(skipped.created.map((user: { email: string }) => user.email)).toEqual(["cy@example.com"]);
  });

  test("admin api-keys create prints the token once; list shows prefixes; revoke", async () => {
    const created = await json(["admin", "api-keys", "create", "--user", "ann@example.com", "--scopes", "models,usage", "--ttl", "720h", "--name", "ci"]);
    expect(created.token).toMatch(/^tok_[A-Za-z0-9_-]{43}$/);
    expect(created.api_key).toMatchObject({ key_prefix: created.token.slice(0, 12), scopes: ["models", "usage"], name: "ci" });
    const listed = await runGateway(["admin", "api-keys", "list", "--user", "ann@example.com", "--data-dir", dirs.dataDir, "--json"]);
    expect(listed.out).toContain(created.token.slice(0, 12));
    expect(listed.out).not.toContain(created.token.slice(12));
    const revoked = await json(["admin", "api-keys", "revoke", "--id", String(created.api_key.id)]);
    expect(revoked.api_key.revoked_at).not.toBeNull();
    const text = await runGateway(["admin", "api-keys", "create", "--user", "ann@example.com", "--data-dir", dirs.dataDir]);
    expect(text.out).toMatch(/^API key id=\d+ token=tok_/);
    expect((await runGateway(["admin", "api-keys", "create", "--user", "nobody@example.com", "--data-dir", dirs.dataDir])).code).toBe(1);
  });

  test("admin api-keys create --scopes metrics: a scrape-only key for an admin; refused for a gateway_user", async () => {
    const scraper = await json(["admin", "api-keys", "create", "--user", "admin@local", "--scopes", "metrics", "--name", "prometheus"]);
    expect(scraper.api_key).toMatchObject({ scopes: ["metrics"], name: "prometheus" });
    const refused = await runGateway(["admin", "api-keys", "create", "--user", "ann@example.com", "--scopes", "metrics", "--data-dir", dirs.dataDir]);
    expect(refused.code).toBe(1);
    expect(refused.err).toContain("scope metrics is not allowed for a gateway_user");
  });

  test("readable output: migrate, api-keys list and revoke print text, not JSON", async () => {
    const migrate = await runGateway(["migrate", "--data-dir", dirs.dataDir]);
    expect(migrate.out).toContain(`database: sqlite ${join(dirs.dataDir, "gateway.db")}`);
    expect(migrate.out).toContain("migrations applied now: (none, up to date)");
    const created = await json(["admin", "api-keys", "create", "--user", "admin@local", "--name", "table-check"]);
    const table = await runGateway(["admin", "api-keys", "list", "--user", "admin@local", "--data-dir", dirs.dataDir]);
    expect(table.out.split("\n")[0]).toMatch(/^ID\s+USER_ID\s+KEY_PREFIX\s+NAME\s+SCOPES/);
    expect(table.out).toContain(created.api_key.key_prefix);
    expect(table.out).not.toContain(created.token.slice(12));
    const revoked = await runGateway(["admin", "api-keys", "revoke", "--id", String(created.api_key.id), "--data-dir", dirs.dataDir]);
    expect(revoked.out).toBe(`API key revoked: id=${created.api_key.id} prefix=${created.api_key.key_prefix}`);
    const missing = await runGateway(["admin", "api-keys", "revoke", "--id", "99999", "--data-dir", dirs.dataDir, "--json"]);
    expect(missing.code).toBe(1);
    expect(JSON.parse(missing.out)).toEqual({ error: { message: "api key 99999 not found", code: "not_found" } });
  });

  test("usage: summary and recent rows with --user --model --since --until --limit", async () => {
    const store = await openConfiguredStore({ dataDir: dirs.dataDir, databaseUrl: "", sqliteSynchronous: "FULL", auth: { disabled: undefined, adminEmail: "admin@local" } });
    const ann = (await store.users.findByEmail("ann@example.com"))!;
    const annKey = (await store.apiKeys.listForUser(ann.id))[0]!;
    const sink = createLedgerSink(store, { prices: loadPriceTable() });
    await Promise.all([
      sink.record(makeLedgerEntry({ userId: ann.id, apiKeyId: annKey.id, startedAt: new Date("2025-06-01T08:00:00Z"), modelRequested: "gpt-4o", modelServed: "gpt-4o" })),
      sink.record(makeLedgerEntry({ userId: ann.id, startedAt: new Date("2025-06-02T08:00:00Z"), modelRequested: "gpt-4o-mini", modelServed: "gpt-4o-mini" })),
      sink.record(makeLedgerEntry({ userId: null, startedAt: new Date("2025-06-02T09:00:00Z"), modelRequested: "gpt-4o", modelServed: "gpt-4o" })),
    ]);
    await sink.close();
    await store.close();

    const all = await json(["usage"]);
    expect(all.totals.requests).toBe(3);
    expect(all.entries).toHaveLength(3);
    const annOnly = await json(["usage", "--user", "ann@example.com", "--limit", "1"]);
    expect(annOnly.totals.requests).toBe(2);
    expect(annOnly.entries.map((row: { model_requested: string }) => row.model_requested)).toEqual(["gpt-4o-mini"]);
    expect(annOnly.by_day_model.map((group: { day: string; model: string }) => `${group.day} ${group.model}`)).toEqual(["2025-06-01 gpt-4o", "2025-06-02 gpt-4o-mini"]);
    expect((await json(["usage", "--model", "gpt-4o", "--since", "2025-06-02", "--until", "2025-06-03"])).totals.requests).toBe(1);
    const table = await runGateway(["usage", "--data-dir", dirs.dataDir]);
    expect(table.out).toContain("requests 3");
    expect(table.out).toMatch(/DAY\s+MODEL\s+REQUESTS/);
    const bad = await runGateway(["usage", "--since", "soonish", "--data-dir", dirs.dataDir]);
    expect(bad.code).toBe(1);
    // One key's usage (before rotating it), and its id in every row.
    const byKey = await json(["usage", "--key", String(annKey.id)]);
    expect(byKey.totals.requests).toBe(1);
    expect(byKey.entries.map((row: { api_key_id: number }) => row.api_key_id)).toEqual([annKey.id]);
    expect(table.out).toMatch(/USER_ID\s+API_KEY_ID/);
    // A deleted user's history stays reportable: the ledger keeps it, and so do the reports.
    await json(["admin", "users", "delete", "--id", "ann@example.com"]);
    expect((await json(["usage", "--user", "ann@example.com"])).totals.requests).toBe(2);
    expect((await json(["admin", "api-keys", "list", "--user", "ann@example.com"])).api_keys.length).toBeGreaterThan(0);
    expect((await runGateway(["admin", "api-keys", "create", "--user", "ann@example.com", "--data-dir", dirs.dataDir])).code).toBe(1);
    const unknownKey = await runGateway(["usage", "--key", "99999", "--data-dir", dirs.dataDir]);
    expect({ code: unknownKey.code, err: unknownKey.err }).toEqual({ code: 1, err: "error: api key 99999 not found" });
  });
});
