/**
 * Red-team cases of the admin and usage commands: input that used to be accepted with a result
 * other than the one asked for, or reported with an unclear message.
 */
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { cliSandbox } from "../../support/cli-runner";

describe("admin and usage commands refuse what they cannot do as asked", () => {
  const { dirs, run, json } = cliSandbox("gw-cli-checks");

  test("users update with nothing to change is an error, as api-keys update is", async () => {
    await json(["admin", "users", "create", "--email", "dev@example.com"]);
    const result = await run(["admin", "users", "update", "--id", "dev@example.com"]);
    expect(result).toMatchObject({ code: 1, err: expect.stringContaining("nothing to change") });
  });

  test("--budget null removes a budget, as the validation message says it does", async () => {
    await json(["admin", "users", "update", "--id", "dev@example.com", "--budget", "5"]);
    const { user } = await json(["admin", "users", "update", "--id", "dev@example.com", "--budget", "null", "--rpm", "null"]);
    expect(user.limits).toMatchObject({ budget_usd: null, rpm_limit: null });
  });

  test("limit options take decimal numbers only: --budget 0x10 is not $16", async () => {
    expect(await run(["admin", "users", "update", "--id", "dev@example.com", "--budget", "0x10"])).toMatchObject({ code: 1, err: expect.stringContaining("--budget must be") });
    expect(await run(["admin", "users", "update", "--id", "dev@example.com", "--rpm", "0b11"])).toMatchObject({ code: 1, err: expect.stringContaining("--rpm must be") });
    const { user } = await json(["admin", "users", "update", "--id", "dev@example.com", "--budget", "2.5", "--rpm", "1e2"]);
    expect(user.limits).toMatchObject({ budget_usd: 2.5, rpm_limit: 100 });
  });

  test("api-keys create: --scopes '' is refused (it issued a key with every scope); --ttl with --expires-at too", async () => {
    const empty = await run(["admin", "api-keys", "create", "--user", "dev@example.com", "--scopes", ""]);
    expect(empty).toMatchObject({ code: 1, err: expect.stringContaining("scopes is empty") });
    const both = await run(["admin", "api-keys", "create", "--user", "dev@example.com", "--ttl", "30d", "--expires-at", "2099-01-01"]);
    expect(both).toMatchObject({ code: 1, err: expect.stringContaining("not both") });
    // An empty or overflowing lifetime stored no expiry: a key that never expires.
    for (const ttl of ["", "99999999999999d"]) expect(await run(["admin", "api-keys", "create", "--user", "dev@example.com", "--ttl", ttl])).toMatchObject({ code: 1, err: expect.stringContaining("--ttl must be") });
    expect((await json(["admin", "api-keys", "list", "--user", "dev@example.com"])).api_keys).toEqual([]);
    const { api_key } = await json(["admin", "api-keys", "create", "--user", "dev@example.com"]);
    expect(api_key.scopes).toEqual(["models", "usage"]);
    await json(["admin", "api-keys", "create", "--user", "dev@example.com", "--scopes", "usage"]);
    const table = (await run(["admin", "api-keys", "list", "--user", "dev@example.com"])).out.split("\n");
    expect(table[1]).toContain("models,usage");
    expect(table[2]).toMatch(/\busage\b/);
  });

  test("a --name with a control character is refused (exit 1) by users create/update and api-keys create/update, and by import with its CSV line", async () => {
    const refused = { code: 1, err: expect.stringContaining("must not contain control characters") };
    expect(await run(["admin", "users", "create", "--email", "ctl@example.com", "--name", "Ops\tTeam"])).toMatchObject(refused);
    expect(await run(["admin", "users", "update", "--id", "dev@example.com", "--name", "\u001b]0;owned\u0007"])).toMatchObject(refused);
    expect(await run(["admin", "api-keys", "create", "--user", "dev@example.com", "--name", "ci\nkey"])).toMatchObject(refused);
    const { api_key } = await json(["admin", "api-keys", "create", "--user", "dev@example.com", "--name", "ci"]);
    expect(await run(["admin", "api-keys", "update", "--id", String(api_key.id), "--name", "ci\u009b"])).toMatchObject(refused);
    const file = join(dirs.workDir, "control.csv");
    await Bun.write(file, "email,name\nok@example.com,OK\nbad@example.com,Bad\u0007Name\n");
    expect(await run(["admin", "users", "import", "--file", file])).toMatchObject({ code: 1, err: expect.stringContaining("users CSV line 3: display_name must not contain control characters (found U+0007") });
    const { users } = await json(["admin", "users", "list"]);
    expect(users.map((user: { email: string }) => user.email)).not.toContain("ok@example.com");
    expect(users.map((user: { email: string }) => user.email)).not.toContain("ctl@example.com");
  });

  test("users import names a file it cannot read in one line", async () => {
    const missing = join(dirs.workDir, "missing.csv");
    expect(await run(["admin", "users", "import", "--file", missing])).toMatchObject({ code: 1, err: `error: cannot read --file ${missing}: no such file` });
  });

  test("usage: a key that is not the --user's is an error, not an empty report; --limit is named as typed", async () => {
    await json(["admin", "users", "create", "--email", "other@example.com"]);
    const { api_key } = await json(["admin", "api-keys", "create", "--user", "other@example.com"]);
    const mismatch = await run(["usage", "--user", "dev@example.com", "--key", String(api_key.id)]);
    expect(mismatch).toMatchObject({ code: 1, err: expect.stringContaining(`api key ${api_key.id} does not belong to user dev@example.com`) });
    expect(await run(["usage", "--limit", "-3"])).toMatchObject({ code: 1, err: expect.stringContaining("--limit must be") });
    expect(await run(["usage", "--since", "-5"])).toMatchObject({ code: 1, err: expect.stringContaining("--since must be") });
  });
});
